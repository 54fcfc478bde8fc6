//! The question each preset asks before its run, answered by the run's own curves (see
//! `crate::quiz`). Thresholds sit well clear of what seeds 0–9 measured (docs/science.md).

use std::collections::BTreeMap;

use crate::lab::Snapshot;
use crate::quiz::{Answer, FALL_THEN, Quiz, fall_then, num};

pub const FROZEN: Quiz = Quiz {
    question: "Half as many examples as weights (α = 0.5). What will gradient descent do to the \
               part of the weights that lies in the null space of the data?",
    choices: &[
        "shrink it to under half its size",
        "leave it where it started (within 1 %)",
        "grow it to over 1.5 times its size",
    ],
    answer: null_space,
};

pub const PEAK: Quiz = Quiz {
    question: "As many examples as weights (α = 1), trained for 5 000 steps. What will the \
               test error E_g of the linear model do?",
    choices: &FALL_THEN,
    answer: linear_error,
};

pub const DECAY: Quiz = Quiz {
    question: "The same α = 1 run with weight decay γ = 0.2. What will the test error E_g of \
               the linear model do?",
    choices: &FALL_THEN,
    answer: linear_error,
};

pub const WELL: Quiz = Quiz {
    question: "Four examples per weight (α = 4). What will the test error E_g of the linear \
               model do?",
    choices: &FALL_THEN,
    answer: linear_error,
};

pub const LARGE_INIT: Quiz = Quiz {
    question: "Large initial weights (σ_w0 = 1.5) with half as many examples as weights. Where \
               will the linear model's test error E_g end?",
    choices: &[
        "near zero: under a fifth of where it started",
        "between a third and nine tenths of where it started",
        "above where it started",
    ],
    answer: large_init,
};

pub const SWEEP: Quiz = Quiz {
    question: "Sixteen values of α = examples per weight, trained at once for 5 000 steps. At \
               the end, at which α will the test error E_g (mean over the seeds) be highest?",
    choices: &SWEEP_CHOICES,
    answer: |s| highest_alpha(s, "sweep"),
};

pub const DECAY_SWEEP: Quiz = Quiz {
    question: "The same sweep with weight decay γ = 0.2 on every student (blue). After 3 000 \
               steps, at which α will its test error E_g (mean over the seeds) be highest?",
    choices: &SWEEP_CHOICES,
    answer: |s| highest_alpha(s, "sweep"),
};

pub const BATCH_SIZE: Quiz = Quiz {
    question: "After 5 epochs, the full batch has taken 5 updates and batches of 20 have taken \
               50. Which has the lower test error E_g?",
    choices: &[
        "the full batch, by more than 0.1",
        "the batches of 20, by more than 0.1",
        "about the same (within 0.05)",
    ],
    answer: batch_size,
};

const SWEEP_CHOICES: [&str; 3] = [
    "at the fewest examples per weight (α = 0.25)",
    "near α = 1 (0.75 to 1.25): about as many examples as weights",
    "at the most examples per weight (α = 4)",
];

fn linear_error(s: &Snapshot) -> Option<Answer> {
    fall_then(s, "linear.E_g", "E_g")
}

fn null_space(s: &Snapshot) -> Option<Answer> {
    let (first, last) = (s.first("linear.null_norm")?, s.last("linear.null_norm")?);
    let ratio = last / first;
    let choice = match ratio {
        r if (r - 1.0).abs() < 0.01 => 1,
        r if r < 0.5 => 0,
        r if r > 1.5 => 2,
        _ => return None,
    };
    let evidence = format!(
        "the null-space part's norm was {} at the start and {} at the end",
        num(first),
        num(last)
    );
    Some(Answer::new(choice, evidence))
}

fn large_init(s: &Snapshot) -> Option<Answer> {
    let (first, last) = (s.first("linear.E_g")?, s.last("linear.E_g")?);
    let choice = match last / first {
        r if r < 0.2 => 0,
        r if (0.33..=0.9).contains(&r) => 1,
        r if r > 1.0 => 2,
        _ => return None,
    };
    let evidence = format!(
        "E_g went from {} at the start to {} at the end",
        num(first),
        num(last)
    );
    Some(Answer::new(choice, evidence))
}

/// The sweep's `prefix.alpha{α}.seed{k}.E_g` series: the α whose mean final E_g is highest.
fn highest_alpha(s: &Snapshot, prefix: &str) -> Option<Answer> {
    let mut finals: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for name in s.series.keys() {
        let Some(rest) = name.strip_prefix(&format!("{prefix}.alpha")) else {
            continue;
        };
        let Some((alpha, tail)) = rest.split_once(".seed") else {
            continue;
        };
        if tail.ends_with(".E_g") {
            finals
                .entry(alpha.to_string())
                .or_default()
                .push(s.last(name)?);
        }
    }
    let means = finals
        .iter()
        .map(|(a, v)| {
            Some((
                a.parse::<f64>().ok()?,
                v.iter().sum::<f64>() / v.len() as f64,
            ))
        })
        .collect::<Option<Vec<_>>>()?;
    let (alpha, top) = means.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1))?;
    let (lowest_alpha, highest_alpha) = means
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), (a, _)| {
            (lo.min(*a), hi.max(*a))
        });
    let choice = if alpha == lowest_alpha {
        0
    } else if (0.75..=1.25).contains(&alpha) {
        1
    } else if alpha == highest_alpha {
        2
    } else {
        return None;
    };
    let at_one = means.iter().find(|(a, _)| *a == 1.0).map(|(_, e)| *e);
    let mut evidence = format!(
        "the highest mean E_g at the end was {} at α = {}",
        num(top),
        num(alpha)
    );
    if let (Some(e), false) = (at_one, alpha == 1.0) {
        evidence.push_str(&format!("; at α = 1 it was {}", num(e)));
    }
    Some(Answer::new(choice, evidence))
}

fn batch_size(s: &Snapshot) -> Option<Answer> {
    let full = s.at("network.E_g", 5.0)?;
    let small = s.at("small_epochs.E_g", 5.0)?;
    let choice = match full - small {
        d if d.abs() <= 0.05 => 2,
        d if d > 0.1 => 1,
        d if d < -0.1 => 0,
        _ => return None,
    };
    let evidence = format!(
        "after 5 epochs E_g was {} with the full batch and {} with batches of 20",
        num(full),
        num(small)
    );
    Some(Answer::new(choice, evidence))
}
