//! The chart description: serializable, backend-free.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Color(pub u8, pub u8, pub u8);

/// A colour-blind-safe palette (Okabe–Ito), so runs keep their colour across charts.
pub mod palette {
    use super::Color;
    pub const BLACK: Color = Color(20, 20, 20);
    pub const ORANGE: Color = Color(230, 159, 0);
    pub const SKY: Color = Color(86, 180, 233);
    pub const GREEN: Color = Color(0, 158, 115);
    pub const YELLOW: Color = Color(240, 228, 66);
    pub const BLUE: Color = Color(0, 114, 178);
    pub const VERMILLION: Color = Color(213, 94, 0);
    pub const PURPLE: Color = Color(204, 121, 167);
    pub const GREY: Color = Color(140, 140, 140);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Scale {
    #[default]
    Linear,
    /// Base-10 logarithmic; non-positive values are left out.
    Log,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Axis {
    pub label: String,
    pub scale: Scale,
    /// Fixed range; `None` fits the data.
    pub range: Option<(f64, f64)>,
    /// When fitting the data, extend the range to include zero (linear axes).
    #[serde(default)]
    pub zero: bool,
    /// No ticks, labels or grid (pictures drawn in data coordinates, like pixel images).
    #[serde(default)]
    pub hidden: bool,
}

impl Axis {
    pub fn linear(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            scale: Scale::Linear,
            range: None,
            zero: false,
            hidden: false,
        }
    }
    pub fn log(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            scale: Scale::Log,
            range: None,
            zero: false,
            hidden: false,
        }
    }
    /// An axis drawn without ticks, labels or grid, over a fixed range.
    pub fn hidden(lo: f64, hi: f64) -> Self {
        Self {
            hidden: true,
            ..Self::linear("").with_range(lo, hi)
        }
    }
    pub fn from_zero(mut self) -> Self {
        self.zero = true;
        self
    }
    pub fn with_range(mut self, lo: f64, hi: f64) -> Self {
        self.range = Some((lo, hi));
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Mark {
    /// A polyline; non-finite points break it.
    Line { width: f64, dashed: bool },
    /// Filled circles of the given radius (pixels at scale 1).
    Dots { radius: f64 },
    /// Bars from y = 0, each `width` wide in x units, centred on x.
    Bars { width: f64 },
    /// Filled rectangles `width` × `height` (x and y units) centred on each point: heatmaps
    /// and pixel images, coloured per point.
    Cells { width: f64, height: f64 },
    /// Circle outlines of the given radius (pixels at scale 1), to ring marked points.
    Rings { radius: f64 },
    /// A shaded band: the points run along the upper edge, then back along the lower one.
    Band { opacity: f64 },
    /// Rectangle outlines `width` × `height` (x and y units) centred on each point, to frame
    /// marked cells (a wrong prediction's picture).
    Frames { width: f64, height: f64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub name: String,
    pub color: Color,
    pub mark: Mark,
    /// Undrawable points (NaN, ±∞) are kept: a line breaks at them. JSON writes them as
    /// `null`, which reads back as NaN.
    #[serde(deserialize_with = "points_or_null")]
    pub points: Vec<(f64, f64)>,
    /// One colour per point (heatmaps, class-coloured scatters); empty: all in `color`.
    #[serde(default)]
    pub colors: Vec<Color>,
    /// Left out of the legend (a companion line that the legend would only repeat, like the
    /// dashed twin of a run whose meaning a note gives); still named for text summaries.
    #[serde(default)]
    pub unlisted: bool,
}

impl Series {
    pub fn line(name: impl Into<String>, color: Color, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.into(),
            color,
            mark: Mark::Line {
                width: 2.0,
                dashed: false,
            },
            points,
            colors: Vec::new(),
            unlisted: false,
        }
    }
    pub fn dashed(name: impl Into<String>, color: Color, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.into(),
            color,
            mark: Mark::Line {
                width: 1.5,
                dashed: true,
            },
            points,
            colors: Vec::new(),
            unlisted: false,
        }
    }
    pub fn dots(name: impl Into<String>, color: Color, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.into(),
            color,
            mark: Mark::Dots { radius: 2.5 },
            points,
            colors: Vec::new(),
            unlisted: false,
        }
    }
    pub fn bars(
        name: impl Into<String>,
        color: Color,
        width: f64,
        points: Vec<(f64, f64)>,
    ) -> Self {
        Self {
            name: name.into(),
            color,
            mark: Mark::Bars { width },
            points,
            colors: Vec::new(),
            unlisted: false,
        }
    }
    /// Leaves the series out of the legend.
    pub fn unlisted(mut self) -> Self {
        self.unlisted = true;
        self
    }
    /// A band between `lower` and `upper` at the same x values (mean ± spread).
    pub fn band(color: Color, x: &[f64], lower: &[f64], upper: &[f64]) -> Self {
        let mut points: Vec<(f64, f64)> = x.iter().copied().zip(upper.iter().copied()).collect();
        points.extend(x.iter().copied().zip(lower.iter().copied()).rev());
        Self {
            name: String::new(),
            color,
            mark: Mark::Band { opacity: 0.18 },
            points,
            colors: Vec::new(),
            unlisted: false,
        }
    }
    /// A greyscale picture as cells: `pixels` (0 = white, 1 = black) row-major, `columns` wide,
    /// its top-left cell at (x0, y0 − 1) in data units, one unit a pixel, rows going down.
    pub fn image(pixels: &[f32], columns: usize, x0: f64, y0: f64) -> Self {
        let mut points = Vec::with_capacity(pixels.len());
        let mut colors = Vec::with_capacity(pixels.len());
        for (p, v) in pixels.iter().enumerate() {
            let (col, row) = ((p % columns) as f64, (p / columns) as f64);
            points.push((x0 + col + 0.5, y0 - row - 0.5));
            let g = (255.0 * (1.0 - v.clamp(0.0, 1.0) as f64)) as u8;
            colors.push(Color(g, g, g));
        }
        Self::colored(
            "",
            Mark::Cells {
                width: 1.0,
                height: 1.0,
            },
            points,
            colors,
        )
    }
    /// Points with a colour each, drawn as `mark`.
    pub fn colored(
        name: impl Into<String>,
        mark: Mark,
        points: Vec<(f64, f64)>,
        colors: Vec<Color>,
    ) -> Self {
        Self {
            name: name.into(),
            color: colors.first().copied().unwrap_or(palette::GREY),
            mark,
            points,
            colors,
            unlisted: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartSpec {
    /// Stable identifier (canvas id suffix, export file name).
    pub id: String,
    pub title: String,
    /// What to look for; shown under the chart.
    pub caption: String,
    pub x: Axis,
    pub y: Axis,
    pub series: Vec<Series>,
    /// Short text lines drawn under the plot (fitted values, masses).
    pub notes: Vec<String>,
    /// Text placed at data coordinates, e.g. labels under small images.
    #[serde(default)]
    pub annotations: Vec<Label>,
}

/// Which point of a [`Label`]'s text sits at its (x, y): the top edge's left end, middle or
/// right end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Align {
    Left,
    #[default]
    Center,
    Right,
}

/// A number that JSON may have written as `null` (serde_json writes NaN and ±∞ so): NaN.
fn number_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// Points whose coordinates JSON may have written as `null`: those read as NaN.
fn points_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<(f64, f64)>, D::Error> {
    let points = Vec::<(Option<f64>, Option<f64>)>::deserialize(d)?;
    let nan = |v: Option<f64>| v.unwrap_or(f64::NAN);
    Ok(points.into_iter().map(|(x, y)| (nan(x), nan(y))).collect())
}

/// Text at data coordinates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Label {
    #[serde(deserialize_with = "number_or_null")]
    pub x: f64,
    #[serde(deserialize_with = "number_or_null")]
    pub y: f64,
    pub text: String,
    /// `None`: the theme's text colour.
    #[serde(default)]
    pub color: Option<Color>,
    #[serde(default)]
    pub align: Align,
}

impl Label {
    pub fn new(x: f64, y: f64, text: impl Into<String>) -> Self {
        Self {
            x,
            y,
            text: text.into(),
            color: None,
            align: Align::Center,
        }
    }
    pub fn colored(mut self, color: Color) -> Self {
        self.color = Some(color);
        self
    }
    pub fn aligned(mut self, align: Align) -> Self {
        self.align = align;
        self
    }
}

/// Colours of everything that is not data, for a light or a dark page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

impl Theme {
    pub fn background(self) -> Color {
        match self {
            Theme::Light => Color(255, 255, 255),
            Theme::Dark => Color(24, 26, 30),
        }
    }
    /// Titles, tick labels, legend text.
    pub fn text(self) -> Color {
        match self {
            Theme::Light => Color(30, 30, 30),
            Theme::Dark => Color(228, 230, 234),
        }
    }
    /// Notes and placeholders.
    pub fn muted(self) -> Color {
        match self {
            Theme::Light => Color(80, 80, 80),
            Theme::Dark => Color(180, 184, 190),
        }
    }
    pub fn axis(self) -> Color {
        match self {
            Theme::Light => Color(60, 60, 60),
            Theme::Dark => Color(170, 174, 180),
        }
    }
    pub fn grid_light(self) -> Color {
        match self {
            Theme::Light => Color(238, 238, 238),
            Theme::Dark => Color(40, 43, 48),
        }
    }
    pub fn grid_bold(self) -> Color {
        match self {
            Theme::Light => Color(215, 215, 215),
            Theme::Dark => Color(62, 66, 72),
        }
    }
    /// A series colour as drawn: unchanged on light; on dark, dark colours (black lines,
    /// the deep blue) are lightened in proportion to how dark they are, so every palette
    /// colour stays readable while keeping its hue.
    pub fn series(self, c: Color) -> Color {
        match self {
            Theme::Light => c,
            Theme::Dark => {
                let luma = 0.2126 * c.0 as f64 + 0.7152 * c.1 as f64 + 0.0722 * c.2 as f64;
                let k = ((130.0 - luma) / 130.0).clamp(0.0, 1.0) * 0.9;
                let lift = |v: u8| (v as f64 + (255.0 - v as f64) * k).round() as u8;
                Color(lift(c.0), lift(c.1), lift(c.2))
            }
        }
    }
}

impl ChartSpec {
    /// A text summary for screen readers and tests: each named series' last point, values
    /// to three significant digits and whole numbers (steps) without decimals.
    pub fn text_summary(&self) -> String {
        let mut parts = vec![self.title.clone()];
        for s in &self.series {
            if s.name.is_empty() {
                continue;
            }
            if let Some((x, y)) = s
                .points
                .iter()
                .rev()
                .find(|(x, y)| x.is_finite() && y.is_finite())
            {
                parts.push(format!(
                    "{}: {} at {} {}",
                    s.name,
                    readable(*y),
                    self.x.label,
                    readable(*x)
                ));
            }
        }
        parts.extend(self.notes.iter().cloned());
        parts.join(". ")
    }
}

/// A number as a reader would say it: integers whole, others to three significant digits.
pub fn readable(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v == v.round() && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let a = v.abs();
    if !(1e-3..1e6).contains(&a) {
        return format!("{v:.2e}");
    }
    let decimals = (2 - a.log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_crosses_as_json_with_its_undrawable_points() {
        let mut spec = ChartSpec {
            id: "t".into(),
            title: "t".into(),
            caption: String::new(),
            x: Axis::linear("step"),
            y: Axis::log("loss").with_range(0.01, 10.0),
            series: vec![Series::line(
                "run",
                palette::BLUE,
                vec![
                    (1.0, 0.5),
                    (2.0, f64::NAN),
                    (3.0, f64::INFINITY),
                    (4.0, 0.25),
                ],
            )],
            notes: vec!["a note".into()],
            annotations: vec![Label::new(f64::NAN, 1.0, "diverged")],
        };
        let json = serde_json::to_string(&spec).unwrap();
        let back: ChartSpec = serde_json::from_str(&json).unwrap();
        let points = &back.series[0].points;
        assert_eq!((points[0], points[3]), ((1.0, 0.5), (4.0, 0.25)));
        assert!(points[1].1.is_nan() && points[2].1.is_nan(), "{points:?}");
        assert!(back.annotations[0].x.is_nan());
        // All else is as it was.
        spec.series[0].points = points.clone();
        spec.annotations[0].x = back.annotations[0].x;
        assert_eq!(format!("{spec:?}"), format!("{back:?}"));
    }

    #[test]
    fn summaries_print_steps_whole_and_values_to_three_digits() {
        let spec = ChartSpec {
            id: "t".into(),
            title: "Loss".into(),
            caption: String::new(),
            x: Axis::log("step"),
            y: Axis::linear("loss"),
            series: vec![Series::line(
                "train",
                palette::BLUE,
                vec![(1.0, 1.0), (4000.0, 0.123456)],
            )],
            notes: vec![],
            annotations: vec![],
        };
        assert_eq!(spec.text_summary(), "Loss. train: 0.123 at step 4000");
        assert_eq!(readable(12.3456), "12.3");
        assert_eq!(readable(-0.5), "-0.5");
        assert_eq!(readable(2.0e-5), "2.00e-5");
    }

    #[test]
    fn dark_theme_lightens_dark_colours_and_keeps_bright_ones() {
        let luma = |c: Color| 0.2126 * c.0 as f64 + 0.7152 * c.1 as f64 + 0.0722 * c.2 as f64;
        assert!(luma(Theme::Dark.series(palette::BLACK)) > 150.0);
        assert!(luma(Theme::Dark.series(palette::BLUE)) > luma(palette::BLUE));
        assert_eq!(Theme::Dark.series(palette::YELLOW), palette::YELLOW);
        assert_eq!(Theme::Light.series(palette::BLACK), palette::BLACK);
    }
}
