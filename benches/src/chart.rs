//! The SVG chart of the report: one horizontal bar per comparison, the
//! speed-up on a log axis, a line at 1× (parity).

use plotters::prelude::*;

/// One bar: its label, the speed-up (baseline time / simkern time), and
/// whether the baseline is only a yardstick (another simkern kernel, drawn
/// grey: not a contest).
pub struct Bar {
    pub label: String,
    pub speedup: f64,
    pub yardstick: bool,
}

/// Draws `bars` as an SVG file at `path`.
pub fn speedups_svg(
    path: &std::path::Path,
    title: &str,
    bars: &[Bar],
) -> Result<(), Box<dyn std::error::Error>> {
    if bars.is_empty() {
        return Ok(());
    }
    let height = 90 + 24 * bars.len() as u32;
    let root = SVGBackend::new(path, (1280, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let ratios = bars.iter().map(|b| b.speedup).filter(|r| r.is_finite() && *r > 0.0);
    let lo = ratios.clone().fold(0.5f64, f64::min) / 1.5;
    let hi = ratios.fold(2.0f64, f64::max) * 1.5;
    let n = bars.len();
    let label = |i: usize| bars.get(n.wrapping_sub(i + 1)).map_or(String::new(), |b| b.label.clone());
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(640)
        .build_cartesian_2d((lo..hi).log_scale(), (0..n - 1).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .label_style(("sans-serif", 13))
        // The first bar at the top: segment i holds bar n − 1 − i.
        .y_label_formatter(&|y| match y {
            SegmentValue::CenterOf(i) => label(*i),
            _ => String::new(),
        })
        .x_desc("speed-up over the baseline (log scale; > 1 is faster)")
        .x_label_formatter(&|x| format!("{x:.2}×"))
        .draw()?;
    chart.draw_series(bars.iter().enumerate().map(|(i, b)| {
        let segment = n - 1 - i;
        let colour = match (b.yardstick, b.speedup >= 1.0) {
            (true, _) => BLACK.mix(0.3),
            (false, true) => GREEN.mix(0.7),
            (false, false) => RED.mix(0.7),
        };
        let end = if b.speedup.is_finite() && b.speedup > 0.0 { b.speedup.clamp(lo, hi) } else { lo };
        let mut bar = Rectangle::new(
            [(lo, SegmentValue::Exact(segment)), (end, SegmentValue::Exact(segment + 1))],
            colour.filled(),
        );
        bar.set_margin(3, 3, 0, 0);
        bar
    }))?;
    let parity = [(1.0, SegmentValue::Exact(0)), (1.0, SegmentValue::Last)];
    chart.draw_series(std::iter::once(PathElement::new(parity.to_vec(), BLACK.stroke_width(1))))?;
    root.present()?;
    Ok(())
}
