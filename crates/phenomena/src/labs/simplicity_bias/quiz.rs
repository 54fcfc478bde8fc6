//! The question each preset asks before its run, answered by the run's own curves (see
//! `crate::quiz`). Thresholds sit well clear of what seeds 0–9 measured (docs/science.md).
//! Ensemble presets are judged on the mean over their seeds, as their charts draw them.

use crate::lab::Snapshot;
use crate::quiz::{Answer, Quiz, num};

pub const SLABS: Quiz = Quiz {
    question: "The linear coordinate and the slabs each separate the classes with the same \
               margin. After training, shuffle the linear coordinate across the test examples \
               (S-randomized): what accuracy will GD's network keep?",
    choices: &RANDOMIZED,
    answer: |s| randomized(s, "the linear coordinate"),
};

pub const DOMINOES: Quiz = Quiz {
    question: "Each image pairs an easy digit (0 or 1) with a harder one (3 or 5), both agreeing \
               with the label. Randomize the easy digit at test time: what accuracy will GD's \
               network keep?",
    choices: &RANDOMIZED,
    answer: |s| randomized(s, "the easy digit"),
};

pub const USEFUL: Quiz = Quiz {
    question: "USEFUL upsamples the examples GD learned slowly and trains again. On the examples \
               without the fast feature, which ends with the higher accuracy (mean of 8 seeds)?",
    choices: &[
        "GD, by more than 0.01",
        "USEFUL, by more than 0.01",
        "about the same (within 0.01)",
    ],
    answer: useful,
};

pub const SAM_VS_GD: Quiz = Quiz {
    question: "SAM at a large radius (ρ = 0.3) beside GD, on 8 seeds. At the end, which network \
               will be more aligned with the fast feature (mean over the seeds)?",
    choices: &[
        "GD, by more than 10 %",
        "SAM, by more than 10 %",
        "about the same (within 10 %)",
    ],
    answer: sam_vs_gd,
};

pub const SOUPS: Quiz = Quiz {
    question: "The uniform soup averages the weights of GD, SAM, USEFUL and USEFUL + SAM with no \
               extra training. On the examples without the fast feature, how will it do against \
               the best of the four runs?",
    choices: &[
        "better than the best run, by more than 0.005",
        "within 0.005 of it",
        "worse than the best run, by more than 0.005",
    ],
    answer: soups,
};

const RANDOMIZED: [&str; 2] = [
    "near chance (below 70 %): it relied on that feature alone",
    "most of it (above 85 %): it uses the other feature too",
];

fn randomized(s: &Snapshot, feature: &str) -> Option<Answer> {
    let (before, after) = (s.last("gd.accuracy")?, s.last("gd.s_randomized")?);
    let choice = match after {
        a if a < 0.7 => 0,
        a if a > 0.85 => 1,
        _ => return None,
    };
    let evidence = format!(
        "GD's test accuracy was {} at the end, and {} with {feature} randomized",
        num(before),
        num(after)
    );
    Some(Answer::new(choice, evidence))
}

fn useful(s: &Snapshot) -> Option<Answer> {
    let gd = s.last("gd.accuracy_without_fast")?;
    let useful = s.last("useful.accuracy_without_fast")?;
    let choice = match useful - gd {
        d if d.abs() <= 0.01 => 2,
        d if d > 0.0 => 1,
        _ => 0,
    };
    let evidence = format!(
        "mean accuracy without the fast feature at the end: GD {}, USEFUL {}",
        num(gd),
        num(useful)
    );
    Some(Answer::new(choice, evidence))
}

fn sam_vs_gd(s: &Snapshot) -> Option<Answer> {
    let gd = s.last("gd.align_fast")?;
    let sam = s.last("sam.align_fast")?;
    let choice = match sam / gd {
        r if (r - 1.0).abs() <= 0.1 => 2,
        r if r > 1.0 => 1,
        _ => 0,
    };
    let evidence = format!(
        "mean alignment with the fast feature at the end: GD {}, SAM {}",
        num(gd),
        num(sam)
    );
    Some(Answer::new(choice, evidence))
}

const SOUP_RUNS: [(&str, &str); 4] = [
    ("gd", "GD"),
    ("sam", "SAM"),
    ("useful", "USEFUL"),
    ("useful_sam", "USEFUL + SAM"),
];

fn soups(s: &Snapshot) -> Option<Answer> {
    let soup = s.last("soup.accuracy_without_fast")?;
    let (best, label) = SOUP_RUNS
        .iter()
        .map(|(id, label)| Some((s.last(&format!("{id}.accuracy_without_fast"))?, *label)))
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .max_by(|a, b| a.0.total_cmp(&b.0))?;
    let choice = match soup - best {
        d if d.abs() <= 0.005 => 1,
        d if d > 0.0 => 0,
        _ => 2,
    };
    let evidence = format!(
        "mean accuracy without the fast feature at the end: the uniform soup {}, the best run \
         ({label}) {}",
        num(soup),
        num(best)
    );
    Some(Answer::new(choice, evidence))
}
