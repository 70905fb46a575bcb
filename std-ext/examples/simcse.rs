//! SimCSE end to end, without an ML framework: a linear encoder trained
//! with SGD on `InfoNce::loss_and_grad`, positives made by dropout noise on
//! the same input. Each epoch prints the loss, the alignment / uniformity
//! / anisotropy of the embeddings, and the Spearman correlation between
//! predicted cosine similarity and the ground-truth similarity of held-out
//! pairs — they should visibly improve.
//!
//! ```text
//! cargo run --release -p simkern --example simcse [epochs]
//! ```

use simkern::{InfoNce, Result};

#[path = "shared/rng.rs"]
mod rng;
use rng::Rng;

const LATENT: usize = 6;
const INPUT: usize = 48;
const EMBED: usize = 16;
const BATCH: usize = 128;
const DROPOUT: f32 = 0.1;

/// y = W x for every row of `x` (W is EMBED × INPUT).
fn encode(w: &[f32], x: &[f32]) -> Vec<f32> {
    x.chunks_exact(INPUT)
        .flat_map(|row| w.chunks_exact(INPUT).map(move |wr| simkern::dot(wr, row).expect("same length")))
        .collect()
}

fn dropout(x: &[f32], rng: &mut Rng) -> Vec<f32> {
    x.iter().map(|&v| if rng.uniform() < DROPOUT { 0.0 } else { v / (1.0 - DROPOUT) }).collect()
}

fn unit_rows(mut y: Vec<f32>) -> Vec<f32> {
    for r in y.chunks_exact_mut(EMBED) {
        simkern::normalize(r);
    }
    y
}

fn main() -> Result<()> {
    let epochs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(12);
    let mut rng = Rng(42);
    // Observed x = A z + noise for a latent z; the true similarity of two
    // inputs is the cosine of their latents.
    let a: Vec<f32> = (0..INPUT * LATENT).map(|_| rng.normal()).collect();
    let sample = |rng: &mut Rng| -> (Vec<f32>, Vec<f32>) {
        let z: Vec<f32> = (0..LATENT).map(|_| rng.normal()).collect();
        let x = a
            .chunks_exact(LATENT)
            .map(|r| simkern::dot(r, &z).expect("same length") + 0.3 * rng.normal())
            .collect();
        (x, z)
    };
    // Held-out pairs for the STS-style evaluation.
    let pairs: Vec<_> = (0..300).map(|_| (sample(&mut rng), sample(&mut rng))).collect();
    let gold: Vec<f32> =
        pairs.iter().map(|((_, za), (_, zb))| simkern::cosine(za, zb).expect("same length")).collect();

    let mut w: Vec<f32> = (0..EMBED * INPUT).map(|_| 0.1 * rng.normal()).collect();
    let loss_fn = InfoNce::new(0.1)?.normalize(true);
    let lr = 0.5;
    println!("epoch   loss  align  unif   aniso  spearman");
    for epoch in 0..=epochs {
        let x: Vec<f32> = (0..BATCH).flat_map(|_| sample(&mut rng).0).collect();
        let (x1, x2) = (dropout(&x, &mut rng), dropout(&x, &mut rng));
        let (q, k) = (encode(&w, &x1), encode(&w, &x2));
        let g = loss_fn.loss_and_grad(&q, &k, EMBED)?;

        let (qu, ku) = (unit_rows(q), unit_rows(k));
        let align = simkern::alignment(&qu, &ku, EMBED, 2.0)?;
        let unif = simkern::uniformity(&qu, EMBED, 2.0)?;
        let aniso = simkern::anisotropy(&qu, EMBED)?.mean_cosine;
        let predicted: Vec<f32> = pairs
            .iter()
            .map(|((xa, _), (xb, _))| simkern::cosine(&encode(&w, xa), &encode(&w, xb)).expect("same length"))
            .collect();
        let rho = simkern::spearman(&predicted, &gold)?;
        println!("{epoch:>5} {:>6.3} {align:>6.3} {unif:>6.3} {aniso:>6.3} {rho:>8.3}", g.loss);

        // dW = Σᵢ dqᵢ x1ᵢᵀ + dkᵢ x2ᵢᵀ, then an SGD step.
        let mut dw = vec![0.0f32; EMBED * INPUT];
        for (grad, inputs) in [(&g.dq, &x1), (&g.dk, &x2)] {
            for (gi, xi) in grad.chunks_exact(EMBED).zip(inputs.chunks_exact(INPUT)) {
                for (row, &ge) in dw.chunks_exact_mut(INPUT).zip(gi) {
                    for (d, &xv) in row.iter_mut().zip(xi) {
                        *d += ge * xv;
                    }
                }
            }
        }
        for (wv, d) in w.iter_mut().zip(&dw) {
            *wv -= lr * d;
        }
    }
    Ok(())
}
