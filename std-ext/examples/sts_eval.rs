//! STS-style evaluation: reads `gold, a₀…a_{d−1}, b₀…b_{d−1}` rows from a
//! CSV (lines starting with `#` are comments), scores each pair by the
//! cosine of its embeddings and prints Pearson, Spearman and Kendall τ-b
//! against the gold scores (integer scores tie a lot: the rank
//! correlations handle ties exactly).
//!
//! ```text
//! cargo run --release -p simkern --example sts_eval [file.csv]
//! ```
//! Without an argument it reads the shipped sample
//! `std-ext/examples/data/sts_sample.csv` (40 synthetic pairs, 8-dim).

use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/sts_sample.csv").to_string());
    let text = std::fs::read_to_string(&path)?;
    let (mut gold, mut predicted) = (Vec::new(), Vec::new());
    for (no, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#')) {
        let values: Vec<f32> = line.split(',').map(|v| v.trim().parse()).collect::<Result<_, _>>()?;
        let d = (values.len() - 1) / 2;
        if values.len() != 1 + 2 * d || d == 0 {
            return Err(format!("line {}: expected gold and two embeddings of equal length", no + 1).into());
        }
        gold.push(values[0]);
        predicted.push(simkern::cosine(&values[1..1 + d], &values[1 + d..])?);
    }
    println!("{} pairs from {path}", gold.len());
    println!("pearson      {:.4}", simkern::pearson(&predicted, &gold)?);
    println!("spearman     {:.4}", simkern::spearman(&predicted, &gold)?);
    println!("kendall tau-b {:.4}", simkern::kendall_tau_b(&predicted, &gold)?);
    let distinct = {
        let mut g = gold.clone();
        g.sort_by(f32::total_cmp);
        g.dedup();
        g.len()
    };
    println!("({distinct} distinct gold scores: ties handled by average ranks and τ-b)");
    Ok(())
}
