//! Charts as values: a [`ChartSpec`] is plain data (title, axes, series, notes) that one
//! renderer ([`render`]) draws with plotters onto any backend — a canvas in the page, SVG
//! natively and for export. The same spec gives the same picture everywhere.

mod render;
mod spec;

pub use render::{PlotFrame, draw, to_svg};
pub use spec::*;
