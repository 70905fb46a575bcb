//! Semantic search over 10 000 × 384 embeddings: the top 10 keys by cosine
//! for 100 queries with [`simkern::KeyIndex`], checked against the
//! materialised way (`similarity_matrix` of unit rows, then a selection per
//! query).
//!
//! ```text
//! cargo run --release -p simkern --example search [n_keys] [n_queries]
//! ```
//! The embeddings are synthetic (a fixed seed): clusters around 64 random
//! centres, so that a query's neighbours are its cluster-mates. The run
//! fails (exit code 1) if the two ways disagree beyond the scores' bound.

use std::error::Error;
use std::time::Instant;

use simkern::{KeyIndex, Metric};

#[path = "shared/rng.rs"]
mod rng;
use rng::Rng;

const DIM: usize = 384;
const K: usize = 10;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let n_keys = args.next().transpose()?.unwrap_or(10_000);
    let n_queries = args.next().transpose()?.unwrap_or(100);
    let mut rng = Rng(0x5eed);
    let centres: Vec<f32> = (0..64 * DIM).map(|_| rng.normal()).collect();
    let mut around = |n: usize| -> Vec<f32> {
        let mut x = Vec::with_capacity(n * DIM);
        for _ in 0..n {
            let c = (rng.next() % 64) as usize;
            x.extend(centres[c * DIM..(c + 1) * DIM].iter().map(|&v| v + 0.7 * rng.normal()));
        }
        x
    };
    let (keys, queries) = (around(n_keys), around(n_queries));

    let t = Instant::now();
    let index = KeyIndex::new(&keys, DIM, Metric::Cosine)?;
    let built = t.elapsed();
    let t = Instant::now();
    let hits = index.search(&queries, K)?;
    let searched = t.elapsed();
    println!(
        "{n_queries} queries × {n_keys} keys × {DIM}, top {K} by cosine: index {built:.2?}, search {searched:.2?}"
    );

    // The materialised way: unit rows, the whole score matrix, a selection.
    let t = Instant::now();
    let unit = |x: &[f32]| -> Vec<f32> {
        let mut u = x.to_vec();
        u.chunks_exact_mut(DIM).for_each(|r| {
            simkern::normalize(r);
        });
        u
    };
    let scores = simkern::similarity_matrix(&unit(&queries), &unit(&keys), DIM)?;
    let mut disagreements = 0;
    for (q, row) in scores.chunks_exact(n_keys).enumerate() {
        let mut order: Vec<u32> = (0..n_keys as u32).collect();
        // Best first; equal scores: lower index first (the search's rule).
        order.select_nth_unstable_by(K - 1, |&a, &b| {
            row[b as usize].total_cmp(&row[a as usize]).then(a.cmp(&b))
        });
        order.truncate(K);
        order.sort_by(|&a, &b| row[b as usize].total_cmp(&row[a as usize]).then(a.cmp(&b)));
        let got = &hits.indices[q * K..(q + 1) * K];
        for (rank, (&g, &w)) in got.iter().zip(&order).enumerate() {
            // Either the same key, or two keys whose scores are within the
            // f32 dot product's bound (γ_d·Σ|qᵢkᵢ| ≤ d·2⁻²⁴ for unit rows).
            let bound = DIM as f32 * f32::EPSILON;
            if g != w && (row[g as usize] - row[w as usize]).abs() > bound {
                disagreements += 1;
                eprintln!("query {q}, rank {rank}: search says key {g}, the matrix says key {w}");
            }
            let score = hits.scores[q * K + rank];
            if (score - row[w as usize]).abs() > bound {
                disagreements += 1;
                eprintln!("query {q}, rank {rank}: score {score} vs {}", row[w as usize]);
            }
        }
    }
    println!(
        "materialised similarity_matrix + selection: {:.2?} ({} MB of scores); {} of {} results differ",
        t.elapsed(),
        scores.len() * 4 / 1_000_000,
        disagreements,
        n_queries * K
    );
    let q0 = &hits.indices[..K];
    println!("query 0's neighbours: {q0:?} (cosines {:.3?})", &hits.scores[..K]);
    if disagreements > 0 {
        return Err(format!("{disagreements} results differ between the search and the matrix").into());
    }
    Ok(())
}
