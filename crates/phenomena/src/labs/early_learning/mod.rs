//! Early learning vs memorization: cross-entropy beside ELR on noisy labels.
//!
//! Read in order: `data.rs` (the three data sets and the label noise), `model.rs` (classifiers,
//! optimizers, the CE and ELR losses), then this file (schema, presets, the lockstep loop,
//! snapshots and charts).

pub mod data;
pub mod model;

use std::collections::BTreeMap;

use burn::prelude::*;
use burn::tensor::Transaction;
use phenomena_charts::{Axis, ChartSpec, Color, Label, Mark, Series as ChartSeries, palette};

use crate::batches::Batches;
use crate::lab::{
    Condition, Lab, LabError, LabInfo, LocalFuture, ParamSpec, Params, Preset, RunSummary, Series,
    Snapshot, fmt_num, records_at,
};
use data::{DIGIT_PIXELS, Dataset, NoiseKind};
use model::{Classifier, DeviceData, Elr, METRICS, Optimizer, Run};

pub const ID: &str = "early-learning";
const CITATION: &str = "Liu, S., Niles-Weed, J., Razavian, N. & Fernandez-Granda, C. (2020). \
Early-Learning Regularization Prevents Memorization of Noisy Labels. NeurIPS (arXiv:2007.00151).";

const RECORDS_PER_DECADE: f64 = 24.0;
/// Side of the grid on which the 2-D decision boundary is drawn.
const GRID: usize = 44;
const GRID_EXTENT: f64 = 3.6;
/// Mislabeled digits shown in the image grid.
const SHOWN_DIGITS: usize = 8;

const RUNS: [(&str, &str, Color); 2] = [
    ("ce", "CE", palette::VERMILLION),
    ("elr", "CE + ELR", palette::BLUE),
];

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

pub fn schema() -> Vec<ParamSpec> {
    let n = ParamSpec::NUMBER;
    vec![
        ParamSpec {
            name: "dataset",
            label: "data set",
            max: 2.0,
            step: 1.0,
            integer: true,
            options: &[
                "high-dimensional mixture",
                "2-D blobs",
                "handwritten digits",
            ],
            help: "Five Gaussian classes in R⁶⁰⁰ with 200 points (the paper's theory setting); \
                   Gaussian blobs in 2-D, to watch the decision boundary; or 1 797 real 8×8 \
                   digits (UCI, CC BY 4.0).",
            source: "ELR paper §3; UCI digits",
            ..n
        },
        ParamSpec {
            name: "noise_type",
            label: "label noise",
            max: 1.0,
            step: 1.0,
            integer: true,
            options: &["symmetric (to another class)", "asymmetric (k → k + 1)"],
            help: "Symmetric noise moves a label to a random other class (never the true one); \
                   asymmetric noise moves class k to k + 1.",
            source: "",
            ..n
        },
        ParamSpec {
            name: "noise",
            label: "noise rate",
            max: 0.8,
            step: 0.05,
            default: 0.4,
            help: "Probability that a training label is flipped.",
            source: "",
            ..n
        },
        ParamSpec {
            name: "lambda",
            label: "λ (ELR strength)",
            max: 10.0,
            step: 0.1,
            default: 2.0,
            help: "Weight of λ·mean log(1 − ⟨t, p⟩). The authors report it needs tuning: too \
                   strong locks a class in.",
            source: "ELR, λ",
            ..n
        },
        ParamSpec {
            name: "beta",
            label: "β (target averaging)",
            max: 0.999,
            step: 0.01,
            default: 0.7,
            help: "Momentum of the per-example target average t ← β·t + (1 − β)·p̂. If the \
                   average is slower than memorization, ELR fails.",
            source: "ELR, β",
            ..n
        },
        ParamSpec {
            name: "lr",
            label: "learning rate",
            min: 1e-4,
            max: 5.0,
            step: 1e-4,
            default: 0.2,
            log: true,
            help: "Step size of the optimizer (full batch).",
            source: "",
            ..n
        },
        ParamSpec {
            name: "optimizer",
            label: "optimizer",
            max: 1.0,
            step: 1.0,
            integer: true,
            options: &["gradient descent", "Adam"],
            help: "Full-batch gradient descent, or Adam (β₁ 0.9, β₂ 0.999).",
            source: "",
            ..n
        },
        ParamSpec {
            name: "batch",
            label: "batch size (0 = full batch)",
            max: 2000.0,
            step: 1.0,
            integer: true,
            help: "Examples per step, drawn without replacement each epoch; 0 uses the whole \
                   training set every step. ELR updates the targets of the examples in the \
                   batch.",
            source: "",
            ..n
        },
        ParamSpec {
            name: "hidden",
            label: "hidden units (0 = linear)",
            max: 512.0,
            step: 1.0,
            integer: true,
            help: "Width of the one-hidden-layer ReLU network; 0 trains a linear softmax \
                   classifier.",
            source: "",
            ..n
        },
        ParamSpec {
            name: "classes",
            label: "classes (mixture, blobs)",
            min: 3.0,
            max: 5.0,
            step: 1.0,
            default: 5.0,
            integer: true,
            help: "Number of classes of the synthetic data sets (the digits have 10).",
            source: "",
            visible_when: Condition::when("dataset", &[0.0, 1.0]),
            ..n
        },
        ParamSpec {
            name: "steps",
            label: "training steps",
            min: 10.0,
            max: 50_000.0,
            step: 10.0,
            default: 500.0,
            log: true,
            integer: true,
            help: "The run stops after this many full-batch steps.",
            source: "",
            ..n
        },
        ParamSpec {
            name: "seed",
            label: "seed",
            max: 1e9,
            step: 1.0,
            integer: true,
            help: "One seed fixes the data, the label noise and the initialization.",
            source: "",
            ..n
        },
    ]
}

/// The 2-D preset: an MLP on four blobs with 30 % of labels flipped.
const BOUNDARY_VALUES: [(&str, f64); 8] = [
    ("dataset", 1.0),
    ("classes", 4.0),
    ("noise", 0.3),
    ("hidden", 256.0),
    ("optimizer", 1.0),
    ("lr", 0.01),
    ("lambda", 3.0),
    ("steps", 3000.0),
];

/// The digits preset: an MLP on the UCI digits with 40 % of labels flipped.
const DIGITS_VALUES: [(&str, f64); 6] = [
    ("dataset", 2.0),
    ("hidden", 128.0),
    ("optimizer", 1.0),
    ("lr", 0.003),
    ("lambda", 3.0),
    ("steps", 3000.0),
];

pub fn presets() -> Vec<Preset> {
    vec![
        Preset {
            id: "linear",
            title: "memorization in a linear model",
            caption: "In the chart of the mislabeled examples, CE (solid lines there) first \
                      predicts the true label (green) — early learning — then memorizes the wrong \
                      one (orange-red), and its test accuracy falls. ELR (dashed lines there) tracks CE \
                      early, then never memorizes.",
            citation: CITATION,
            values: &[],
        },
        Preset {
            id: "boundary",
            title: "ELR stops it (2-D)",
            caption: "Ringed points carry flipped labels. CE's decision boundary first ignores \
                      them, then carves islands around them; ELR's boundary stays smooth because \
                      its targets remember what the network predicted early.",
            citation: CITATION,
            values: &BOUNDARY_VALUES,
        },
        Preset {
            id: "lambda-too-strong",
            title: "λ too strong locks a class in",
            caption: "With λ = 8 the regularizer is strong enough to hold on to whatever the \
                      network predicted early, mistakes included: a class can stay absorbed by a \
                      neighbour and test accuracy stalls below CE's peak.",
            citation: CITATION,
            values: &[("lambda", 8.0)],
        },
        Preset {
            id: "beta-too-slow",
            title: "β too slow at a high learning rate",
            caption: "At 5× the learning rate memorization comes within a few dozen steps and the \
                      slow target average (β = 0.9) lags behind it: ELR memorizes 92 % of the \
                      noisy labels by step 500 on seed 0. Set β to 0.7 and it memorizes 70 %; at \
                      this rate ELR needs a smaller step to keep up.",
            citation: CITATION,
            values: &[("lr", 1.0), ("beta", 0.9)],
        },
        Preset {
            id: "digits",
            title: "digits with 40 % noise",
            caption: "Real handwritten digits, 40 % of training labels moved to another class. \
                      The network learns the digits first, then memorizes the wrong labels under \
                      CE; ELR keeps test accuracy up. The images below are mislabeled training \
                      digits with their noisy label and each run's prediction.",
            citation: CITATION,
            values: &DIGITS_VALUES,
        },
    ]
}

pub fn info() -> LabInfo {
    LabInfo {
        id: ID,
        title: "Early learning vs memorization",
        summary: "Under noisy labels a network first learns the true pattern, then memorizes the \
                  wrong labels; early-learning regularization (ELR) stops the memorization.",
        citation: CITATION,
        schema: schema(),
        presets: presets(),
        notes: "Measured with the presets on seed 0 (natively, flex). Linear model in R⁶⁰⁰, 40 % \
                symmetric noise, lr 0.2, 500 steps: CE predicts the true label for 85 % of the \
                mislabeled examples at step 12, then 0 %; it memorizes all of them and test \
                accuracy falls from 0.996 to 0.85. ELR (λ = 2, β = 0.7) ends with 3 % memorized \
                and test accuracy 1.00; over seeds 0–9, 10 of 10 end at ≥ 0.97 with ≤ 0.3 \
                memorized. ELR slows memorization rather than forbidding it: run 1 000 steps and \
                seed 0 reaches 25 % memorized. 2-D blobs (MLP, Adam): CE memorizes 34 % of the \
                flipped points and test accuracy drops from 0.94 to 0.81; ELR 2 % and 0.94. \
                Digits at 40 % noise (MLP 128, Adam): CE's test accuracy 0.93 → 0.61, ELR's \
                0.94 → 0.91. Symmetric noise here always moves a label to another class, unlike \
                the official code, whose symmetric noise may redraw the true label.",
    }
}

/// What the dataset-specific chart needs besides the metrics.
enum View {
    None,
    /// 2-D: grid points and the training points with their noisy labels.
    Boundary {
        grid: Tensor<2>,
        points: Vec<(f64, f64)>,
        noisy: Vec<usize>,
        flipped: Vec<bool>,
    },
    /// Digits: a few mislabeled training images.
    Digits {
        images: Tensor<2>,
        pixels: Vec<f32>,
        noisy: Vec<usize>,
        truth: Vec<usize>,
    },
}

pub struct EarlyLearningLab {
    params: Params,
    seed: u64,
    backend: String,
    classes: usize,
    data: DeviceData,
    runs: Vec<Run>,
    view: View,
    steps: u64,
    max_steps: u64,
    pending: Vec<(u64, Tensor<1>)>,
    series: BTreeMap<String, Series>,
    /// Latest predictions for the view, per run.
    view_predictions: Vec<Vec<usize>>,
    flipped: usize,
    batches: Option<Batches>,
    diverged: Option<String>,
}

impl EarlyLearningLab {
    pub fn new(params: Params, device: &Device, backend: &str) -> Result<Self, LabError> {
        let seed = params.get("seed") as u64;
        let classes = params.usize("classes");
        let dataset: Dataset = match params.usize("dataset") {
            0 => data::gaussian_mixture(seed, classes, 600, 200, 1000, 3.0),
            1 => data::blobs(seed, classes, 300, 1000, 0.75),
            _ => data::digits(seed, 500),
        };
        let kind = match params.usize("noise_type") {
            0 => NoiseKind::Symmetric,
            _ => NoiseKind::Asymmetric,
        };
        let noisy = data::corrupt(
            &dataset.train.labels,
            dataset.classes,
            params.get("noise"),
            kind,
            seed,
        );
        let flipped: Vec<bool> = noisy
            .iter()
            .zip(&dataset.train.labels)
            .map(|(a, b)| a != b)
            .collect();
        let d = DeviceData::new(
            &dataset.train.x,
            &dataset.train.labels,
            &noisy,
            &dataset.test.x,
            &dataset.test.labels,
            dataset.dim,
            dataset.classes,
            device,
        );
        let hidden = params.usize("hidden");
        let lr = params.get("lr") as f32;
        let optimizer = || match params.usize("optimizer") {
            0 => Optimizer::Gd { lr },
            _ => Optimizer::Adam {
                lr,
                m: Vec::new(),
                v: Vec::new(),
                t: 0,
            },
        };
        let classifier = Classifier::new(dataset.dim, dataset.classes, hidden, seed, device);
        let runs = vec![
            Run {
                classifier: classifier.clone(),
                optimizer: optimizer(),
                elr: None,
            },
            Run {
                classifier,
                optimizer: optimizer(),
                elr: Some(Elr {
                    lambda: params.get("lambda") as f32,
                    beta: params.get("beta") as f32,
                    targets: Tensor::zeros([d.n, dataset.classes], device),
                }),
            },
        ];
        let view = match params.usize("dataset") {
            1 => {
                let mut grid = Vec::with_capacity(GRID * GRID * 2);
                for j in 0..GRID {
                    for i in 0..GRID {
                        grid.push(grid_coord(i) as f32);
                        grid.push(grid_coord(j) as f32);
                    }
                }
                View::Boundary {
                    grid: model::matrix(&grid, GRID * GRID, 2, device),
                    points: dataset
                        .train
                        .x
                        .chunks(2)
                        .map(|p| (p[0] as f64, p[1] as f64))
                        .collect(),
                    noisy: noisy.clone(),
                    flipped: flipped.clone(),
                }
            }
            2 => {
                let shown: Vec<usize> = (0..flipped.len())
                    .filter(|i| flipped[*i])
                    .take(SHOWN_DIGITS)
                    .collect();
                let pixels: Vec<f32> = shown
                    .iter()
                    .flat_map(|i| {
                        dataset.train.x[i * DIGIT_PIXELS..(i + 1) * DIGIT_PIXELS].to_vec()
                    })
                    .collect();
                View::Digits {
                    images: model::matrix(&pixels, shown.len(), DIGIT_PIXELS, device),
                    pixels,
                    noisy: shown.iter().map(|i| noisy[*i]).collect(),
                    truth: shown.iter().map(|i| dataset.train.labels[*i]).collect(),
                }
            }
            _ => View::None,
        };
        let batch = params.usize("batch");
        let batches = (batch > 0 && batch < d.n).then(|| {
            Batches::new(
                batch,
                (0..d.n).collect(),
                crate::rng::rng(seed, crate::rng::Stream::BatchOrder),
                device,
            )
        });
        let mut lab = Self {
            batches,
            max_steps: params.get("steps") as u64,
            params,
            seed,
            backend: backend.to_string(),
            classes: dataset.classes,
            data: d,
            runs,
            view,
            steps: 0,
            pending: Vec::new(),
            series: BTreeMap::new(),
            view_predictions: Vec::new(),
            flipped: flipped.iter().filter(|f| **f).count(),
            diverged: None,
        };
        lab.record();
        Ok(lab)
    }

    fn record(&mut self) {
        let metrics = Tensor::cat(self.runs.iter().map(|r| r.metrics(&self.data)).collect(), 0);
        self.pending.push((self.steps, metrics));
    }

    async fn read_back(&mut self) -> Result<(), LabError> {
        let pending = std::mem::take(&mut self.pending);
        let mut tx = Transaction::default();
        for (_, t) in &pending {
            tx = tx.register(t.clone());
        }
        let view_input = match &self.view {
            View::Boundary { grid, .. } => Some(grid.clone()),
            View::Digits { images, .. } => Some(images.clone()),
            View::None => None,
        };
        if let Some(x) = &view_input {
            for run in &self.runs {
                tx = tx.register(run.predict(x.clone()));
            }
        }
        let mut values = tx
            .execute_async()
            .await
            .map_err(|e| LabError::Backend(format!("reading metrics failed: {e:?}")))?;
        let views = values.split_off(pending.len());
        self.view_predictions = views
            .into_iter()
            .map(|d| {
                d.convert::<i64>()
                    .try_to_vec::<i64>()
                    .map(|v| v.into_iter().map(|c| c.max(0) as usize).collect())
                    .map_err(LabError::backend)
            })
            .collect::<Result<_, _>>()?;
        for ((step, _), data) in pending.iter().zip(values) {
            let row = data.try_to_vec::<f32>().map_err(LabError::backend)?;
            for (r, (run, _, _)) in RUNS.iter().enumerate() {
                for (m, metric) in METRICS.iter().enumerate() {
                    let v = row[r * METRICS.len() + m] as f64;
                    if self.diverged.is_none() && !v.is_finite() {
                        self.diverged = Some(format!(
                            "diverged at step {step} — lower the learning rate (now {})",
                            fmt_num(self.params.get("lr"))
                        ));
                    }
                    if *run == "ce" && *metric == "target_agreement" {
                        continue;
                    }
                    self.series
                        .entry(format!("{run}.{metric}"))
                        .or_default()
                        .push(*step as f64, v);
                }
            }
        }
        Ok(())
    }
}

fn grid_coord(i: usize) -> f64 {
    -GRID_EXTENT + 2.0 * GRID_EXTENT * (i as f64 + 0.5) / GRID as f64
}

impl Lab for EarlyLearningLab {
    fn info(&self) -> LabInfo {
        info()
    }

    fn step(&mut self, k: u64) {
        for _ in 0..k {
            if self.steps >= self.max_steps || self.diverged.is_some() {
                break;
            }
            // Every run sees the same batch: one knob changed, nothing else.
            let batch = self.batches.as_mut().map(Batches::next_batch);
            for run in &mut self.runs {
                run.step(&self.data, batch.as_ref());
            }
            self.steps += 1;
            if records_at(self.steps, self.max_steps, RECORDS_PER_DECADE) {
                self.record();
            }
        }
    }

    fn steps_done(&self) -> u64 {
        self.steps
    }

    fn max_steps(&self) -> u64 {
        self.max_steps
    }

    fn snapshot(&mut self) -> LocalFuture<'_, Result<Snapshot, LabError>> {
        Box::pin(async move {
            self.read_back().await?;
            let mut series = self.series.clone();
            for ((run, _, _), preds) in RUNS.iter().zip(&self.view_predictions) {
                series.insert(
                    format!("{run}.view_prediction"),
                    Series::indexed(preds.iter().map(|p| *p as f64).collect()),
                );
            }
            let mut scalars = BTreeMap::new();
            scalars.insert("mislabeled".into(), self.flipped as f64);
            scalars.insert("train_examples".into(), self.data.n as f64);
            scalars.insert("classes".into(), self.classes as f64);
            for (run, _, _) in RUNS {
                if let Some(s) = series.get(&format!("{run}.test_accuracy")) {
                    let peak = s.y.iter().copied().fold(0.0, f64::max);
                    scalars.insert(format!("{run}.peak_test_accuracy"), peak);
                }
            }
            Ok(Snapshot {
                lab: ID.into(),
                step: self.steps,
                params: self.params.clone(),
                seed: self.seed,
                backend: self.backend.clone(),
                series,
                scalars,
                diverged: self.diverged.clone(),
                warnings: Vec::new(),
            })
        })
    }

    fn charts(&self, snapshot: &Snapshot, _history: &[RunSummary]) -> Vec<ChartSpec> {
        let mut charts = vec![fractions_chart(snapshot), accuracy_chart(snapshot)];
        // The pictures (boundaries side by side, or the digits) before the ELR detail.
        match &self.view {
            View::Boundary {
                points,
                noisy,
                flipped,
                ..
            } => {
                for (r, (run, label, _)) in RUNS.iter().enumerate() {
                    let preds = view_predictions(snapshot, r);
                    charts.push(boundary_chart(run, label, &preds, points, noisy, flipped));
                }
            }
            View::Digits {
                pixels,
                noisy,
                truth,
                ..
            } => {
                let preds: Vec<Vec<usize>> = (0..RUNS.len())
                    .map(|r| view_predictions(snapshot, r))
                    .collect();
                charts.push(digits_chart(pixels, noisy, truth, &preds))
            }
            View::None => {}
        }
        charts.push(agreement_chart(snapshot));
        charts
    }

    fn summary(&self, _snapshot: &Snapshot) -> Option<RunSummary> {
        None
    }
}

fn styled(name: String, color: Color, dashed: bool, pts: Vec<(f64, f64)>) -> ChartSeries {
    if dashed {
        ChartSeries::dashed(name, color, pts)
    } else {
        ChartSeries::line(name, color, pts)
    }
}

fn fractions_chart(snapshot: &Snapshot) -> ChartSpec {
    let mut series = Vec::new();
    for (i, (run, label, _)) in RUNS.iter().enumerate() {
        for (metric, what, color) in [
            ("mislabeled_true", "true label", palette::GREEN),
            ("memorized", "noisy label (memorized)", palette::VERMILLION),
            ("mislabeled_other", "other", palette::GREY),
        ] {
            series.push(styled(
                format!("{label}: {what}"),
                color,
                i == 1,
                snapshot.points(&format!("{run}.{metric}")),
            ));
        }
    }
    ChartSpec {
        id: "mislabeled".into(),
        annotations: Vec::new(),
        title: "What the network predicts for the mislabeled examples".into(),
        caption: "For the training examples whose label was flipped: the fraction predicted as \
                  their true label, as the wrong label they were given (memorized), or as \
                  something else. Solid: cross-entropy; dashed: with ELR. The paper's Figure 1."
            .into(),
        x: Axis::log("step"),
        y: Axis::linear("fraction of mislabeled examples").with_range(0.0, 1.0),
        series,
        notes: vec![],
    }
}

fn accuracy_chart(snapshot: &Snapshot) -> ChartSpec {
    let mut series = Vec::new();
    for (run, label, color) in RUNS {
        series.push(ChartSeries::line(
            format!("{label}: test"),
            color,
            snapshot.points(&format!("{run}.test_accuracy")),
        ));
        series.push(ChartSeries::dashed(
            format!("{label}: clean training examples"),
            color,
            snapshot.points(&format!("{run}.clean_train_accuracy")),
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

fn agreement_chart(snapshot: &Snapshot) -> ChartSpec {
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
        series: vec![ChartSeries::line(
            "CE + ELR",
            palette::BLUE,
            snapshot.points("elr.target_agreement"),
        )],
        notes: vec![],
    }
}

/// Run `r`'s predicted classes for the view (grid points or shown digits) in a snapshot.
fn view_predictions(snapshot: &Snapshot, r: usize) -> Vec<usize> {
    snapshot
        .series
        .get(&format!("{}.view_prediction", RUNS[r].0))
        .map(|s| s.y.iter().map(|c| *c as usize).collect())
        .unwrap_or_default()
}

fn boundary_chart(
    run: &str,
    label: &str,
    preds: &[usize],
    pts: &[(f64, f64)],
    noisy: &[usize],
    flipped: &[bool],
) -> ChartSpec {
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
    ChartSpec {
        id: format!("boundary-{run}"),
        annotations: Vec::new(),
        title: format!("Decision regions: {label}"),
        caption: format!(
            "Background: the class {label} predicts at each point. Dots: training points in the \
             colour of their (possibly wrong) label; ringed: the flipped ones."
        ),
        x: Axis::linear("x₁").with_range(-GRID_EXTENT, GRID_EXTENT),
        y: Axis::linear("x₂").with_range(-GRID_EXTENT, GRID_EXTENT),
        series,
        notes: vec![],
    }
}

fn digits_chart(
    pixels: &[f32],
    noisy: &[usize],
    truth: &[usize],
    predictions: &[Vec<usize>],
) -> ChartSpec {
    let mut series = Vec::new();
    let mut annotations = Vec::new();
    // Two rows of four images, each 8 × 8 cells with three lines of labels under it: the
    // given label (true digit), then each run's prediction, a wrong one red and crossed.
    for (k, image) in pixels.chunks(DIGIT_PIXELS).enumerate() {
        let x0 = (k % 4) as f64 * 11.0;
        let y0 = if k < 4 { 14.0 } else { 0.0 };
        series.push(ChartSeries::image(image, 8, x0, y0 + 8.0));
        annotations.push(Label::new(
            x0 + 4.0,
            y0 - 0.2,
            format!("{} (true {})", noisy[k], truth[k]),
        ));
        for (r, name) in ["CE", "ELR"].into_iter().enumerate() {
            let y = y0 - 1.9 - 1.7 * r as f64;
            annotations.push(match predictions.get(r).and_then(|p| p.get(k)) {
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
        caption: "A few training images whose label was flipped. Under each: the label the \
                  networks were given (the true digit in brackets), then what each run predicts \
                  now; a prediction that is not the true digit is red and marked ✗. Memorizing \
                  means predicting the given label."
            .into(),
        x: Axis::hidden(-1.0, 44.0),
        y: Axis::hidden(-5.5, 22.5),
        series,
        notes: vec![],
        annotations,
    }
}

#[cfg(test)]
mod tests;
