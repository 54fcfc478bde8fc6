//! The simplicity-bias charts: every run's curves as mean ± band over seeds, USEFUL's split,
//! and the dominoes grid.

use phenomena_charts::{Axis, ChartSpec, Color, Label, Mark, Series as ChartSeries, palette};

use super::experiment::{DRAW_ORDER, PATH_POINTS, RUNS, SOUPS, SimplicityBias};
use super::model::Arch;
use crate::digits::DIGIT_PIXELS;
use crate::fork::FORK_RUN;
use crate::lab::Snapshot;

/// The fork's colour: grey, since GD, which it copies, is black.
const FORK_COLOR: Color = palette::GREY;

/// Run `r`'s line: solid or dashed, `width` wide.
fn run_line(
    label: String,
    color: Color,
    dashed: bool,
    width: f64,
    points: Vec<(f64, f64)>,
) -> ChartSeries {
    let mut line = if dashed {
        ChartSeries::dashed(label, color, points)
    } else {
        ChartSeries::line(label, color, points)
    };
    line.mark = Mark::Line {
        width: if dashed { width * 0.8 } else { width },
        dashed,
    };
    line
}

/// The runs a chart draws: those trained (indices into `RUNS`) and the fork's name, if any.
#[derive(Clone, Copy)]
pub(super) struct Drawn<'a> {
    pub runs: &'a [usize],
    pub fork: Option<&'a str>,
}

/// The runs drawn in drawing order, then the fork (recorded as `fork`), with their colours
/// and line widths.
fn runs_in_order<'a>(
    Drawn { runs, fork }: Drawn<'a>,
) -> impl Iterator<Item = (&'static str, String, Color, f64)> + 'a {
    DRAW_ORDER
        .iter()
        .filter(move |(r, _)| runs.contains(r))
        .map(|&(r, width)| {
            let (key, label, color) = RUNS[r];
            (key, label.to_string(), color, width)
        })
        .chain(fork.map(|label| (FORK_RUN, label.to_string(), FORK_COLOR, 2.0)))
}

/// The values series `name` can take: an alignment (a largest weight magnitude) is never
/// negative, and every other series drawn with a band is an accuracy.
fn value_range(name: &str) -> (f64, f64) {
    if name.contains(".align_") {
        (0.0, f64::INFINITY)
    } else {
        (0.0, 1.0)
    }
}

/// The band mean ± std at `x`, clipped to `(low, high)`, the values the series can take.
fn clipped_band(
    color: Color,
    x: &[f64],
    mean: &[f64],
    std: &[f64],
    (low, high): (f64, f64),
) -> ChartSeries {
    let lower: Vec<f64> = mean
        .iter()
        .zip(std)
        .map(|(m, s)| (m - s).max(low))
        .collect();
    let upper: Vec<f64> = mean
        .iter()
        .zip(std)
        .map(|(m, s)| (m + s).min(high))
        .collect();
    ChartSeries::band(color, x, &lower, &upper)
}

/// The mean line of a series and, with several seeds, its ± std band, clipped to the values
/// the series can take (a band below an alignment of 0 would show what no seed did).
pub(super) fn with_band(
    snapshot: &Snapshot,
    name: &str,
    label: String,
    color: Color,
    (dashed, width): (bool, f64),
    seeds: usize,
) -> Vec<ChartSeries> {
    let mut out = Vec::new();
    if seeds > 1
        && let (Some(m), Some(s)) = (
            snapshot.series.get(name),
            snapshot.series.get(&format!("{name}.std")),
        )
    {
        out.push(clipped_band(color, &m.x, &m.y, &s.y, value_range(name)));
    }
    out.push(run_line(label, color, dashed, width, snapshot.points(name)));
    out
}

pub(super) fn per_run_chart(
    snapshot: &Snapshot,
    id: &str,
    metric: &str,
    title: &str,
    caption: &str,
    seeds: usize,
    drawn: Drawn,
) -> ChartSpec {
    ChartSpec {
        id: id.into(),
        annotations: Vec::new(),
        title: title.into(),
        caption: caption.into(),
        x: Axis::log("step of the run"),
        y: Axis::linear("accuracy").with_range(0.4, 1.0),
        series: runs_in_order(drawn)
            .flat_map(|(run, label, color, width)| {
                with_band(
                    snapshot,
                    &format!("{run}.{metric}"),
                    label,
                    color,
                    (false, width),
                    seeds,
                )
            })
            .collect(),
        notes: vec![],
    }
}

pub(super) fn randomized_chart(snapshot: &Snapshot, seeds: usize, drawn: Drawn) -> ChartSpec {
    let mut series = Vec::new();
    for (run, label, color, width) in runs_in_order(drawn) {
        series.extend(with_band(
            snapshot,
            &format!("{run}.s_randomized"),
            label.clone(),
            color,
            (false, width),
            seeds,
        ));
        series.extend(unlisted(with_band(
            snapshot,
            &format!("{run}.sc_randomized"),
            format!("{label}: Sᶜ-randomized"),
            color,
            (true, width),
            seeds,
        )));
    }
    ChartSpec {
        id: "randomized".into(),
        annotations: Vec::new(),
        title: "Accuracy with the simple or the other features shuffled".into(),
        caption: "S-randomized (solid): the simple feature is permuted across test examples, so \
                  only the others carry the label. Sᶜ-randomized (dashed): everything but the \
                  simple feature is permuted. Near 0.5 solid and 1.0 dashed means the network \
                  uses the simple feature alone."
            .into(),
        x: Axis::log("step of the run"),
        y: Axis::linear("accuracy").with_range(0.4, 1.0),
        series,
        notes: vec!["solid: S-randomized; dashed: Sᶜ-randomized".into()],
    }
}

/// Keeps a companion line (and its band) out of the legend.
fn unlisted(series: Vec<ChartSeries>) -> Vec<ChartSeries> {
    series.into_iter().map(ChartSeries::unlisted).collect()
}

pub(super) fn alignment_chart(snapshot: &Snapshot, seeds: usize, drawn: Drawn) -> ChartSpec {
    let mut series = Vec::new();
    for (run, label, color, width) in runs_in_order(drawn) {
        series.extend(with_band(
            snapshot,
            &format!("{run}.align_slow"),
            label.clone(),
            color,
            (false, width),
            seeds,
        ));
        series.push(
            run_line(
                format!("{label}: fast v_e"),
                color,
                true,
                width,
                snapshot.points(&format!("{run}.align_fast")),
            )
            .unlisted(),
        );
    }
    let mut notes = vec!["solid: slow feature v_d; dashed: fast feature v_e".to_string()];
    let mut line = Vec::new();
    for (run, label, _) in RUNS {
        if let (Some(step), Some(n)) = (
            snapshot.scalars.get(&format!("{run}.slow_alignment_step")),
            snapshot.scalars.get(&format!("{run}.seeds_aligned")),
        ) {
            // With no seed aligned the step is only a placeholder past the run's end.
            line.push(if *n > 0.0 {
                format!("{label} {n:.0}/{seeds} (step {step:.0})")
            } else {
                format!("{label} 0/{seeds}")
            });
        }
    }
    if !line.is_empty() {
        notes.push(format!(
            "seeds with slow alignment > 0.5 (mean step): {}",
            line.join(", ")
        ));
    }
    ChartSpec {
        id: "alignment".into(),
        annotations: Vec::new(),
        title: "Alignment of the filters with the fast and the slow feature".into(),
        caption: "max_j |⟨w_j, v⟩| for the fast feature v_e (dashed) and the slow one v_d (solid, \
                  with a ± std band over seeds). Every run picks up v_e first; the question is \
                  whether v_d is ever learned."
            .into(),
        x: Axis::log("step of the run"),
        y: Axis::linear("alignment").from_zero(),
        series,
        notes,
    }
}

pub(super) fn fast_split_chart(snapshot: &Snapshot, seeds: usize, drawn: Drawn) -> ChartSpec {
    let mut series = Vec::new();
    for (run, label, color, width) in runs_in_order(drawn) {
        series.extend(with_band(
            snapshot,
            &format!("{run}.accuracy_without_fast"),
            label.clone(),
            color,
            (false, width),
            seeds,
        ));
        series.push(
            run_line(
                format!("{label}: with the fast feature"),
                color,
                true,
                width,
                snapshot.points(&format!("{run}.accuracy_with_fast")),
            )
            .unlisted(),
        );
    }
    ChartSpec {
        id: "fast-split".into(),
        annotations: Vec::new(),
        title: "Test accuracy with and without the fast feature".into(),
        caption: "Examples carrying the fast feature (dashed) are easy for every run. Those \
                  without it (solid) can only be classified through the slow feature: this is \
                  where learning it pays."
            .into(),
        x: Axis::log("step of the run"),
        y: Axis::linear("accuracy").with_range(0.4, 1.0),
        series,
        notes: vec!["solid: without the fast feature; dashed: with it".into()],
    }
}

impl SimplicityBias {
    pub(super) fn split_chart(&self, snapshot: &Snapshot) -> ChartSpec {
        let (Some(out), Some(slow), Some(fast)) = (
            snapshot.series.get("split.outputs"),
            snapshot.series.get("split.slow"),
            snapshot.series.get("split.has_fast"),
        ) else {
            return ChartSpec {
                id: "useful-split".into(),
                annotations: Vec::new(),
                title: "USEFUL's split (after the clustering step)".into(),
                caption: format!(
                    "At step {} USEFUL clusters GD's outputs per class and upsamples the \
                     slow cluster; the split appears here then.",
                    self.cluster_step
                ),
                x: Axis::linear("GD's output at the clustering step"),
                y: Axis::linear("class"),
                series: vec![],
                notes: vec![],
            };
        };
        // Spread each class vertically by a deterministic jitter so the points do not overlap.
        let pts: Vec<(f64, f64)> = out
            .x
            .iter()
            .zip(&out.y)
            .enumerate()
            .map(|(i, (o, c))| (*o, c + 0.35 * (((i * 37) % 100) as f64 / 100.0 - 0.5)))
            .collect();
        let colors = slow
            .y
            .iter()
            .map(|s| {
                if *s > 0.5 {
                    palette::VERMILLION
                } else {
                    palette::BLUE
                }
            })
            .collect();
        let mut series = vec![ChartSeries::colored(
            "slow cluster (orange-red) / fast cluster (blue)",
            Mark::Dots { radius: 2.5 },
            pts.clone(),
            colors,
        )];
        if matches!(self.arch, Arch::Patch { .. }) {
            series.push(ChartSeries {
                name: "no fast feature (truth)".into(),
                color: palette::BLACK,
                mark: Mark::Rings { radius: 5.0 },
                points: pts
                    .iter()
                    .zip(&fast.y)
                    .filter(|(_, f)| **f < 0.5)
                    .map(|(p, _)| *p)
                    .collect(),
                colors: Vec::new(),
                unlisted: false,
            });
        }
        let mut notes = Vec::new();
        if let (Some(p), Some(r), Arch::Patch { .. }) = (
            snapshot.scalars.get("useful.split_purity"),
            snapshot.scalars.get("useful.split_recall"),
            self.arch,
        ) {
            notes.push(format!(
                "slow clusters without the fast feature (purity): {:.2}; of those examples found \
                 (recall): {:.2} — mean over {} seeds",
                p,
                r,
                self.total_seeds()
            ));
        }
        ChartSpec {
            id: "useful-split".into(),
            annotations: Vec::new(),
            title: "USEFUL's split of the training set".into(),
            caption: format!(
                "GD's output for each training example at step {} (first seed), one row per \
                 class. Per class, 2-means splits the outputs; the cluster with the higher loss \
                 (orange-red) is upsampled for USEFUL's retraining. Rings mark the examples that truly \
                 lack the fast feature.",
                self.cluster_step
            ),
            x: Axis::linear("GD's output (logit) at the clustering step"),
            y: Axis::linear("class (jittered)").with_range(-0.5, 1.5),
            series,
            notes,
        }
    }

    pub(super) fn dominoes_chart(&self, snapshot: &Snapshot) -> Option<ChartSpec> {
        let (_, pixels, labels) = self.worlds[0].shown.as_ref()?;
        let mut series = Vec::new();
        let mut annotations = Vec::new();
        // Two rows of three; each domino drawn with its easy digit on the left and its hard
        // digit on the right; under it the label, then one prediction per run in the order of
        // RUNS at fixed places, a wrong one red and crossed.
        for (k, image) in pixels.chunks(2 * DIGIT_PIXELS).enumerate() {
            let x0 = (k % 3) as f64 * 19.0;
            let y0 = if k < 3 { 13.0 } else { 0.0 };
            let (easy, hard) = image.split_at(DIGIT_PIXELS);
            series.push(ChartSeries::image(easy, 8, x0, y0 + 8.0));
            series.push(ChartSeries::image(hard, 8, x0 + 8.5, y0 + 8.0));
            annotations.push(Label::new(
                x0 + 8.25,
                y0 - 0.2,
                format!("label {}", labels[k]),
            ));
            // The trained runs' predictions side by side, centred under the domino.
            let centre = (self.runs.len() as f64 - 1.0) / 2.0;
            for (i, &r) in self.runs.iter().enumerate() {
                let x = x0 + 8.25 + (i as f64 - centre) * 4.4;
                let pred = self.worlds[0].runs[r]
                    .as_ref()
                    .and_then(|_| running_prediction(snapshot, &self.worlds[0].runs, r, k));
                annotations.push(match pred {
                    Some(p) if p != labels[k] as u8 => {
                        Label::new(x, y0 - 2.1, format!("{p}✗")).colored(palette::VERMILLION)
                    }
                    Some(p) => Label::new(x, y0 - 2.1, p.to_string()),
                    None => Label::new(x, y0 - 2.1, "–"),
                });
            }
        }
        Some(ChartSpec {
            id: "dominoes".into(),
            title: "Dominoes, easy half randomized".into(),
            caption: "Left half: a 0 or 1 drawn at random; right half: the 3 (label 0) or 5 \
                      (label 1) that carries the label (in training the halves are stacked; they \
                      are drawn side by side here). Under each domino: its label, then the \
                      predictions of the runs trained, in the order GD, SAM, USEFUL, USEFUL + \
                      SAM (– before a run starts); wrong ones are red and marked ✗. A run that reads the easy \
                      half predicts from the left digit, so each of these six is a coin flip: on \
                      seeds 0–9 every run got between 0 and 4 of them wrong (0.50–0.55 over the \
                      whole test set)."
                .into(),
            x: Axis::hidden(-1.0, 57.0),
            y: Axis::hidden(-4.0, 21.5),
            series,
            notes: vec![],
            annotations,
        })
    }
}

/// Run `r`'s prediction (0 or 1) for shown domino `k`. The shown logits are kept for the
/// running runs only, in order, so run `r` is entry `r` minus the runs before it not running.
fn running_prediction(
    snapshot: &Snapshot,
    runs: &[Option<super::model::Run>],
    r: usize,
    k: usize,
) -> Option<u8> {
    let index = runs[..r].iter().filter(|run| run.is_some()).count();
    snapshot
        .series
        .get(&format!("shown.{index}"))
        .and_then(|p| p.y.get(k))
        .map(|z| u8::from(*z > 0.0))
}

/// The series a data set's story is told out of distribution: on the patch model the test
/// examples without the fast feature, elsewhere the test set with the simple feature
/// randomized; and its axis label.
fn out_of_distribution(arch: Arch) -> (&'static str, &'static str) {
    match arch {
        // The patch model with α = 0: every example without the fast feature, measured on the
        // test examples drawn without it.
        Arch::Patch { .. } => ("accuracy_without_fast", "accuracy without the fast feature"),
        Arch::Mlp => ("s_randomized", "accuracy, simple feature randomized"),
    }
}

/// The last value of series `name`, if recorded.
fn last(snapshot: &Snapshot, name: &str) -> Option<f64> {
    snapshot.series.get(name).and_then(|s| s.last())
}

impl SimplicityBias {
    /// The uniform and greedy soups beside the runs they average, out of distribution.
    pub(super) fn soups_chart(&self, snapshot: &Snapshot, seeds: usize) -> ChartSpec {
        let (metric, axis) = out_of_distribution(self.arch);
        let mut series = Vec::new();
        for (run, label, color, _) in runs_in_order(Drawn {
            runs: self.runs,
            fork: None,
        }) {
            series.push(run_line(
                label.to_string(),
                color,
                false,
                1.2,
                snapshot.points(&format!("{run}.{metric}")),
            ));
        }
        // One band (the uniform soup's): two overlapping spreads over seeds would hide the
        // lines.
        for (k, (soup, label, color)) in SOUPS.into_iter().enumerate() {
            series.extend(with_band(
                snapshot,
                &format!("{soup}.{metric}"),
                label.to_string(),
                color,
                (false, 2.6),
                if k == 0 { seeds } else { 1 },
            ));
        }
        let mut notes = Vec::new();
        match snapshot.series.get(&format!("soup.{metric}")) {
            Some(soup) => {
                let step = soup.x.last().copied().unwrap_or(0.0);
                let mut parts: Vec<String> = SOUPS
                    .iter()
                    .filter_map(|(key, label, _)| {
                        last(snapshot, &format!("{key}.{metric}"))
                            .map(|v| format!("{label} {v:.3}"))
                    })
                    .collect();
                if let Some(size) = last(snapshot, "greedy.size") {
                    parts.push(format!(
                        "the greedy soup takes {size:.1} of {} runs on average",
                        self.runs.len()
                    ));
                }
                notes.push(format!("at step {step:.0}: {}", parts.join("; ")));
            }
            None if self.trains_useful() => notes.push(
                "The soups start once every run trained has reached the same step (USEFUL \
                 restarts at the clustering step and catches up at two steps a step)."
                    .into(),
            ),
            None => notes.push("The soups start at the first recorded step.".into()),
        }
        ChartSpec {
            id: "soups".into(),
            annotations: Vec::new(),
            title: "Model soups: the runs' weights averaged".into(),
            caption: "Every run starts from the same initialization, so their weights can be \
                      averaged (Wortsman et al. 2022). The uniform soup is the mean of all the \
                      runs; the greedy soup takes the runs best first on a held-out validation \
                      set and keeps each one only if the average stays as accurate there. Thin \
                      lines: the runs themselves. No extra training: the soups are evaluated \
                      from the first step every run has reached, four times a decade, and at \
                      the last step."
                .into(),
            x: Axis::log("step of the run"),
            y: Axis::linear(axis).with_range(0.4, 1.0),
            series,
            notes,
        }
    }

    /// Accuracy in and out of distribution along the straight line in weight space from GD to
    /// USEFUL (or SAM), and the examples the path corrects that both ends get wrong.
    pub(super) fn path_chart(&self, snapshot: &Snapshot, seeds: usize) -> ChartSpec {
        let end = RUNS[self.path_end()].1;
        let t = |i: usize| i as f64 / (PATH_POINTS - 1) as f64;
        let along = |metric: &str| -> Option<(Vec<f64>, Vec<f64>)> {
            let mean = (0..PATH_POINTS)
                .map(|i| last(snapshot, &format!("path.{metric}_{i}")))
                .collect::<Option<Vec<f64>>>()?;
            let std = (0..PATH_POINTS)
                .map(|i| last(snapshot, &format!("path.{metric}_{i}.std")).unwrap_or(0.0))
                .collect();
            Some((mean, std))
        };
        let xs: Vec<f64> = (0..PATH_POINTS).map(t).collect();
        let mut series = Vec::new();
        let (_, ood_axis) = out_of_distribution(self.arch);
        let lines = [
            (
                "id",
                "in distribution (test set)".to_string(),
                palette::BLACK,
                false,
            ),
            (
                "ood",
                format!("out of distribution ({ood_axis})"),
                palette::BLUE,
                false,
            ),
            (
                "fixed",
                "wrong at both ends, right here (share of out of distribution)".to_string(),
                palette::GREEN,
                true,
            ),
        ];
        for (metric, label, color, dashed) in lines {
            let Some((mean, std)) = along(metric) else {
                continue;
            };
            if seeds > 1 {
                // Accuracies and shares: within [0, 1].
                series.push(clipped_band(color, &xs, &mean, &std, (0.0, 1.0)));
            }
            series.push(run_line(
                label,
                color,
                dashed,
                2.2,
                xs.iter().copied().zip(mean).collect(),
            ));
        }
        let mut notes = Vec::new();
        if let (Some((ood, _)), Some((fixed, _)), Some(both)) = (
            along("ood"),
            along("fixed"),
            last(snapshot, "path.both_wrong"),
        ) {
            let step = snapshot
                .series
                .get("path.ood_0")
                .and_then(|s| s.x.last().copied())
                .unwrap_or(0.0);
            let best = (0..PATH_POINTS)
                .max_by(|a, b| ood[*a].total_cmp(&ood[*b]))
                .expect("the path has points");
            notes.push(format!(
                "at step {step:.0}: best out of distribution at t = {:.1}, {:.3} (GD {:.3}, {end} {:.3})",
                t(best),
                ood[best],
                ood[0],
                ood[PATH_POINTS - 1]
            ));
            let most = fixed.iter().copied().fold(0.0, f64::max);
            notes.push(format!(
                "wrong at both ends: {:.1} % of the out-of-distribution examples; wrong at both \
                 ends but right at a point between: at most {:.1} %",
                100.0 * both,
                100.0 * most
            ));
        } else {
            notes.push(format!(
                "Drawn once GD and {end} have reached the same step; redrawn at two steps a \
                 decade and at the last step."
            ));
        }
        ChartSpec {
            id: "weight-path".into(),
            annotations: Vec::new(),
            title: format!("Between GD and {end} in weight space"),
            caption: format!(
                "Accuracy of the network (1 − t)·θ_GD + t·θ_{end} (WiSE-FT's interpolation, \
                 studied for spurious features by Lin et al.): in distribution, out of \
                 distribution, and (dashed) the share of out-of-distribution examples that both \
                 ends get wrong and this point gets right — the paper's \"FalseFalseTrue\" \
                 cases, which it finds common when the ends rely on different spurious \
                 features. Mean over seeds, band ± one standard deviation."
            ),
            x: Axis::linear(format!("t (0 = GD, 1 = {end})")).with_range(0.0, 1.0),
            y: Axis::linear("accuracy / share").with_range(0.0, 1.0),
            series,
            notes,
        }
    }
}
