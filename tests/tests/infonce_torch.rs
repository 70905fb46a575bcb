//! InfoNCE values and gradients cross-checked against PyTorch autograd
//! (`cross_entropy(q @ k.T / τ, pos)`, float64 from the same float32
//! inputs). The cases come from `tests/data/infonce_torch.py`, committed
//! with its output `tests/data/infonce_torch.json`.

use serde_json::Value;
use simkern::InfoNce;
use simkern_tests::levels::levels;
use simkern_tests::precision::{INFONCE_GRAD_TORCH, INFONCE_LOSS_REL};

fn f32s(v: &Value) -> Vec<f32> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

#[test]
fn agrees_with_pytorch_autograd() {
    let text = include_str!("../data/infonce_torch.json");
    let data: Value = serde_json::from_str(text).unwrap();
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 7);
    for (i, c) in cases.iter().enumerate() {
        let d = c["d"].as_u64().unwrap() as usize;
        let tau = c["tau"].as_f64().unwrap() as f32;
        let (q, k) = (f32s(&c["q"]), f32s(&c["k"]));
        let (want_dq, want_dk) = (f64s(&c["dq"]), f64s(&c["dk"]));
        let want = c["loss"].as_f64().unwrap();
        let pos: Option<Vec<usize>> =
            c["positives"].as_array().map(|p| p.iter().map(|x| x.as_u64().unwrap() as usize).collect());
        for &level in levels() {
            let l = InfoNce::new(tau)
                .unwrap()
                .normalize(c["normalize"].as_bool().unwrap())
                .symmetric(c["symmetric"].as_bool().unwrap())
                .on(level);
            let g = match &pos {
                Some(p) => l.loss_and_grad_with_positives(&q, &k, d, p).unwrap(),
                None => l.loss_and_grad(&q, &k, d).unwrap(),
            };
            // The contract: 1e-5 relative error of the loss for τ ≥ 0.01.
            let err = (f64::from(g.loss) - want).abs();
            assert!(
                err <= INFONCE_LOSS_REL * want.abs().max(1e-3),
                "case {i} {level:?}: loss {} vs torch {want}",
                g.loss
            );
            let gmax = want_dq.iter().chain(&want_dk).fold(0.0f64, |a, &b| a.max(b.abs()));
            for (name, got, exp) in [("dq", &g.dq, &want_dq), ("dk", &g.dk, &want_dk)] {
                for (j, (&a, &b)) in got.iter().zip(exp.iter()).enumerate() {
                    assert!(
                        (f64::from(a) - b).abs() <= INFONCE_GRAD_TORCH * gmax,
                        "case {i} {level:?}: {name}[{j}] {a} vs torch {b}"
                    );
                }
            }
        }
    }
}
