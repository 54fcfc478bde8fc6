//! The one renderer: a [`ChartSpec`] onto any plotters drawing area.
//!
//! Log axes are drawn as linear axes over log10 of the data with powers of ten on the ticks;
//! that keeps one code path for every combination of scales.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::ShapeStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::spec::{Align, Axis, ChartSpec, Color as SpecColor, Mark, Scale, Series, Theme};

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
fn point_color(s: &crate::spec::Series, i: usize, theme: Theme) -> RGBColor {
    rgb(theme.series(s.colors.get(i).copied().unwrap_or(s.color)))
}

/// Font sizes at scale 1, in pixels.
const TITLE_SIZE: f64 = 16.0;
const TITLE_MIN: f64 = 13.0;
const TEXT_SIZE: f64 = 13.0;
/// The axis labels' smallest size, before a y label too long for its plot is cut short.
const TEXT_MIN: f64 = 11.0;
const LABEL_SIZE: f64 = 12.0;
/// Kept free at the top right of every chart: the page lays its export buttons there.
const TITLE_RIGHT_GAP: f64 = 90.0;
const LEFT: f64 = 10.0;
const Y_LABELS: f64 = 62.0;

/// Where a drawn chart's plot sits on its drawing area, and what it spans: the page turns a
/// click on the canvas into data coordinates with it (www/charts.js).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PlotFrame {
    /// The plot's pixel rectangle on the drawing area: left, top, right, bottom.
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
    /// The data at the left and right edges, and at the bottom and top edges.
    pub x: (f64, f64),
    pub y: (f64, f64),
    /// Whether each axis is logarithmic.
    pub x_log: bool,
    pub y_log: bool,
}

/// Draws `spec` on `area` in `theme`. `scale` multiplies font sizes and line widths (device
/// pixel ratio). Returns where the plot landed.
pub fn draw<DB: DrawingBackend>(
    spec: &ChartSpec,
    area: &DrawingArea<DB, Shift>,
    scale: f64,
    theme: Theme,
) -> Result<PlotFrame, String> {
    draw_scaled(spec, area, scale, 1.0, theme)
}

/// plotters' SVG backend writes a font size of `size / 1.24`; exports scale their text by
/// this much so that an SVG shows the same text sizes as the page's canvas.
const SVG_TEXT_SCALE: f64 = 1.24;

fn draw_scaled<DB: DrawingBackend>(
    spec: &ChartSpec,
    area: &DrawingArea<DB, Shift>,
    scale: f64,
    text_scale: f64,
    theme: Theme,
) -> Result<PlotFrame, String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let px = |v: f64| (v * scale).round().max(1.0) as u32;
    let fpx = |v: f64| (v * scale * text_scale).round().max(1.0) as u32;
    let ink = |c: SpecColor| rgb(theme.series(c));
    area.fill(&rgb(theme.background())).map_err(err)?;
    let (width, height) = area.dim_in_pixel();

    // The title, left-aligned, shrunk and then wrapped to keep clear of the export buttons.
    let title_room = width
        .saturating_sub(px(LEFT + TITLE_RIGHT_GAP))
        .max(px(60.0));
    let (title_size, fits) = shrink_to_fit(
        area,
        &spec.title,
        fpx(TITLE_SIZE),
        fpx(TITLE_MIN),
        title_room,
    )
    .map_err(err)?;
    let title_lines = if fits {
        vec![spec.title.clone()]
    } else {
        let font: TextStyle = ("sans-serif", title_size).into_font().into();
        wrap(area, &spec.title, &font, title_room).map_err(err)?
    };
    let title_line = (title_size as f64 * 1.25).round() as u32;
    let title_height = if spec.title.is_empty() {
        px(4.0)
    } else {
        title_line * title_lines.len() as u32 + px(8.0)
    };
    let (title_area, body) = area.split_vertically(title_height);
    let text_color = rgb(theme.text());
    let title_font = ("sans-serif", title_size)
        .into_font()
        .color(&text_color)
        .pos(Pos::new(HPos::Left, VPos::Top));
    for (i, line) in title_lines.iter().enumerate() {
        title_area
            .draw_text(
                line,
                &title_font,
                (px(LEFT) as i32, (px(6.0) + title_line * i as u32) as i32),
            )
            .map_err(err)?;
    }

    let footer = footer_layout(spec, area, scale, text_scale).map_err(err)?;
    let body_height = height.saturating_sub(title_height);
    let (plot_area, footer_area) = body.split_vertically(body_height.saturating_sub(footer.height));
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

    let mut chart = ChartBuilder::on(&plot_area)
        .margin(px(8.0))
        .margin_top(px(4.0))
        .margin_right(px(14.0))
        .x_label_area_size(if spec.x.hidden { 0 } else { px(42.0) })
        .y_label_area_size(if spec.y.hidden { 0 } else { px(Y_LABELS) })
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    let from_plot = |axis: &Axis, v: f64| match axis.scale {
        Scale::Linear => v,
        Scale::Log => 10f64.powf(v),
    };
    let frame = PlotFrame {
        left: xs.start as f64,
        top: ys.start as f64,
        right: xs.end as f64,
        bottom: ys.end as f64,
        x: (from_plot(&spec.x, x0), from_plot(&spec.x, x1)),
        y: (from_plot(&spec.y, y0), from_plot(&spec.y, y1)),
        x_log: spec.x.scale == Scale::Log,
        y_log: spec.y.scale == Scale::Log,
    };

    let x_fmt = |v: &f64| tick_label(&spec.x, *v);
    let y_fmt = |v: &f64| tick_label(&spec.y, *v);
    if !(spec.x.hidden && spec.y.hidden) {
        let text = text_color;
        let (y_desc, desc_size) = fit_along(
            area,
            &spec.y.label,
            fpx(TEXT_SIZE),
            fpx(TEXT_MIN),
            (ys.end - ys.start).max(0) as u32,
        )
        .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(spec.x.label.as_str())
            .y_desc(y_desc.as_str())
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .label_style(("sans-serif", fpx(TEXT_SIZE)).into_font().color(&text))
            .axis_desc_style(("sans-serif", desc_size).into_font().color(&text))
            .axis_style(rgb(theme.axis()))
            .light_line_style(rgb(theme.grid_light()))
            .bold_line_style(rgb(theme.grid_bold()))
            .draw()
            .map_err(err)?;
    }

    let clip = |v: f64, lo: f64, hi: f64| v.clamp(lo, hi);
    // Outlines (rings, frames) on a picture mark its pixels, so they keep their colours in the
    // dark theme as the picture does: a ring lifted to light grey vanishes on pastel regions.
    let on_picture = spec
        .series
        .iter()
        .any(|s| matches!(s.mark, Mark::Cells { .. }) && !s.points.is_empty());
    let outline_theme = if on_picture { Theme::Light } else { theme };
    for s in &spec.series {
        let color = ink(s.color);
        let pts: Vec<Option<(f64, f64)>> = s
            .points
            .iter()
            .map(|(x, y)| Some((to_plot(&spec.x, *x)?, to_plot(&spec.y, *y)?)))
            .collect();
        match s.mark {
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
                for seg in segments.into_iter().filter(|s| s.len() > 1) {
                    if dashed {
                        chart
                            .draw_series(DashedLineSeries::new(seg, px(5.0), px(4.0), style))
                            .map_err(err)?;
                    } else {
                        chart
                            .draw_series(LineSeries::new(seg, style))
                            .map_err(err)?;
                    }
                }
            }
            Mark::Dots { radius } | Mark::Rings { radius } => {
                let filled = matches!(s.mark, Mark::Dots { .. });
                let inside: Vec<((f64, f64), RGBColor)> = pts
                    .into_iter()
                    .enumerate()
                    .filter_map(|(i, p)| {
                        let look = if filled { theme } else { outline_theme };
                        Some((p?, point_color(s, i, look)))
                    })
                    .filter(|((x, y), _)| *y >= y0 && *y <= y1 && *x >= x0 && *x <= x1)
                    .collect();
                let r = px(radius);
                chart
                    .draw_series(inside.into_iter().map(|(p, c)| {
                        let style = if filled {
                            c.filled()
                        } else {
                            ShapeStyle::from(&c).stroke_width(px(1.5))
                        };
                        Circle::new(p, r, style)
                    }))
                    .map_err(err)?;
            }
            Mark::Band { opacity } => {
                let outline: Vec<(f64, f64)> = pts
                    .into_iter()
                    .flatten()
                    .map(|(x, y)| (x, clip(y, y0, y1)))
                    .collect();
                if outline.len() >= 3 {
                    chart
                        .draw_series(std::iter::once(Polygon::new(
                            outline,
                            color.mix(opacity).filled(),
                        )))
                        .map_err(err)?;
                }
            }
            Mark::Cells { width, height } => {
                // Cells are pictures and heatmaps: their colours are data, kept as given.
                let color = |i: usize| s.colors.get(i).copied().unwrap_or(s.color);
                let cells = filled_cells(s, (width, height), color)
                    .into_iter()
                    .map(|([a, b], c)| Rectangle::new([a, b], rgb(c).filled()));
                chart.draw_series(cells).map_err(err)?;
            }
            Mark::Frames { width, height } => {
                let frames = cells(s, (width, height), |i| {
                    ShapeStyle::from(&point_color(s, i, outline_theme)).stroke_width(px(2.5))
                });
                chart.draw_series(frames).map_err(err)?;
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
                chart.draw_series(bars).map_err(err)?;
            }
        }
    }
    if spec.series.iter().all(|s| s.points.is_empty()) {
        let muted = rgb(theme.muted());
        let (w, h) = plot_area.dim_in_pixel();
        plot_area
            .draw_text(
                "waiting for data…",
                &("sans-serif", fpx(TEXT_SIZE))
                    .into_font()
                    .color(&muted)
                    .pos(Pos::new(HPos::Center, VPos::Center)),
                (w as i32 / 2, h as i32 / 2),
            )
            .map_err(err)?;
    }
    for label in &spec.annotations {
        if let (Some(x), Some(y)) = (to_plot(&spec.x, label.x), to_plot(&spec.y, label.y)) {
            let h = match label.align {
                Align::Left => HPos::Left,
                Align::Center => HPos::Center,
                Align::Right => HPos::Right,
            };
            let color = label.color.map(ink).unwrap_or(text_color);
            let font = ("sans-serif", fpx(LABEL_SIZE))
                .into_font()
                .color(&color)
                .pos(Pos::new(h, VPos::Top));
            chart
                .draw_series(std::iter::once(Text::new(label.text.clone(), (x, y), font)))
                .map_err(err)?;
        }
    }
    draw_footer(spec, &footer_area, &footer, scale, text_scale, theme).map_err(err)?;
    area.present().map_err(err)?;
    Ok(frame)
}

/// Whether `text` at font size `size` is at most `room` pixels wide.
fn fits_in<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    size: u32,
    room: u32,
) -> Result<bool, DrawingAreaErrorKind<DB::ErrorType>> {
    let font: TextStyle = ("sans-serif", size).into_font().into();
    Ok(area.estimate_text_size(text, &font)?.0 <= room)
}

/// The largest font size from `size` down to `min` at which `text` fits in `room` pixels, and
/// whether it fits there (if not, `min`).
fn shrink_to_fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    mut size: u32,
    min: u32,
    room: u32,
) -> Result<(u32, bool), DrawingAreaErrorKind<DB::ErrorType>> {
    loop {
        if fits_in(area, text, size, room)? {
            return Ok((size, true));
        }
        if size <= min {
            return Ok((size, false));
        }
        size -= 1;
    }
}

/// The y axis's label and the axis labels' font size. plotters centres the label beside the
/// plot, rotated, so one longer than the plot is tall runs into the title and the legend (a
/// short chart on a phone): it is drawn smaller, down to `min`, and then cut short with an
/// ellipsis. plotters sets one size for both axes' labels, so the x label shrinks with it.
fn fit_along<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    size: u32,
    min: u32,
    room: u32,
) -> Result<(String, u32), DrawingAreaErrorKind<DB::ErrorType>> {
    let (size, fits) = shrink_to_fit(area, text, size, min, room)?;
    if fits {
        return Ok((text.to_string(), size));
    }
    let mut chars: Vec<char> = text.chars().collect();
    while chars.pop().is_some() {
        let cut = format!("{}…", chars.iter().collect::<String>().trim_end());
        if fits_in(area, &cut, size, room)? {
            return Ok((cut, size));
        }
    }
    Ok((String::new(), size))
}

/// Breaks `text` at spaces into lines no wider than `room` pixels (a single word wider than
/// that keeps a line of its own).
fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    font: &TextStyle,
    room: u32,
) -> Result<Vec<String>, DrawingAreaErrorKind<DB::ErrorType>> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && area.estimate_text_size(&candidate, font)?.0 > room {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}

/// Where the legend entries and notes go under the plot.
struct Footer {
    /// (series index, x, row) of each legend entry.
    entries: Vec<(usize, i32, i32)>,
    rows: i32,
    /// The notes, wrapped to the chart's width.
    note_lines: Vec<String>,
    height: u32,
}

const ROW: f64 = 19.0;
const NOTE_ROW: f64 = 17.0;

/// Lays the legend out in rows under the plot, so it never covers the data, and wraps the
/// notes so that none runs out of the chart.
///
/// Drawn by hand rather than with plotters' series labels so that every text size is asked
/// of the backend (which the page answers cheaply with canvas `measureText`).
fn footer_layout<DB: DrawingBackend>(
    spec: &ChartSpec,
    area: &DrawingArea<DB, Shift>,
    scale: f64,
    text_scale: f64,
) -> Result<Footer, DrawingAreaErrorKind<DB::ErrorType>> {
    let px = |v: f64| (v * scale).round().max(1.0) as i32;
    let fpx = |v: f64| (v * scale * text_scale).round().max(1.0) as i32;
    let (width, _) = area.dim_in_pixel();
    let font: TextStyle = ("sans-serif", fpx(TEXT_SIZE) as u32).into_font().into();
    let (left, right) = (px(LEFT), width as i32 - px(8.0));
    let mut entries = Vec::new();
    let (mut x, mut row) = (left, 0);
    for (i, s) in spec.series.iter().enumerate() {
        if s.name.is_empty() || s.unlisted {
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
    let mut note_lines = Vec::new();
    for note in &spec.notes {
        note_lines.extend(wrap(area, note, &font, (right - left).max(1) as u32)?);
    }
    let height = fpx(ROW) * rows + fpx(NOTE_ROW) * note_lines.len() as i32 + px(4.0);
    Ok(Footer {
        entries,
        rows,
        note_lines,
        height: height as u32,
    })
}

fn draw_footer<DB: DrawingBackend>(
    spec: &ChartSpec,
    area: &DrawingArea<DB, Shift>,
    footer: &Footer,
    scale: f64,
    text_scale: f64,
    theme: Theme,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let px = |v: f64| (v * scale).round().max(1.0) as i32;
    let fpx = |v: f64| (v * scale * text_scale).round().max(1.0) as i32;
    let font: TextStyle = ("sans-serif", fpx(TEXT_SIZE) as u32).into_font().into();
    let swatch = px(18.0);
    let (text_color, muted) = (rgb(theme.text()), rgb(theme.muted()));
    for &(i, x, row) in &footer.entries {
        let e = &spec.series[i];
        let color = rgb(theme.series(e.color));
        let cy = fpx(ROW) * row + fpx(ROW) / 2;
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
            Mark::Frames { .. } => area.draw(&Rectangle::new(
                [(x + 2, cy - px(5.0)), (x + swatch - 2, cy + px(5.0))],
                ShapeStyle::from(&color).stroke_width(px(2.0) as u32),
            ))?,
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
            .color(&text_color)
            .pos(Pos::new(HPos::Left, VPos::Center));
        area.draw_text(&e.name, &text_style, (x + swatch + px(4.0), cy))?;
    }
    let note_font = font
        .clone()
        .color(&muted)
        .pos(Pos::new(HPos::Left, VPos::Top));
    for (i, note) in footer.note_lines.iter().enumerate() {
        let y = fpx(ROW) * footer.rows + fpx(NOTE_ROW) * i as i32 + px(1.0);
        area.draw_text(note, &note_font, (px(LEFT), y))?;
    }
    Ok(())
}

/// The chart as an SVG document of the given pixel size.
pub fn to_svg(spec: &ChartSpec, width: u32, height: u32) -> Result<String, String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        // Exported files go into papers and slides: always light.
        draw_scaled(spec, &root, 1.0, SVG_TEXT_SCALE, Theme::Light)?;
    }
    Ok(out)
}

/// The filled cells of `s` (`width` × `height`, centred on each finite point, coloured by
/// `color` of its index) as rectangles with their colour, where each run of consecutive points
/// that touch or overlap along x, in one row and one colour, is one rectangle. A heatmap's
/// rows are mostly runs of one colour, so a canvas is handed a few dozen rectangles instead of
/// thousands (each a fill colour set and a fill call): the same pixels, drawn in a fraction of
/// the time.
fn filled_cells(
    s: &Series,
    (width, height): (f64, f64),
    color: impl Fn(usize) -> SpecColor,
) -> Vec<([(f64, f64); 2], SpecColor)> {
    // A heatmap's cells may overlap a little (no seams between them); points of a grid are
    // computed, so "touching" allows for rounding.
    let touching = |step: f64| step > 0.0 && step <= width + 1e-9 * width.abs().max(1.0);
    let mut out: Vec<([(f64, f64); 2], SpecColor)> = Vec::new();
    let mut last: Option<(f64, f64)> = None;
    for (i, &(x, y)) in s.points.iter().enumerate() {
        if !(x.is_finite() && y.is_finite()) {
            last = None;
            continue;
        }
        let c = color(i);
        match (out.last_mut(), last) {
            (Some(([_, right], run)), Some((lx, ly)))
                if *run == c && ly == y && touching(x - lx) =>
            {
                right.0 = x + width / 2.0;
            }
            _ => out.push((
                [
                    (x - width / 2.0, y - height / 2.0),
                    (x + width / 2.0, y + height / 2.0),
                ],
                c,
            )),
        }
        last = Some((x, y));
    }
    out
}

/// A `width` × `height` rectangle centred on each finite point of `s`, styled by its index:
/// the cells of a picture or heatmap, or their frames.
fn cells(
    s: &Series,
    (width, height): (f64, f64),
    style: impl Fn(usize) -> ShapeStyle,
) -> Vec<Rectangle<(f64, f64)>> {
    s.points
        .iter()
        .enumerate()
        .filter(|(_, (x, y))| x.is_finite() && y.is_finite())
        .map(|(i, &(x, y))| {
            Rectangle::new(
                [
                    (x - width / 2.0, y - height / 2.0),
                    (x + width / 2.0, y + height / 2.0),
                ],
                style(i),
            )
        })
        .collect()
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
    fn the_plot_frame_says_where_the_plot_is_and_what_it_spans() {
        let mut s = spec(
            vec![Series::dots(
                "p",
                SpecColor(0, 0, 0),
                vec![(-3.0, 2.0), (3.0, 500.0)],
            )],
            Axis::linear("x").with_range(-3.0, 3.0),
        );
        s.y = Axis::log("y").with_range(1.0, 1000.0);
        let mut out = String::new();
        let frame = {
            let root = SVGBackend::with_string(&mut out, (400, 300)).into_drawing_area();
            draw(&s, &root, 1.0, Theme::Light).unwrap()
        };
        // Inside the area, clear of the title, the axis labels and the legend.
        assert!(frame.left > 40.0 && frame.right < 400.0 && frame.right - frame.left > 250.0);
        assert!(frame.top > 20.0 && frame.bottom < 280.0 && frame.bottom - frame.top > 150.0);
        assert_eq!((frame.x, frame.y), ((-3.0, 3.0), (1.0, 1000.0)));
        assert!(!frame.x_log && frame.y_log);
    }

    #[test]
    fn an_empty_chart_says_it_waits_for_data() {
        let s = spec(vec![], Axis::linear("x"));
        assert!(to_svg(&s, 300, 200).unwrap().contains("waiting for data"));
    }

    fn svg(spec: &ChartSpec, width: u32, height: u32, theme: Theme) -> String {
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
            draw(spec, &root, 1.0, theme).unwrap();
        }
        out
    }

    #[test]
    fn dark_theme_paints_a_dark_background_and_svg_export_stays_light() {
        let s = spec(
            vec![Series::line(
                "a",
                palette::BLACK,
                vec![(1.0, 1.0), (2.0, 2.0)],
            )],
            Axis::linear("x"),
        );
        let dark = svg(&s, 380, 274, Theme::Dark);
        assert!(dark.contains("#181A1E"), "dark background");
        assert!(
            !dark.contains("#141414"),
            "black lines are lightened on dark"
        );
        let light = to_svg(&s, 380, 274).unwrap();
        assert!(light.contains("#FFFFFF") && light.contains("#141414"));
    }

    #[test]
    fn rings_on_a_picture_keep_their_colour_in_the_dark_theme() {
        let ring = Series {
            name: "flipped".into(),
            color: palette::BLACK,
            mark: Mark::Rings { radius: 5.0 },
            points: vec![(0.5, 0.5)],
            colors: Vec::new(),
            unlisted: false,
        };
        let picture = Series::colored(
            "",
            Mark::Cells {
                width: 1.0,
                height: 1.0,
            },
            vec![(0.5, 0.5)],
            vec![SpecColor(240, 220, 200)],
        );
        let alone = spec(vec![ring.clone()], Axis::linear("x"));
        assert!(!svg(&alone, 380, 274, Theme::Dark).contains("#141414"));
        let marked = spec(vec![picture, ring], Axis::linear("x"));
        assert!(svg(&marked, 380, 274, Theme::Dark).contains("#141414"));
    }

    #[test]
    fn a_heatmap_row_of_one_colour_is_drawn_as_one_rectangle() {
        let (a, b) = (SpecColor(240, 220, 200), SpecColor(200, 220, 240));
        // Two rows of a grid at x = 0.1, 0.3, 0.5, 0.7 (computed, as a grid's are), then two
        // cells that do not touch, and a NaN between two that would.
        let xs = |i: usize| -0.1 + 0.2 * (i as f64 + 1.0);
        let mut points: Vec<(f64, f64)> = (0..8).map(|k| (xs(k % 4), (k / 4) as f64)).collect();
        points.extend([
            (0.1, 5.0),
            (0.5, 5.0),
            (0.1, 6.0),
            (f64::NAN, 6.0),
            (0.3, 6.0),
        ]);
        let colors = [a, a, b, b, b, b, b, a, a, a, a, a, a];
        let series = Series::colored(
            "",
            Mark::Cells {
                width: 0.2,
                height: 1.0,
            },
            points,
            colors.to_vec(),
        );
        let rects = filled_cells(&series, (0.2, 1.0), |i| colors[i]);
        let shapes: Vec<(f64, f64, f64, SpecColor)> = rects
            .iter()
            .map(|([l, r], c)| (l.0, r.0, l.1 + 0.5, *c))
            .collect();
        let close = |x: f64, y: f64| (x - y).abs() < 1e-12;
        let expected = [
            (0.0, 0.4, 0.0, a),
            (0.4, 0.8, 0.0, b),
            (0.0, 0.6, 1.0, b),
            (0.6, 0.8, 1.0, a),
            (0.0, 0.2, 5.0, a),
            (0.4, 0.6, 5.0, a),
            (0.0, 0.2, 6.0, a),
            (0.2, 0.4, 6.0, a),
        ];
        assert_eq!(shapes.len(), expected.len(), "{shapes:?}");
        for (got, want) in shapes.iter().zip(expected) {
            assert!(
                close(got.0, want.0) && close(got.1, want.1) && got.2 == want.2 && got.3 == want.3,
                "{shapes:?}"
            );
        }
        // Cells a little wider than the grid's step (a heatmap without seams) merge as well.
        assert_eq!(filled_cells(&series, (0.204, 1.0), |i| colors[i]).len(), 8);
        // Every cell still covers its pixels: the SVG fills both colours.
        let out = svg(
            &spec(vec![series], Axis::linear("x")),
            380,
            274,
            Theme::Light,
        );
        assert!(out.contains("#F0DCC8") && out.contains("#C8DCF0"), "{out}");
    }

    #[test]
    fn long_notes_and_titles_wrap_instead_of_running_out_of_the_chart() {
        let mut s = spec(vec![], Axis::linear("x"));
        s.title = "A rather long chart title that cannot fit beside the export buttons".into();
        s.notes = vec![
            "slow alignment > 0.5: GD 2/8 (mean step 400), SAM 2/8 (mean step 410), USEFUL 6/8 \
             (mean step 200)"
                .into(),
        ];
        let out = svg(&s, 380, 274, Theme::Light);
        let texts = out.matches("<text").count();
        // Title on two lines, the note on at least two, plus the placeholder.
        assert!(texts >= 5, "{texts} text elements:\n{out}");
        assert!(out.contains("A rather long chart"), "{out}");
    }

    #[test]
    fn a_y_label_longer_than_the_plot_is_tall_is_drawn_smaller_then_cut_short() {
        let mut s = spec(vec![], Axis::linear("x"));
        s.y = Axis::linear("accuracy without the fast feature, averaged over every seed");
        // The rotated text element's content: the y label.
        let y_label = |out: &str| {
            let start = out.find("rotate(270").expect("a rotated y label");
            let text = &out[start..];
            let text = &text[text.find('>').unwrap() + 1..];
            text[..text.find('<').unwrap()].trim().to_string()
        };
        let short = y_label(&svg(&s, 380, 200, Theme::Light));
        assert!(
            short.starts_with("accuracy without") && short.ends_with('…'),
            "{short}"
        );
        // With room for it, the label is drawn whole.
        let tall = y_label(&svg(&s, 380, 700, Theme::Light));
        assert_eq!(tall, s.y.label);
    }

    #[test]
    fn log_ticks_read_as_plain_numbers() {
        let axis = Axis::log("t");
        assert_eq!(tick_label(&axis, 2.0), "100");
        assert_eq!(tick_label(&axis, 0.0), "1");
        assert_eq!(tick_label(&axis, 6.0), "1e6");
    }
}
