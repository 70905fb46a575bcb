//! Peak memory of one InfoNCE call, fused (simkern) or materialised (faer
//! logits), beyond the inputs and gradients: the high-water mark of the
//! process's resident set (`VmHWM`) after the call minus the resident set
//! (`VmRSS`) before it. Linux only.
//!
//! ```text
//! cargo run --release -p simkern-benches --bin infonce-memory -- fused|materialized forward|backward N d
//! ```

use std::hint::black_box;

/// A field of `/proc/self/status`, in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.trim().strip_suffix("kB")?.trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [how, pass, n, d] = &args[..] else {
        eprintln!("usage: infonce-memory fused|materialized forward|backward N d");
        std::process::exit(2);
    };
    let (n, d): (usize, usize) = (n.parse().expect("N"), d.parse().expect("d"));
    let (q, k) = (simkern_benches::unit_rows(n, d, 1), simkern_benches::unit_rows(n, d, 2));
    let (mut dq, mut dk) = (vec![0.0f32; n * d], vec![0.0f32; n * d]);
    let tau = 0.05;
    let before = status_kib("VmRSS:");
    let loss = match (how.as_str(), pass.as_str()) {
        ("fused", "forward") => simkern::InfoNce::new(tau).expect("τ").loss(&q, &k, d).expect("shapes"),
        ("fused", "backward") => {
            let g = simkern::InfoNce::new(tau).expect("τ").loss_and_grad(&q, &k, d).expect("shapes");
            dq.copy_from_slice(&g.dq);
            g.loss
        }
        ("materialized", "forward") => {
            simkern_benches::materialized_infonce::<simkern_benches::Faer>(&q, &k, d, tau, &mut Vec::new())
        }
        ("materialized", "backward") => simkern_benches::materialized_infonce_grad::<simkern_benches::Faer>(
            &q,
            &k,
            d,
            tau,
            &mut Vec::new(),
            &mut dq,
            &mut dk,
        ),
        _ => {
            eprintln!("usage: infonce-memory fused|materialized forward|backward N d");
            std::process::exit(2);
        }
    };
    black_box((&dq, &dk));
    let peak = status_kib("VmHWM:");
    println!(
        "{how} {pass} N={n} d={d}: loss {loss:.6}, peak extra memory {:.1} MiB (inputs + gradients: {:.1} MiB)",
        peak.saturating_sub(before) as f64 / 1024.0,
        (4 * n * d * 4) as f64 / (1024.0 * 1024.0)
    );
}
