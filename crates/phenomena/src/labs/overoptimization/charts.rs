//! The overoptimization lab's charts: gold reward against KL with best-of-n and the Gao
//! fits, the reward gap, log-ratios, OOD mass, the policies, and preference accuracy.

use phenomena_charts::{Axis, ChartSpec, Color, Series as ChartSeries, palette};

use super::data::{IN_DISTRIBUTION, Responses};
use super::experiment::{Overoptimization, gold_vs_root_kl};
use super::theory::Form;
use crate::lab::Snapshot;

/// A run as the charts draw it: its recorder name, its label and colour (a fork's label says
/// what changed and when).
pub struct RunLine {
    pub id: &'static str,
    pub label: String,
    pub color: Color,
    /// The run whose start its changes are measured from: itself, or a fork's base.
    pub origin: &'static str,
}

pub fn gold_vs_kl(lab: &Overoptimization, runs: &[RunLine], snapshot: &Snapshot) -> ChartSpec {
    let gold0 = Responses::expect(&lab.responses.reference, &lab.responses.gold);
    let mut series = Vec::new();
    for run in runs {
        series.push(ChartSeries::line(
            &run.label,
            run.color,
            gold_vs_root_kl(snapshot, run.id),
        ));
    }
    series.push(ChartSeries::dots(
        "best-of-n (n = 1…1024)",
        palette::GREEN,
        lab.best_of_n
            .iter()
            .map(|b| (b.kl.sqrt(), b.gold))
            .collect(),
    ));
    let (bon_fit, rl_fit) = lab.fits(snapshot);
    let max_d = lab
        .best_of_n
        .iter()
        .map(|b| b.kl.sqrt())
        .chain(gold_vs_root_kl(snapshot, "rlhf").into_iter().map(|p| p.0))
        .fold(0.0, f64::max);
    let mut notes = Vec::new();
    for (fit, name, color) in [
        (bon_fit, "best-of-n", palette::GREEN),
        (rl_fit, "RL", palette::ORANGE),
    ] {
        if let Some(f) = fit {
            let curve = (0..=80)
                .map(|i| max_d * i as f64 / 80.0)
                .map(|d| (d, gold0 + f.eval(d)))
                .collect();
            series.push(ChartSeries::dashed(
                format!("Gao fit, {name}"),
                color,
                curve,
            ));
            notes.push(format!(
                "{name}: R = d({:.2} − {:.2}·{}), R² = {:.2}",
                f.alpha,
                f.beta,
                if f.form == Form::Rl { "log d" } else { "d" },
                f.r2
            ));
        }
    }
    ChartSpec {
        id: "gold-vs-kl".into(),
        annotations: Vec::new(),
        title: "Gold reward against distance from π_ref".into(),
        caption: "Each run's gold (true) reward against √KL(π‖π_ref), with best-of-n on the \
                  proxy for comparison and Gao et al.'s functional forms fitted to the points \
                  (R² printed: this discrete toy falls faster than the forms allow). Moving \
                  further from π_ref first helps, then hurts."
            .into(),
        x: Axis::linear("√KL(π‖π_ref)").from_zero(),
        y: Axis::linear("gold reward").with_range(0.0, 2.1),
        series,
        notes,
    }
}

pub fn policy(lab: &Overoptimization, runs: &[RunLine], snapshot: &Snapshot) -> ChartSpec {
    // The bars of every run side by side within one response's slot.
    let width = 0.81 / runs.len() as f64;
    let centre = (runs.len() as f64 - 1.0) / 2.0;
    let policies: Vec<Vec<f64>> = runs
        .iter()
        .map(|run| {
            snapshot
                .series
                .get(&format!("{}.policy", run.id))
                .map(|s| s.y.clone())
                .unwrap_or_default()
        })
        .collect();
    let mut series: Vec<ChartSeries> = runs
        .iter()
        .zip(&policies)
        .enumerate()
        .map(|(i, (run, p))| {
            let offset = (i as f64 - centre) * width;
            ChartSeries::bars(
                &run.label,
                run.color,
                width * 0.95,
                p.iter()
                    .enumerate()
                    .map(|(a, v)| (a as f64 + offset, *v))
                    .collect(),
            )
        })
        .collect();
    series.push(ChartSeries::dashed(
        "π_ref",
        palette::GREY,
        lab.responses
            .reference
            .iter()
            .enumerate()
            .map(|(a, v)| (a as f64, *v))
            .collect(),
    ));
    let ood_start = IN_DISTRIBUTION as f64 - 0.5;
    ChartSpec {
        id: "policy".into(),
        annotations: Vec::new(),
        title: "The policies now".into(),
        caption: format!(
            "Probability of each response. 0–{} are the responses in the data, gold reward \
             rising from 0 to 2 left to right; {}–{} (right of {ood_start}) are the long, \
             zero-quality responses outside it.",
            IN_DISTRIBUTION - 1,
            IN_DISTRIBUTION,
            lab.responses.len() - 1
        ),
        x: Axis::linear("response (in data | out of distribution →)"),
        y: Axis::linear("probability").with_range(0.0, 1.0),
        series,
        notes: vec![format!(
            "responses ≥ {IN_DISTRIBUTION}: out of distribution, gold reward 0"
        )],
    }
}

pub fn reward_gap(runs: &[RunLine], snapshot: &Snapshot) -> ChartSpec {
    let mut series = Vec::new();
    for RunLine {
        id,
        label,
        color,
        origin,
    } in runs
    {
        let color = *color;
        let relative = |name: &str| -> Vec<(f64, f64)> {
            let pts = snapshot.points(&format!("{id}.{name}"));
            let origin = snapshot.points(&format!("{origin}.{name}"));
            let start = origin.first().map(|p| p.1).unwrap_or(0.0);
            pts.into_iter().map(|(x, y)| (x, y - start)).collect()
        };
        series.push(ChartSeries::line(
            format!("{label}: gold"),
            color,
            relative("gold"),
        ));
        series.push(ChartSeries::dashed(
            format!("{label}: proxy"),
            color,
            relative("proxy"),
        ));
    }
    ChartSpec {
        id: "reward-gap".into(),
        annotations: Vec::new(),
        title: "Proxy reward climbs, gold reward does not".into(),
        caption: "Change since the start in the proxy reward (dashed: the Bradley–Terry reward \
                  model fitted to the pairs, which scores quality and length equally) and in the \
                  gold reward (solid). With coverage 0 the proxy keeps rising for RLHF and DPO \
                  while the gold reward turns down: the gap is overoptimization."
            .into(),
        x: Axis::log("step"),
        y: Axis::linear("reward − reward at start"),
        series,
        notes: vec![],
    }
}

pub fn log_ratio(runs: &[RunLine], snapshot: &Snapshot) -> ChartSpec {
    let mut series = Vec::new();
    for RunLine {
        id: run,
        label,
        color,
        ..
    } in runs
    {
        let color = *color;
        series.push(ChartSeries::line(
            format!("{label}: chosen"),
            color,
            snapshot.points(&format!("{run}.chosen_log_ratio")),
        ));
        series.push(ChartSeries::dashed(
            format!("{label}: rejected"),
            color,
            snapshot.points(&format!("{run}.rejected_log_ratio")),
        ));
    }
    ChartSpec {
        id: "log-ratios".into(),
        annotations: Vec::new(),
        title: "log π − log π_ref of chosen and rejected responses".into(),
        caption: "DPO widens the margin between chosen and rejected by pushing both down — the \
                  chosen responses' likelihood falls too, and the freed mass goes to responses \
                  no pair constrains. RPO's SFT term holds the chosen likelihood up."
            .into(),
        x: Axis::log("step"),
        y: Axis::linear("mean log-ratio"),
        series,
        notes: vec![],
    }
}

pub fn over_steps(
    runs: &[RunLine],
    snapshot: &Snapshot,
    id: &str,
    metric: &str,
    title: &str,
    y: &str,
    caption: &str,
) -> ChartSpec {
    ChartSpec {
        id: id.into(),
        annotations: Vec::new(),
        title: title.into(),
        caption: caption.into(),
        x: Axis::log("step"),
        y: Axis::linear(y).with_range(0.0, 1.0),
        // Decreasing widths keep runs that coincide (accuracy) visible on top of each other.
        series: runs
            .iter()
            .zip([5.0, 3.0, 1.5, 1.0])
            .map(|(run, width)| {
                let mut s = ChartSeries::line(
                    &run.label,
                    run.color,
                    snapshot.points(&format!("{}.{metric}", run.id)),
                );
                s.mark = phenomena_charts::Mark::Line {
                    width,
                    dashed: false,
                };
                s
            })
            .collect(),
        notes: vec![],
    }
}
