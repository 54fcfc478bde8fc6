//! The one renderer: a [`ChartSpec`] onto any plotters drawing area.
//!
//! Log axes are drawn as linear axes over log10 of the data with powers of ten on the ticks;
//! that keeps one code path for every combination of scales.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::ShapeStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::spec::{Axis, ChartSpec, Color as SpecColor, Mark, Scale};

fn rgb(c: SpecColor) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// Maps a data value to plot coordinates (log10 on log axes); `None` if not drawable.
fn to_plot(axis: &Axis, v: f64) -> Option<f64> {
    if !v.is_finite() {
        return None;
    }
    match axis.scale {
        Scale::Linear => Some(v),
        Scale::Log if v > 0.0 => Some(v.log10()),
        Scale::Log => None,
    }
}

/// The range to draw: the fixed one, or the data's, padded and never empty.
fn plot_range(axis: &Axis, values: impl Iterator<Item = f64>, include_zero: bool) -> (f64, f64) {
    if let Some((lo, hi)) = axis.range
        && let (Some(a), Some(b)) = (to_plot(axis, lo), to_plot(axis, hi))
        && b > a
    {
        return (a, b);
    }
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for v in values.filter_map(|v| to_plot(axis, v)) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if include_zero && axis.scale == Scale::Linear {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        let pad = if lo.abs() > 1e-12 {
            lo.abs() * 0.1
        } else {
            1.0
        };
        return (lo - pad, hi + pad);
    }
    let pad = (hi - lo) * 0.05;
    (lo - pad, hi + pad)
}

fn tick_label(axis: &Axis, v: f64) -> String {
    let value = match axis.scale {
        Scale::Linear => v,
        // Two significant digits: 3.2, 32, 320 between the powers of ten.
        Scale::Log => {
            let raw = 10f64.powf(v);
            let digits = raw.abs().log10().floor() as i32 - 1;
            let unit = 10f64.powi(digits);
            (raw / unit).round() * unit
        }
    };
    let a = value.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e5).contains(&a) {
        format!("{value:.0e}")
    } else if a >= 100.0 {
        format!("{value:.0}")
    } else {
        let s = format!("{value:.3}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    }
}

/// The colour of point `i`: its own where the series gives one per point.
fn point_color(s: &crate::spec::Series, i: usize) -> RGBColor {
    rgb(s.colors.get(i).copied().unwrap_or(s.color))
}

/// Draws `spec` on `area`. `scale` multiplies font sizes and line widths (device pixel ratio).
pub fn draw<DB: DrawingBackend>(
    spec: &ChartSpec,
    area: &DrawingArea<DB, Shift>,
    scale: f64,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let px = |v: f64| (v * scale).round().max(1.0) as u32;
    area.fill(&WHITE).map_err(err)?;
    let footer = footer_layout(spec, area, scale).map_err(err)?;
    let (_, height) = area.dim_in_pixel();
    let (plot_area, footer_area) = area.split_vertically(height.saturating_sub(footer.height));
    let has_bars = spec
        .series
        .iter()
        .any(|s| matches!(s.mark, Mark::Bars { .. }));
    let xs = spec.series.iter().flat_map(|s| {
        let half = match s.mark {
            Mark::Bars { width } => width / 2.0,
            _ => 0.0,
        };
        s.points
            .iter()
            .flat_map(move |(x, _)| [*x - half, *x + half])
    });
    let ys = spec
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1));
    let (x0, x1) = plot_range(&spec.x, xs, spec.x.zero);
    let (y0, y1) = plot_range(&spec.y, ys, has_bars || spec.y.zero);

    // Shrink a long title to fit a narrow chart, down to 10 px (at scale 1).
    let (width, _) = area.dim_in_pixel();
    let mut title_size = px(15.0);
    while title_size > px(10.0) {
        let font: TextStyle = ("sans-serif", title_size).into_font().into();
        if area.estimate_text_size(&spec.title, &font).map_err(err)?.0 + px(16.0) <= width {
            break;
        }
        title_size -= 1;
    }
    let mut chart = ChartBuilder::on(&plot_area)
        .caption(&spec.title, ("sans-serif", title_size).into_font())
        .margin(px(8.0))
        .x_label_area_size(if spec.x.hidden { 0 } else { px(36.0) })
        .y_label_area_size(if spec.y.hidden { 0 } else { px(52.0) })
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;

    let x_fmt = |v: &f64| tick_label(&spec.x, *v);
    let y_fmt = |v: &f64| tick_label(&spec.y, *v);
    if !(spec.x.hidden && spec.y.hidden) {
        chart
            .configure_mesh()
            .x_desc(spec.x.label.as_str())
            .y_desc(spec.y.label.as_str())
            .x_labels(7)
            .y_labels(6)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .label_style(("sans-serif", px(11.0)))
            .axis_desc_style(("sans-serif", px(12.0)))
            .light_line_style(RGBColor(238, 238, 238))
            .bold_line_style(RGBColor(215, 215, 215))
            .draw()
            .map_err(err)?;
    }

    let clip = |v: f64, lo: f64, hi: f64| v.clamp(lo, hi);
    for s in &spec.series {
        let color = rgb(s.color);
        let pts: Vec<Option<(f64, f64)>> = s
            .points
            .iter()
            .map(|(x, y)| Some((to_plot(&spec.x, *x)?, to_plot(&spec.y, *y)?)))
            .collect();
        let anno = match s.mark {
            Mark::Line { width, dashed } => {
                let style = ShapeStyle::from(&color).stroke_width(px(width));
                // Split at undrawable points so a NaN never joins two segments; a line that
                // leaves the y range runs to the edge and resumes where it comes back.
                let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
                let mut outside: Option<(f64, f64)> = None;
                for p in pts {
                    let current = segments.last_mut().expect("segments is never empty");
                    match p {
                        Some((x, y)) if y >= y0 && y <= y1 => {
                            if let Some((ox, oy)) = outside.take() {
                                current.push((ox, clip(oy, y0, y1)));
                            }
                            current.push((x, y));
                        }
                        Some((x, y)) => {
                            if outside.is_none() && !current.is_empty() {
                                current.push((x, clip(y, y0, y1)));
                            }
                            segments.push(Vec::new());
                            outside = Some((x, y));
                        }
                        None => {
                            segments.push(Vec::new());
                            outside = None;
                        }
                    }
                }
                let mut anno = None;
                for seg in segments.into_iter().filter(|s| s.len() > 1) {
                    let a = if dashed {
                        chart
                            .draw_series(DashedLineSeries::new(seg, px(5.0), px(4.0), style))
                            .map_err(err)?
                    } else {
                        chart
                            .draw_series(LineSeries::new(seg, style))
                            .map_err(err)?
                    };
                    anno = Some(a);
                }
                anno
            }
            Mark::Dots { radius } | Mark::Rings { radius } => {
                let filled = matches!(s.mark, Mark::Dots { .. });
                let inside: Vec<((f64, f64), RGBColor)> = pts
                    .into_iter()
                    .enumerate()
                    .filter_map(|(i, p)| Some((p?, point_color(s, i))))
                    .filter(|((x, y), _)| *y >= y0 && *y <= y1 && *x >= x0 && *x <= x1)
                    .collect();
                let r = px(radius);
                Some(
                    chart
                        .draw_series(inside.into_iter().map(|(p, c)| {
                            let style = if filled {
                                c.filled()
                            } else {
                                ShapeStyle::from(&c).stroke_width(px(1.5))
                            };
                            Circle::new(p, r, style)
                        }))
                        .map_err(err)?,
                )
            }
            Mark::Band { opacity } => {
                let outline: Vec<(f64, f64)> = pts
                    .into_iter()
                    .flatten()
                    .map(|(x, y)| (x, clip(y, y0, y1)))
                    .collect();
                if outline.len() < 3 {
                    None
                } else {
                    Some(
                        chart
                            .draw_series(std::iter::once(Polygon::new(
                                outline,
                                color.mix(opacity).filled(),
                            )))
                            .map_err(err)?,
                    )
                }
            }
            Mark::Cells { width, height } => {
                let cells: Vec<Rectangle<(f64, f64)>> = s
                    .points
                    .iter()
                    .enumerate()
                    .filter(|(_, (x, y))| x.is_finite() && y.is_finite())
                    .map(|(i, (x, y))| {
                        Rectangle::new(
                            [
                                (x - width / 2.0, y - height / 2.0),
                                (x + width / 2.0, y + height / 2.0),
                            ],
                            point_color(s, i).filled(),
                        )
                    })
                    .collect();
                Some(chart.draw_series(cells).map_err(err)?)
            }
            Mark::Bars { width } => {
                let bars: Vec<Rectangle<(f64, f64)>> = s
                    .points
                    .iter()
                    .filter(|(x, y)| x.is_finite() && y.is_finite())
                    .map(|(x, y)| {
                        Rectangle::new(
                            [
                                (x - width / 2.0, 0f64.max(y0)),
                                (x + width / 2.0, clip(*y, y0, y1)),
                            ],
                            color.mix(0.55).filled(),
                        )
                    })
                    .collect();
                Some(chart.draw_series(bars).map_err(err)?)
            }
        };
        let _ = anno;
    }
    if spec.series.iter().all(|s| s.points.is_empty()) {
        let (w, h) = area.dim_in_pixel();
        area.draw_text(
            "waiting for data…",
            &("sans-serif", px(13.0))
                .into_font()
                .color(&RGBColor(120, 120, 120)),
            (w as i32 / 2 - px(50.0) as i32, h as i32 / 2),
        )
        .map_err(err)?;
    }
    let label_font = ("sans-serif", px(10.0))
        .into_font()
        .color(&RGBColor(30, 30, 30))
        .pos(Pos::new(HPos::Center, VPos::Top));
    for (x, y, text) in &spec.annotations {
        if let (Some(x), Some(y)) = (to_plot(&spec.x, *x), to_plot(&spec.y, *y)) {
            let at = chart.backend_coord(&(x, y));
            plot_area.draw_text(text, &label_font, at).map_err(err)?;
        }
    }
    draw_footer(spec, &footer_area, &footer, scale).map_err(err)?;
    area.present().map_err(err)?;
    Ok(())
}

/// Where the legend entries and notes go under the plot.
struct Footer {
    /// (series index, x, row) of each legend entry.
    entries: Vec<(usize, i32, i32)>,
    rows: i32,
    height: u32,
}

const ROW: f64 = 15.0;
const NOTE_ROW: f64 = 14.0;

/// Lays the legend out in rows under the plot, so it never covers the data.
///
/// Drawn by hand rather than with plotters' series labels so that every text size is asked
/// of the backend (which the page answers cheaply with canvas `measureText`).
fn footer_layout<DB: DrawingBackend>(
    spec: &ChartSpec,
    area: &DrawingArea<DB, Shift>,
    scale: f64,
) -> Result<Footer, DrawingAreaErrorKind<DB::ErrorType>> {
    let px = |v: f64| (v * scale).round().max(1.0) as i32;
    let (width, _) = area.dim_in_pixel();
    let font: TextStyle = ("sans-serif", px(11.0) as u32).into_font().into();
    let (left, right) = (px(52.0), width as i32 - px(8.0));
    let mut entries = Vec::new();
    let (mut x, mut row) = (left, 0);
    for (i, s) in spec.series.iter().enumerate() {
        if s.name.is_empty() {
            continue;
        }
        let w = px(22.0) + area.estimate_text_size(&s.name, &font)?.0 as i32 + px(14.0);
        if x + w > right && x > left {
            row += 1;
            x = left;
        }
        entries.push((i, x, row));
        x += w;
    }
    let rows = if entries.is_empty() { 0 } else { row + 1 };
    let height = px(ROW) * rows + px(NOTE_ROW) * spec.notes.len() as i32 + px(4.0);
    Ok(Footer {
        entries,
        rows,
        height: height as u32,
    })
}

fn draw_footer<DB: DrawingBackend>(
    spec: &ChartSpec,
    area: &DrawingArea<DB, Shift>,
    footer: &Footer,
    scale: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let px = |v: f64| (v * scale).round().max(1.0) as i32;
    let font: TextStyle = ("sans-serif", px(11.0) as u32).into_font().into();
    let swatch = px(18.0);
    for &(i, x, row) in &footer.entries {
        let e = &spec.series[i];
        let color = rgb(e.color);
        let cy = px(ROW) * row + px(ROW) / 2;
        match e.mark {
            Mark::Dots { .. } => area.draw(&Circle::new(
                (x + swatch / 2, cy),
                px(3.5) as u32,
                color.filled(),
            ))?,
            Mark::Bars { .. } | Mark::Cells { .. } | Mark::Band { .. } => {
                area.draw(&Rectangle::new(
                    [(x + 2, cy - px(4.0)), (x + swatch - 2, cy + px(4.0))],
                    color.mix(0.55).filled(),
                ))?
            }
            Mark::Rings { .. } => area.draw(&Circle::new(
                (x + swatch / 2, cy),
                px(3.5) as u32,
                ShapeStyle::from(&color).stroke_width(px(1.5) as u32),
            ))?,
            Mark::Line { width, dashed } => {
                let style = ShapeStyle::from(&color).stroke_width(px(width.min(3.0)) as u32);
                if dashed {
                    let dash = swatch / 3;
                    area.draw(&PathElement::new(vec![(x, cy), (x + dash, cy)], style))?;
                    area.draw(&PathElement::new(
                        vec![(x + 2 * dash, cy), (x + swatch, cy)],
                        style,
                    ))?;
                } else {
                    area.draw(&PathElement::new(vec![(x, cy), (x + swatch, cy)], style))?;
                }
            }
        }
        let text_style = font
            .clone()
            .color(&RGBColor(40, 40, 40))
            .pos(Pos::new(HPos::Left, VPos::Center));
        area.draw_text(&e.name, &text_style, (x + swatch + px(4.0), cy))?;
    }
    let note_font = font
        .clone()
        .color(&RGBColor(70, 70, 70))
        .pos(Pos::new(HPos::Left, VPos::Top));
    for (i, note) in spec.notes.iter().enumerate() {
        let y = px(ROW) * footer.rows + px(NOTE_ROW) * i as i32 + px(1.0);
        area.draw_text(note, &note_font, (px(52.0), y))?;
    }
    Ok(())
}

/// The chart as an SVG document of the given pixel size.
pub fn to_svg(spec: &ChartSpec, width: u32, height: u32) -> Result<String, String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        draw(spec, &root, 1.0)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Series, palette};

    fn spec(series: Vec<Series>, x: Axis) -> ChartSpec {
        ChartSpec {
            id: "t".into(),
            annotations: Vec::new(),
            title: "Errors".into(),
            caption: String::new(),
            x,
            y: Axis::linear("error"),
            series,
            notes: vec!["fit R² = 0.9".into()],
        }
    }

    #[test]
    fn svg_contains_title_legend_and_notes() {
        let s = spec(
            vec![Series::line(
                "theory",
                palette::BLACK,
                vec![(1.0, 0.5), (10.0, 0.3), (100.0, 0.2)],
            )],
            Axis::log("step"),
        );
        let svg = to_svg(&s, 400, 300).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("Errors") && svg.contains("theory") && svg.contains("fit R"));
    }

    #[test]
    fn nan_and_nonpositive_points_on_log_axes_do_not_break_drawing() {
        let s = spec(
            vec![
                Series::line(
                    "a",
                    palette::BLUE,
                    vec![
                        (0.0, 1.0),
                        (1.0, f64::NAN),
                        (2.0, 1.0),
                        (3.0, f64::INFINITY),
                    ],
                ),
                Series::dots("b", palette::ORANGE, vec![(-1.0, 2.0), (5.0, 3.0)]),
                Series::bars("c", palette::SKY, 0.5, vec![(1.0, 2.0)]),
            ],
            Axis::log("step"),
        );
        assert!(to_svg(&s, 300, 200).is_ok());
    }

    #[test]
    fn an_empty_chart_says_it_waits_for_data() {
        let s = spec(vec![], Axis::linear("x"));
        assert!(to_svg(&s, 300, 200).unwrap().contains("waiting for data"));
    }

    #[test]
    fn log_ticks_read_as_plain_numbers() {
        let axis = Axis::log("t");
        assert_eq!(tick_label(&axis, 2.0), "100");
        assert_eq!(tick_label(&axis, 0.0), "1");
        assert_eq!(tick_label(&axis, 6.0), "1e6");
    }
}
