//! The frozen-subspace lab's charts: errors over time beside the theory, the spectrum of
//! XᵀX, where the weights move, the error against α across runs, and the batch-size comparison.

use phenomena_charts::{Axis, ChartSpec, Color, Series as ChartSeries, palette};

use super::experiment::{BATCH_RUNS, BatchStudy, FrozenSubspace};
use super::theory::{Problem, Time, decay_gain, decay_stops_mattering, mp_density, mp_edges};
use crate::fork::FORK_RUN;
use crate::harness::Experiment;
use crate::lab::{Params, RunSummary, Snapshot, fmt_num};

/// The fork's colour: one more run beside lines whose colours are taken.
const FORK_COLOR: Color = palette::PURPLE;

/// The error axis: fitted to the data, except while a diverged student is stopped and the
/// other trains on. Then it spans the theory and the training student, and the diverged
/// curve leaves through the top instead of flattening every other one.
fn error_axis(
    lab: &FrozenSubspace,
    snapshot: &Snapshot,
    theory_eg: &[(f64, f64)],
    theory_et: &[(f64, f64)],
) -> Axis {
    if lab.stopped.is_empty() || snapshot.diverged.is_some() {
        return Axis::linear("error");
    }
    let training = ["linear", "network", FORK_RUN]
        .into_iter()
        .filter(|run| !lab.stopped.iter().any(|s| s == run))
        .flat_map(|run| [format!("{run}.E_g"), format!("{run}.E_t")])
        .filter_map(|name| snapshot.series.get(&name))
        .flat_map(|s| s.y.iter().copied());
    let theory = theory_eg.iter().chain(theory_et).map(|(_, v)| *v);
    let top = training
        .chain(theory)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    Axis::linear("error").with_range(0.0, 1.1 * top.max(1e-9))
}

pub fn errors(lab: &FrozenSubspace, snapshot: &Snapshot) -> ChartSpec {
    let theory_eg: Vec<(f64, f64)> = lab
        .theory
        .over_time
        .iter()
        .map(|(k, g, _)| (*k, *g))
        .collect();
    let theory_et: Vec<(f64, f64)> = lab
        .theory
        .over_time
        .iter()
        .map(|(k, _, t)| (*k, *t))
        .collect();
    let mut chart = ChartSpec {
        id: "errors".into(),
        annotations: Vec::new(),
        title: "Training and generalization error".into(),
        caption: "Dots: the linear student trained on this page; lines: the Advani–Saxe \
                  theory for the same α, noise, initialization and learning rate; orange: the \
                  one-hidden-layer network on the same data. E_g below its start then rising \
                  is overtraining, and the green dot marks the theory's best step to stop; \
                  the frozen subspace keeps E_g above zero forever when α < 1."
            .into(),
        x: Axis::log("step"),
        y: error_axis(lab, snapshot, &theory_eg, &theory_et),
        series: vec![
            ChartSeries::line("E_g theory", palette::BLACK, theory_eg),
            ChartSeries::dashed("E_t theory", palette::GREY, theory_et),
            ChartSeries::dots("E_g linear", palette::BLUE, snapshot.points("linear.E_g")),
            ChartSeries::dots("E_t linear", palette::SKY, snapshot.points("linear.E_t")),
            ChartSeries::line(
                "E_g network",
                palette::ORANGE,
                snapshot.points("network.E_g"),
            ),
            ChartSeries::dashed(
                "E_t network",
                palette::ORANGE,
                snapshot.points("network.E_t"),
            ),
        ],
        notes: vec![],
    };
    if let Some(label) = lab.fork_label() {
        chart.series.push(ChartSeries::line(
            format!("E_g {label}"),
            FORK_COLOR,
            snapshot.points(&format!("{FORK_RUN}.E_g")),
        ));
        chart.series.push(ChartSeries::dashed(
            format!("E_t {label}"),
            FORK_COLOR,
            snapshot.points(&format!("{FORK_RUN}.E_t")),
        ));
    }
    // The optimal stopping time (the theory's lowest E_g), where it falls inside the run and
    // stopping there gains something (E_g rises by over 1 % after it).
    let (step, eg) = lab.theory.best_stop;
    let last = lab.theory.over_time.last().map_or(f64::NAN, |(_, g, _)| *g);
    if step < lab.planned_steps() as f64 && last > 1.01 * eg {
        let mut marker = ChartSeries::dots("best stop, theory", palette::GREEN, vec![(step, eg)]);
        // Larger than the run's dots around it, so it shows among them.
        marker.mark = phenomena_charts::Mark::Dots { radius: 6.0 };
        chart.series.push(marker);
        chart.notes.push(format!(
            "best step to stop (theory): {} (E_g = {:.3}; then {:.3} at the last step)",
            fmt_num(step),
            eg,
            last
        ));
    }
    chart
}

pub fn spectrum(lab: &FrozenSubspace) -> ChartSpec {
    let alpha = lab.problem.alpha;
    let n = lab.data.n as f64;
    let (lo, hi) = mp_edges(alpha);
    let top = lab.spectrum.eigenvalues.iter().copied().fold(hi, f64::max) * 1.02;
    let bins = 40usize;
    let width = top / bins as f64;
    let mut counts = vec![0usize; bins];
    for &l in &lab.spectrum.eigenvalues {
        let i = ((l / width) as usize).min(bins - 1);
        counts[i] += 1;
    }
    // Heights as a density per input dimension, the normalization of ρ(λ).
    let bars = counts
        .iter()
        .enumerate()
        .map(|(i, c)| ((i as f64 + 0.5) * width, *c as f64 / (n * width)))
        .collect();
    let density = (0..=300)
        .map(|i| lo + (hi - lo) * i as f64 / 300.0)
        .map(|l| (l, mp_density(alpha, l)))
        .collect();
    let mut notes = vec![format!("λ₋ = {:.3}, λ₊ = {:.3}", lo, hi)];
    if lab.spectrum.zero_count > 0 {
        notes.push(format!(
            "+ mass {:.2} at λ = 0 ({} frozen directions)",
            lab.spectrum.zero_count as f64 / n,
            lab.spectrum.zero_count
        ));
    }
    ChartSpec {
        id: "spectrum".into(),
        annotations: Vec::new(),
        title: "Eigenvalues of XᵀX".into(),
        caption: "Bars: this run's eigenvalues; line: the Marchenko–Pastur density. Each \
                  eigenvalue λ is a direction learned at rate λ; directions with λ = 0 are \
                  never learned, and small λ amplify the label noise by 1/λ."
            .into(),
        x: Axis::linear("eigenvalue λ"),
        y: Axis::linear("density"),
        series: vec![
            ChartSeries::bars("this run", palette::SKY, width * 0.9, bars),
            ChartSeries::line("Marchenko–Pastur", palette::BLACK, density),
        ],
        notes,
    }
}

pub fn alpha(lab: &FrozenSubspace, snapshot: &Snapshot, history: &[RunSummary]) -> ChartSpec {
    let best = lab
        .theory
        .over_alpha
        .iter()
        .map(|(a, b, _)| (*a, *b))
        .collect();
    let end = lab
        .theory
        .over_alpha
        .iter()
        .map(|(a, _, e)| (*a, *e))
        .collect();
    // Only runs with the same noise and initialization share these theory curves.
    let comparable = |p: &Params| {
        ["snr", "init_scale", "weight_decay"]
            .iter()
            .all(|k| (p.get(k) - lab.params.get(k)).abs() < 1e-9)
    };
    let mut sim_best = Vec::new();
    let mut sim_end = Vec::new();
    let current = lab.summary(snapshot);
    for run in history.iter().chain(current.iter()) {
        if !comparable(&run.params) {
            continue;
        }
        let a = run.values["alpha"];
        sim_best.push((a, run.values["best_E_g"]));
        sim_end.push((a, run.values["final_E_g"]));
    }
    // The theory may diverge (α = 1) and is clipped, but every run's dot stays in view.
    let highest_run = sim_best
        .iter()
        .chain(&sim_end)
        .map(|(_, e)| *e)
        .filter(|e| e.is_finite())
        .fold(0.0, f64::max);
    let sweep = lab
        .sweep
        .as_ref()
        .map(|s| s.latest(snapshot))
        .unwrap_or_default();
    let plain_sweep = lab
        .sweep
        .as_ref()
        .and_then(|s| s.latest_plain(snapshot))
        .unwrap_or_default();
    let highest_sweep = sweep
        .iter()
        .chain(&plain_sweep)
        .map(|(_, e, _)| *e)
        .filter(|e| e.is_finite());
    let y_max = (lab.problem.asymptotic_generalization_error().min(4.0))
        .max(lab.problem.weight_var_plus_noise() * 1.1)
        .max(2.0)
        .max(highest_run * 1.08)
        .max(highest_sweep.fold(0.0, f64::max) * 1.08);
    let mut series = vec![
        ChartSeries::line("best stopping, theory", palette::GREEN, best),
        ChartSeries::line("t → ∞, theory", palette::BLACK, end),
    ];
    let decay = lab.problem.weight_decay;
    let forever = if decay > 0.0 {
        format!(
            "forever (black), which weight decay γ = {} keeps finite at α = 1",
            fmt_num(decay)
        )
    } else {
        "forever (black), which diverges at α = 1".to_string()
    };
    let mut caption = format!(
        "Lines: theory for the best early-stopping time (green) and after training {forever}. \
         Dots: runs on this page (the current one and earlier ones with the same SNR, initial \
         scale and weight decay) — change α and reset to add points."
    );
    let mut notes = Vec::new();
    if decay > 0.0 {
        let (plain, meet) = lab.theory.without_decay(&lab.problem);
        series.push(ChartSeries::dashed("t → ∞, no decay", palette::GREY, plain));
        notes.push(match meet {
            Some(a) => {
                format!("past α ≈ {a:.1}, weight decay gains under 5 % after training forever")
            }
            None => "weight decay still gains over 5 % at α = 4".to_string(),
        });
        caption.push_str(
            " Grey dashed: training forever without weight decay; with many examples per \
             weight the two meet and weight decay stops mattering.",
        );
    }
    if let Some(&(_, _, step)) = sweep.first() {
        // The theory at the sweep's step, on the same α grid as the other curves.
        let at_step = Time::Steps {
            lr: lab.params.get("lr"),
            steps: step,
        };
        let now = lab
            .theory
            .over_alpha
            .iter()
            .map(|(a, _, _)| {
                (
                    *a,
                    Problem {
                        alpha: *a,
                        ..lab.problem
                    }
                    .generalization_error(at_step),
                )
            })
            .collect();
        series.push(ChartSeries::dashed(
            "theory at this step",
            palette::BLUE,
            now,
        ));
        series.push(ChartSeries::dots(
            if plain_sweep.is_empty() {
                "α sweep, mean of 4 seeds"
            } else {
                "α sweep with decay, mean of 4 seeds"
            },
            palette::BLUE,
            sweep.iter().map(|(a, e, _)| (*a, *e)).collect(),
        ));
        let mut note = format!("α sweep at step {}", fmt_num(step));
        caption.push_str(
            " Blue: the α sweep, sixteen α on four seeds trained in one batch, at the step it \
             has reached (dots, the mean over seeds), and the theory at that step (dashed).",
        );
        if !plain_sweep.is_empty() {
            series.push(ChartSeries::dots(
                "α sweep without decay",
                palette::GREY,
                plain_sweep.iter().map(|(a, e, _)| (*a, *e)).collect(),
            ));
            note = format!("{note}: {}", live_meeting(&sweep, &plain_sweep));
            caption.push_str(
                " Grey dots: the same sixty-four students trained beside them without weight \
                 decay.",
            );
        }
        notes.push(note);
    }
    series.push(ChartSeries::dots(
        "best stopping, runs",
        palette::GREEN,
        sim_best,
    ));
    series.push(ChartSeries::dots(
        "end of run, runs",
        palette::VERMILLION,
        sim_end,
    ));
    ChartSpec {
        id: "alpha".into(),
        annotations: Vec::new(),
        title: "Generalization error against α".into(),
        caption,
        x: Axis::linear("α = P/N").with_range(0.0, 4.1),
        y: Axis::linear("E_g").with_range(0.0, y_max),
        series,
        notes,
    }
}

/// What the live sweeps say of weight decay at their step: its gain at α = 1, and from which
/// α on it gains under 5 % over the sweep without it.
fn live_meeting(with: &[(f64, f64, f64)], without: &[(f64, f64, f64)]) -> String {
    let points: Vec<(f64, f64, f64)> = with
        .iter()
        .zip(without)
        .map(|((alpha, w, _), (_, p, _))| (*alpha, *w, *p))
        .collect();
    let peak = points
        .iter()
        .find(|(alpha, _, _)| (*alpha - 1.0).abs() < 1e-9)
        .map(|(_, w, p)| decay_gain(*w, *p));
    let meet = decay_stops_mattering(&points);
    let at_peak = peak.map_or(String::new(), |g| {
        format!("weight decay lowers E_g by {:.0} % at α = 1; ", 100.0 * g)
    });
    match meet {
        Some(a) => format!("{at_peak}under 5 % from α = {a} on"),
        None => format!("{at_peak}still over 5 % at the largest α"),
    }
}

impl Problem {
    fn weight_var_plus_noise(&self) -> f64 {
        self.init_var + self.teacher_var + self.noise_var
    }
}

/// `fork`: the fork's name, whose norms are drawn too (purple: solid in the span, dashed in the
/// null space).
pub fn projection(snapshot: &Snapshot, fork: Option<&str>) -> ChartSpec {
    let mut series = vec![
        ChartSeries::line(
            "‖w‖ in data span",
            palette::BLUE,
            snapshot.points("linear.span_norm"),
        ),
        ChartSeries::line(
            "‖w‖ in null space",
            palette::VERMILLION,
            snapshot.points("linear.null_norm"),
        ),
    ];
    if let Some(label) = fork {
        series.push(ChartSeries::line(
            format!("{label}: in data span"),
            FORK_COLOR,
            snapshot.points(&format!("{FORK_RUN}.span_norm")),
        ));
        series.push(ChartSeries::dashed(
            format!("{label}: in null space"),
            FORK_COLOR,
            snapshot.points(&format!("{FORK_RUN}.null_norm")),
        ));
    }
    ChartSpec {
        id: "projection".into(),
        annotations: Vec::new(),
        title: "Where the weights move".into(),
        caption: "Norm of w inside the span of the inputs (blue) and in the null space the data \
                  never sees (orange-red). Gradient steps Xᵀ(y − Xw) lie in the span, so that curve \
                  is flat: that part of the initial weights is frozen. Fork the linear student \
                  with weight decay (purple) and its null-space part decays; at a new learning \
                  rate it stays."
            .into(),
        x: Axis::log("step"),
        y: Axis::linear("norm").from_zero(),
        series,
        notes: vec![],
    }
}

/// Hoffer et al.'s comparison: E_g of the full-batch network student and the two small-batch
/// ones against the number of updates each has taken.
pub fn batch_size(lab: &FrozenSubspace, study: &BatchStudy, snapshot: &Snapshot) -> ChartSpec {
    let per_epoch = study.per_epoch as f64;
    // Updates taken by step k: k for the full batch and for "same updates", k·⌊P/B⌋ for
    // "same epochs"; the log axis starts at the first update.
    let by_updates = |name: &str, per_step: f64| -> Vec<(f64, f64)> {
        snapshot
            .points(name)
            .into_iter()
            .filter(|(k, _)| *k >= 1.0)
            .map(|(k, e)| (k * per_step, e))
            .collect()
    };
    let runs = [
        ("network.E_g", "full batch", 1.0, palette::BLACK),
        (
            "small_epochs.E_g",
            BATCH_RUNS[0].1,
            per_epoch,
            palette::VERMILLION,
        ),
        ("small_updates.E_g", BATCH_RUNS[1].1, 1.0, palette::SKY),
    ];
    let mut series = Vec::new();
    let mut ends = Vec::new();
    for (name, label, per_step, color) in runs {
        let points = by_updates(name, per_step);
        if let Some(&(updates, e)) = points.last() {
            ends.push(format!(
                "{label} {} ({} updates)",
                fmt_num(e),
                fmt_num(updates)
            ));
        }
        series.push(ChartSeries::line(label, color, points));
    }
    let p = lab.data.p;
    ChartSpec {
        id: "batch-size".into(),
        annotations: Vec::new(),
        title: "Batch size: E_g against the number of updates".into(),
        caption: format!(
            "The network student with the full batch (P = {p}) beside two copies trained by \
             mini-batch SGD with B = {} from the same start, each step's gradient scaled by P/B: \
             one for as many epochs ({} updates a step), one for as many updates (one a step). \
             Hoffer et al. (2017) argue the large-batch gap comes from taking fewer updates, not \
             from the batch size: if so, the three curves agree when drawn against updates.",
            study.size, study.per_epoch
        ),
        x: Axis::log("updates"),
        y: Axis::linear("E_g").from_zero(),
        series,
        notes: if ends.is_empty() {
            Vec::new()
        } else {
            vec![format!("now: {}", ends.join("; "))]
        },
    }
}
