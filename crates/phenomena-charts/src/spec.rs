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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub name: String,
    pub color: Color,
    pub mark: Mark,
    pub points: Vec<(f64, f64)>,
    /// One colour per point (heatmaps, class-coloured scatters); empty: all in `color`.
    #[serde(default)]
    pub colors: Vec<Color>,
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
        }
    }
    pub fn dots(name: impl Into<String>, color: Color, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.into(),
            color,
            mark: Mark::Dots { radius: 2.5 },
            points,
            colors: Vec::new(),
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
        }
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
    /// Text placed at data coordinates (x, y, text), e.g. labels under small images.
    #[serde(default)]
    pub annotations: Vec<(f64, f64, String)>,
}

impl ChartSpec {
    /// A text summary for screen readers and tests: each series' last point.
    pub fn text_summary(&self) -> String {
        let mut parts = vec![self.title.clone()];
        for s in &self.series {
            if let Some((x, y)) = s
                .points
                .iter()
                .rev()
                .find(|(x, y)| x.is_finite() && y.is_finite())
            {
                parts.push(format!("{}: {:.4} at {} {:.4}", s.name, y, self.x.label, x));
            }
        }
        parts.extend(self.notes.iter().cloned());
        parts.join(". ")
    }
}
