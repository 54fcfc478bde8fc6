//! The early-learning lab's charts: where the mislabeled examples go, accuracy, the decision
//! regions (2-D) or the mislabeled digits, and ELR's agreement with its targets.

use phenomena_charts::{Axis, ChartSpec, Color, Label, Mark, Series as ChartSeries, palette};

use super::methods::{METHODS, MethodEntry};
use crate::digits::DIGIT_PIXELS;
use crate::fork::FORK_RUN;
use crate::lab::Snapshot;

/// The fork's colour: it is one more run beside lines whose colours are taken.
pub const FORK_COLOR: Color = palette::BLACK;

/// The fork's line of `metric`, named `{fork}{suffix}`, if there is a fork.
fn fork_line(
    snapshot: &Snapshot,
    fork: Option<&str>,
    metric: &str,
    suffix: &str,
) -> Option<ChartSeries> {
    fork.map(|label| {
        ChartSeries::line(
            format!("{label}{suffix}"),
            FORK_COLOR,
            snapshot.points(&format!("{FORK_RUN}.{metric}")),
        )
    })
}

/// Side of the grid on which the 2-D decision boundary is drawn.
pub const GRID: usize = 44;
pub const GRID_EXTENT: f64 = 3.6;

/// Centre of grid cell `i` along one axis.
pub fn grid_coord(i: usize) -> f64 {
    -GRID_EXTENT + 2.0 * GRID_EXTENT * (i as f64 + 0.5) / GRID as f64
}

/// Light class colours for the boundary heatmap and class colours for points.
const CLASS_COLORS: [Color; 10] = [
    palette::BLUE,
    palette::ORANGE,
    palette::GREEN,
    palette::PURPLE,
    palette::SKY,
    palette::VERMILLION,
    palette::YELLOW,
    palette::GREY,
    palette::BLACK,
    Color(120, 80, 40),
];

fn lighten(c: Color) -> Color {
    let f = |v: u8| (v as f64 * 0.35 + 255.0 * 0.65) as u8;
    Color(f(c.0), f(c.1), f(c.2))
}

fn styled(name: String, color: Color, dashed: bool, pts: Vec<(f64, f64)>) -> ChartSeries {
    if dashed {
        ChartSeries::dashed(name, color, pts)
    } else {
        ChartSeries::line(name, color, pts)
    }
}

/// The three fractions of the mislabeled examples: the paper's Figure 1.
fn fraction_series(snapshot: &Snapshot, run: &str, label: &str, dashed: bool) -> Vec<ChartSeries> {
    [
        ("mislabeled_true", "true label", palette::GREEN),
        ("memorized", "noisy label (memorized)", palette::VERMILLION),
        ("mislabeled_other", "other", palette::GREY),
    ]
    .into_iter()
    .map(|(metric, what, color)| {
        styled(
            format!("{label}: {what}"),
            color,
            dashed,
            snapshot.points(&format!("{run}.{metric}")),
        )
    })
    .collect()
}

pub fn fractions(snapshot: &Snapshot, fork: Option<&str>) -> ChartSpec {
    let mut series = fraction_series(snapshot, "ce", "CE", false);
    series.extend(fraction_series(snapshot, "elr", "ELR", true));
    series.extend(fork_line(
        snapshot,
        fork,
        "memorized",
        ": noisy label (memorized)",
    ));
    ChartSpec {
        id: "mislabeled".into(),
        annotations: Vec::new(),
        title: "What the network predicts for the mislabeled examples".into(),
        caption: "For the training examples whose label was flipped: the fraction predicted as \
                  their true label, as the wrong label they were given (memorized), or as \
                  something else. Solid: cross-entropy; dashed: with ELR; black: a fork's \
                  memorized fraction. The paper's Figure 1."
            .into(),
        x: Axis::log("step"),
        y: Axis::linear("fraction of mislabeled examples").with_range(0.0, 1.0),
        series,
        notes: vec![],
    }
}

/// The same three fractions for one more method, with CE's memorized fraction to compare.
pub fn method_fractions(snapshot: &Snapshot, method: &MethodEntry) -> ChartSpec {
    let mut series = fraction_series(snapshot, method.id, method.label, false);
    series.push(ChartSeries::dashed(
        "CE: memorized",
        palette::BLACK,
        snapshot.points("ce.memorized"),
    ));
    ChartSpec {
        id: format!("mislabeled-{}", method.id),
        annotations: Vec::new(),
        title: format!("The mislabeled examples under {}", method.label),
        caption: format!(
            "As in the chart of CE and ELR: the fraction of the flipped examples that {} \
             predicts as their true label, as their wrong label (memorized), or as something \
             else. Dashed black: CE's memorized fraction, for comparison.",
            method.label
        ),
        x: Axis::log("step"),
        y: Axis::linear("fraction of mislabeled examples").with_range(0.0, 1.0),
        series,
        notes: vec![],
    }
}

/// One line per trained method of its recorded `metric`, in the method's colour.
/// The fork's line last.
fn method_lines(
    snapshot: &Snapshot,
    trained: &[usize],
    fork: Option<&str>,
    metric: &str,
) -> Vec<ChartSeries> {
    trained
        .iter()
        .map(|i| {
            let m = &METHODS[*i];
            ChartSeries::line(
                m.label,
                m.color,
                snapshot.points(&format!("{}.{metric}", m.id)),
            )
        })
        .chain(fork_line(snapshot, fork, metric, ""))
        .collect()
}

/// Every trained method's memorized fraction on one chart: the race.
pub fn race(snapshot: &Snapshot, trained: &[usize], fork: Option<&str>) -> ChartSpec {
    ChartSpec {
        id: "race".into(),
        annotations: Vec::new(),
        title: "The race: memorized fraction of every method".into(),
        caption: "For each method, the fraction of the mislabeled training examples predicted \
                  as the wrong label they were given. All runs start from the same weights and \
                  see the same noisy labels and batches; lower is better."
            .into(),
        x: Axis::log("step"),
        y: Axis::linear("memorized fraction").with_range(0.0, 1.0),
        series: method_lines(snapshot, trained, fork, "memorized"),
        notes: vec![],
    }
}

pub fn accuracy(snapshot: &Snapshot, trained: &[usize], fork: Option<&str>) -> ChartSpec {
    if trained.len() > 2 {
        return accuracy_of("test_accuracy", "accuracy", snapshot, trained, fork);
    }
    let runs = trained
        .iter()
        .map(|i| (METHODS[*i].id, METHODS[*i].label, METHODS[*i].color))
        .chain(fork.map(|label| (FORK_RUN, label, FORK_COLOR)));
    let mut series = Vec::new();
    for (id, label, color) in runs {
        series.push(ChartSeries::line(
            format!("{label}: test"),
            color,
            snapshot.points(&format!("{id}.test_accuracy")),
        ));
        series.push(ChartSeries::dashed(
            format!("{label}: clean training examples"),
            color,
            snapshot.points(&format!("{id}.clean_train_accuracy")),
        ));
    }
    ChartSpec {
        id: "accuracy".into(),
        annotations: Vec::new(),
        title: "Accuracy on clean training examples and on the test set".into(),
        caption: "Test accuracy (solid) peaks while the network is still learning the true \
                  pattern and falls as it memorizes the noise under cross-entropy; with ELR it \
                  stays near its peak."
            .into(),
        x: Axis::log("step"),
        y: Axis::linear("accuracy").with_range(0.0, 1.0),
        series,
        notes: vec![],
    }
}

/// One accuracy of every trained method (a race has too many runs to draw both on one chart):
/// `metric` is `test_accuracy` or `clean_train_accuracy`.
pub fn accuracy_of(
    metric: &str,
    id: &str,
    snapshot: &Snapshot,
    trained: &[usize],
    fork: Option<&str>,
) -> ChartSpec {
    let test = metric == "test_accuracy";
    ChartSpec {
        id: id.into(),
        annotations: Vec::new(),
        title: if test {
            "Test accuracy of every method"
        } else {
            "Accuracy on the clean training examples"
        }
        .into(),
        caption: if test {
            "Accuracy on held-out examples with their true labels. It peaks while a network \
             learns the true pattern and falls as it memorizes the noise."
        } else {
            "Accuracy on the training examples whose label was not flipped; a method that fits \
             these poorly is underfitting."
        }
        .into(),
        x: Axis::log("step"),
        y: Axis::linear("accuracy").with_range(0.0, 1.0),
        series: method_lines(snapshot, trained, fork, metric),
        notes: vec![],
    }
}

/// A fork that keeps ELR's targets (CE → ELR) shows its agreement too.
pub fn agreement(snapshot: &Snapshot, fork: Option<&str>) -> ChartSpec {
    let fork_has_targets = snapshot
        .series
        .contains_key(&format!("{FORK_RUN}.target_agreement"));
    let mut series = vec![ChartSeries::line(
        "CE + ELR",
        palette::BLUE,
        snapshot.points("elr.target_agreement"),
    )];
    series.extend(fork_line(
        snapshot,
        fork.filter(|_| fork_has_targets),
        "target_agreement",
        "",
    ));
    ChartSpec {
        id: "agreement".into(),
        annotations: Vec::new(),
        title: "ELR: agreement of predictions with their targets".into(),
        caption: "Mean ⟨t, p⟩ between each example's running-average target and the current \
                  prediction. ELR's term λ·log(1 − ⟨t, p⟩) rewards keeping it high, which \
                  resists moving a prediction to a memorized wrong label."
            .into(),
        x: Axis::log("step"),
        y: Axis::linear("mean ⟨t, p⟩").with_range(0.0, 1.0),
        series,
        notes: vec![],
    }
}

/// Method `id`'s predicted classes for the view (grid points or shown digits) in a snapshot.
pub fn view_predictions(snapshot: &Snapshot, id: &str) -> Vec<usize> {
    snapshot
        .series
        .get(&format!("{id}.view_prediction"))
        .map(|s| s.y.iter().map(|c| *c as usize).collect())
        .unwrap_or_default()
}

/// The name of class `k`'s entry in the decision-region charts' legend, counting from 1 as
/// the page's class picker does (your own points).
pub fn class_name(k: usize) -> String {
    format!("class {}", k + 1)
}

/// The 2-D training set as the decision-region charts draw it.
pub struct TrainingPoints {
    pub points: Vec<(f64, f64)>,
    /// Each point's label as trained on (flipped or not).
    pub noisy: Vec<usize>,
    pub flipped: Vec<bool>,
    /// The points you added or relabelled (your own points), by index.
    pub yours: Vec<usize>,
}

/// How wide the square around each of your own points is, in data units (about a grid cell).
const YOURS_FRAME: f64 = 0.3;

pub fn boundary(
    run: &str,
    label: &str,
    classes: usize,
    preds: &[usize],
    train: &TrainingPoints,
) -> ChartSpec {
    let TrainingPoints {
        points: pts,
        noisy,
        flipped,
        yours,
    } = train;
    let cell = 2.0 * GRID_EXTENT / GRID as f64;
    let grid_points: Vec<(f64, f64)> = (0..GRID * GRID)
        .map(|k| (grid_coord(k % GRID), grid_coord(k / GRID)))
        .collect();
    let grid_colors = preds
        .iter()
        .map(|c| lighten(CLASS_COLORS[c % CLASS_COLORS.len()]))
        .collect();
    let heat = if preds.len() == grid_points.len() {
        vec![ChartSeries::colored(
            "",
            Mark::Cells {
                width: cell * 1.02,
                height: cell * 1.02,
            },
            grid_points,
            grid_colors,
        )]
    } else {
        Vec::new()
    };
    let dots = ChartSeries::colored(
        "training point (colour: its label)",
        Mark::Dots { radius: 2.5 },
        pts.to_vec(),
        noisy
            .iter()
            .map(|c| CLASS_COLORS[c % CLASS_COLORS.len()])
            .collect(),
    );
    let rings = ChartSeries {
        name: "flipped label".into(),
        color: palette::BLACK,
        mark: Mark::Rings { radius: 5.0 },
        points: pts
            .iter()
            .zip(flipped)
            .filter(|(_, f)| **f)
            .map(|(p, _)| *p)
            .collect(),
        colors: Vec::new(),
        unlisted: false,
    };
    let mut series = heat;
    series.push(dots);
    series.push(rings);
    if !yours.is_empty() {
        series.push(ChartSeries {
            name: "your point".into(),
            color: palette::BLACK,
            mark: Mark::Frames {
                width: YOURS_FRAME,
                height: YOURS_FRAME,
            },
            points: yours.iter().filter_map(|i| pts.get(*i).copied()).collect(),
            colors: Vec::new(),
            unlisted: false,
        });
    }
    // Which colour is which class, for the legend and the page's class picker.
    series.extend((0..classes).map(|k| {
        ChartSeries::dots(
            class_name(k),
            CLASS_COLORS[k % CLASS_COLORS.len()],
            Vec::new(),
        )
    }));
    ChartSpec {
        id: format!("boundary-{run}"),
        annotations: Vec::new(),
        title: format!("Decision regions: {label}"),
        caption: format!(
            "Background: the class {label} predicts at each point. Dots: training points in the \
             colour of their (possibly wrong) label; ringed: the flipped ones{}.",
            if yours.is_empty() {
                ""
            } else {
                "; boxed: your own"
            }
        ),
        x: Axis::linear("x₁").with_range(-GRID_EXTENT, GRID_EXTENT),
        y: Axis::linear("x₂").with_range(-GRID_EXTENT, GRID_EXTENT),
        series,
        notes: vec![],
    }
}

/// `predictions`: each trained method's short name and its predictions for the shown digits.
pub fn digits(
    pixels: &[f32],
    noisy: &[usize],
    truth: &[usize],
    predictions: &[(&str, Vec<usize>)],
) -> ChartSpec {
    let mut series = Vec::new();
    let mut annotations = Vec::new();
    // Two rows of four images, each 8 × 8 cells with lines of labels under it: the given
    // label (true digit), then each run's prediction, a wrong one red and crossed.
    let row_height = 10.6 + 1.7 * predictions.len() as f64;
    for (k, image) in pixels.chunks(DIGIT_PIXELS).enumerate() {
        let x0 = (k % 4) as f64 * 11.0;
        let y0 = if k < 4 { row_height } else { 0.0 };
        series.push(ChartSeries::image(image, 8, x0, y0 + 8.0));
        annotations.push(Label::new(
            x0 + 4.0,
            y0 - 0.2,
            format!("{} (true {})", noisy[k], truth[k]),
        ));
        for (r, (name, preds)) in predictions.iter().enumerate() {
            let y = y0 - 1.9 - 1.7 * r as f64;
            annotations.push(match preds.get(k) {
                Some(c) if *c != truth[k] => {
                    Label::new(x0 + 4.0, y, format!("{name} {c} ✗")).colored(palette::VERMILLION)
                }
                Some(c) => Label::new(x0 + 4.0, y, format!("{name} {c}")),
                None => Label::new(x0 + 4.0, y, format!("{name} –")),
            });
        }
    }
    ChartSpec {
        id: "digits".into(),
        title: "Mislabeled training digits".into(),
        caption: format!(
            "A few training images whose label was flipped. Under each: the label the networks \
             were given (the true digit in brackets), then what each run predicts now; a \
             prediction that is not the true digit is red and marked ✗. Memorizing means \
             predicting the given label.{}{}",
            if predictions.iter().any(|(name, _)| *name == "MSD") {
                " MSD: multi-sample dropout."
            } else {
                ""
            },
            if predictions.iter().any(|(name, _)| *name == "fork") {
                " fork: the forked run."
            } else {
                ""
            }
        ),
        x: Axis::hidden(-1.0, 44.0),
        y: Axis::hidden(-2.1 - 1.7 * predictions.len() as f64, row_height + 8.5),
        series,
        notes: vec![],
        annotations,
    }
}
