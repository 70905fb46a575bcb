//! The vector `exp` against `f64` `exp` over **every** `f32` input, at every
//! level this CPU supports: at most 2 ulp of error, exact 0 / ∞ / NaN where
//! IEEE says so. On x86_64 every one of the 2³² inputs is checked (a few
//! seconds in release mode); elsewhere (qemu, WASI) a stride of 997 keeps
//! the run short.

use simkern::Kernels;
use simkern_tests::levels::levels;
use simkern_tests::precision::EXP_F32_ULPS;

/// `f32::MAX` plus half an ulp, `2¹²⁸ − 2¹⁰³`: exact values from here up round to `+∞`.
const OVERFLOW: f64 = 3.402_823_567_797_336_6e38;

/// What `exp(x)` must give.
#[derive(Clone, Copy)]
enum Expect {
    Nan,
    Exactly(f32),
    /// Within 2 ulp of this exact value.
    Near(f64),
}

/// Error of `y` in units of the last place of the exact value `r`.
fn ulps(y: f32, r: f64) -> f64 {
    let e = ((r.abs().to_bits() >> 52) & 0x7ff) as i32 - 1023;
    let ulp = f64::from_bits((((e - 23).max(-149) + 1023) as u64) << 52);
    (f64::from(y) - r).abs() / ulp
}

/// Checks `exp` at every level in `levels` for the inputs with bit patterns
/// `start, start + stride, …` below `end`; returns the largest error seen
/// per level, in ulps. The reference is computed once per input.
fn check_range(levels: &[Kernels], start: u64, end: u64, stride: u64) -> Vec<f64> {
    const CHUNK: usize = 1 << 16;
    let mut x = Vec::with_capacity(CHUNK);
    let mut ys = vec![vec![0.0f32; CHUNK]; levels.len()];
    // A local array (not the Vec returned) so the maxima stay in registers.
    let mut worst = [0.0f64; simkern::Level::ALL.len()];
    let mut bits = start;
    while bits < end {
        x.clear();
        while x.len() < CHUNK && bits < end {
            x.push(f32::from_bits(bits as u32));
            bits += stride;
        }
        for (&level, y) in levels.iter().zip(&mut ys) {
            level.exp_into(&x, &mut y[..x.len()]).unwrap();
        }
        for (i, &xi) in x.iter().enumerate() {
            // The exact answer's class; the reference exp only where needed.
            let expect = if xi.is_nan() {
                Expect::Nan
            } else if xi < -103.98 {
                // e^x < 2⁻¹⁵⁰ (half the smallest subnormal): rounds to 0.
                Expect::Exactly(0.0)
            } else if xi > 88.8 {
                Expect::Exactly(f32::INFINITY)
            } else if xi.abs() < 5.960_464_5e-8 {
                // |x| < 2⁻²⁴: e^x is within 2⁻²⁴ of 1, so within 2 ulp of 1.
                Expect::Near(1.0)
            } else {
                let r = f64::from(xi).exp();
                if r >= OVERFLOW { Expect::Exactly(f32::INFINITY) } else { Expect::Near(r) }
            };
            for ((level, y), w) in levels.iter().zip(&ys).zip(&mut worst) {
                let y = y[i];
                match expect {
                    Expect::Nan => assert!(y.is_nan(), "{level:?}: exp(NaN) = {y}"),
                    Expect::Exactly(v) => assert_eq!(y, v, "{level:?}: exp({xi:e})"),
                    Expect::Near(r) => {
                        let e = ulps(y, r);
                        assert!(e <= EXP_F32_ULPS, "{level:?}: exp({xi:e}) = {y:e}, {e:.3} ulp");
                        *w = w.max(e);
                    }
                }
            }
        }
    }
    worst[..levels.len()].to_vec()
}

#[test]
fn exp_is_within_two_ulp_everywhere() {
    let stride = if cfg!(target_arch = "x86_64") { 1 } else { 997 };
    let end = 1u64 << 32;
    let levels = levels();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let per = end / threads;
    // WASI has no threads: check inline there.
    let worst = if threads == 1 {
        check_range(levels, 0, end, stride)
    } else {
        std::thread::scope(|sc| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    // Start each thread on the stride's lattice.
                    let lo = (t * per).div_ceil(stride) * stride;
                    let hi = if t + 1 == threads { end } else { (t + 1) * per };
                    sc.spawn(move || check_range(levels, lo, hi, stride))
                })
                .collect();
            let mut worst = vec![0.0f64; levels.len()];
            for h in handles {
                for (w, e) in worst.iter_mut().zip(h.join().unwrap()) {
                    *w = w.max(e);
                }
            }
            worst
        })
    };
    for (level, w) in levels.iter().zip(worst) {
        eprintln!("exp at {level:?}: max error {w:.3} ulp over every {stride}th f32");
    }
}
