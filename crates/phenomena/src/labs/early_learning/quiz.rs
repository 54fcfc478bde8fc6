//! The question each preset asks before its run, answered by the run's own curves (see
//! `crate::quiz`). Thresholds sit well clear of what seeds 0–9 measured (docs/science.md).

use super::methods::METHODS;
use crate::lab::Snapshot;
use crate::quiz::{Answer, Quiz, num, pct};

pub const LINEAR: Quiz = Quiz {
    question: "A linear model trained with cross-entropy on labels of which 40 % were flipped. \
               At the end, for what share of the flipped examples will CE predict the flipped \
               label it was trained on?",
    choices: &[
        "under a quarter: it keeps the true pattern",
        "between 35 % and 65 %",
        "over 90 %: it memorizes them",
    ],
    answer: ce_memorized,
};

pub const BOUNDARY: Quiz = Quiz {
    question: "2-D blobs with flipped labels (ringed points). After 3 000 steps, which run \
               will have memorized fewer than one in ten of the flipped points, drawing no \
               island around them?",
    choices: &["CE", "ELR", "both", "neither"],
    answer: boundary,
};

pub const LAMBDA_TOO_STRONG: Quiz = Quiz {
    question: "ELR with a very strong regularizer (λ = 8). How will its test accuracy end, \
               against CE's?",
    choices: &[
        "more than 0.02 above CE's",
        "within 0.02 of CE's",
        "more than 0.02 below CE's",
    ],
    answer: elr_against_ce,
};

pub const BETA_TOO_SLOW: Quiz = Quiz {
    question: "Five times the learning rate, and ELR's target average moves slowly (β = 0.9). \
               Will ELR still stop memorization?",
    choices: &[
        "yes: it memorizes under a quarter of the flipped labels",
        "no: it memorizes more than half of them",
    ],
    answer: elr_memorized,
};

pub const DIGITS: Quiz = Quiz {
    question: "Handwritten digits with 40 % of the training labels moved to another class. \
               Which run ends with the higher test accuracy?",
    choices: &[
        "CE, by more than 0.02",
        "ELR, by more than 0.02",
        "about the same (within 0.02)",
    ],
    answer: elr_against_ce_digits,
};

pub const RACE: Quiz = Quiz {
    question: "Plain CE and four methods meant to resist noisy labels, on the mixture with a \
               48-unit hidden layer. Which of the four will memorize fewer than half of the \
               flipped labels by step 1 000?",
    choices: &[
        "ELR",
        "multi-sample dropout",
        "nested dropout",
        "PS-KD",
        "none of them",
    ],
    answer: race,
};

pub const RACE_DIGITS: Quiz = Quiz {
    question: "The same four methods beside plain CE, on the digits with 40 % noise. Which of \
               the four will memorize fewer than a quarter of the flipped labels by step 500?",
    choices: &[
        "all four",
        "ELR and nested dropout",
        "ELR, nested dropout and multi-sample dropout",
        "only PS-KD",
        "none of them",
    ],
    answer: race_digits,
};

fn memorized(s: &Snapshot, run: &str) -> Option<f64> {
    s.last(&format!("{run}.memorized"))
}

fn test_accuracy(s: &Snapshot, run: &str) -> Option<f64> {
    s.last(&format!("{run}.test_accuracy"))
}

fn ce_memorized(s: &Snapshot) -> Option<Answer> {
    let m = memorized(s, "ce")?;
    let choice = match m {
        m if m < 0.25 => 0,
        m if (0.35..=0.65).contains(&m) => 1,
        m if m > 0.9 => 2,
        _ => return None,
    };
    let (early, at) = s.highest("ce.mislabeled_true")?;
    let evidence = format!(
        "CE predicted the flipped label for {} of them at the end; at step {} it had predicted \
         the true label for {}",
        pct(m),
        num(at),
        pct(early)
    );
    Some(Answer::new(choice, evidence))
}

fn boundary(s: &Snapshot) -> Option<Answer> {
    let (ce, elr) = (memorized(s, "ce")?, memorized(s, "elr")?);
    let choice = match (ce < 0.1, elr < 0.1) {
        (true, false) => 0,
        (false, true) => 1,
        (true, true) => 2,
        (false, false) => 3,
    };
    let evidence = format!(
        "at the end CE had memorized {} of the flipped points and ELR {}",
        pct(ce),
        pct(elr)
    );
    Some(Answer::new(choice, evidence))
}

/// Above, within 0.02 of, or below CE's final test accuracy.
fn compare_accuracy(s: &Snapshot) -> Option<(usize, String)> {
    let (ce, elr) = (test_accuracy(s, "ce")?, test_accuracy(s, "elr")?);
    let choice = match elr - ce {
        d if d.abs() <= 0.02 => 1,
        d if d > 0.02 => 0,
        _ => 2,
    };
    let evidence = format!("test accuracy at the end: CE {}, ELR {}", num(ce), num(elr));
    Some((choice, evidence))
}

fn elr_against_ce(s: &Snapshot) -> Option<Answer> {
    compare_accuracy(s).map(|(c, e)| Answer::new(c, e))
}

/// The digits' choices are ordered CE, ELR, the same.
fn elr_against_ce_digits(s: &Snapshot) -> Option<Answer> {
    compare_accuracy(s).map(|(c, e)| Answer::new([1, 2, 0][c], e))
}

fn elr_memorized(s: &Snapshot) -> Option<Answer> {
    let m = memorized(s, "elr")?;
    let choice = match m {
        m if m < 0.25 => 0,
        m if m > 0.5 => 1,
        _ => return None,
    };
    let evidence = format!(
        "ELR had memorized {} of the flipped labels at the end (CE {})",
        pct(m),
        pct(memorized(s, "ce")?)
    );
    Some(Answer::new(choice, evidence))
}

/// Every trained method's final memorized share, in the registry's order, and the ids of
/// those under `bound`.
fn race_results(s: &Snapshot, bound: f64) -> Option<(String, Vec<&'static str>)> {
    let mut shares = Vec::new();
    let mut under = Vec::new();
    for method in METHODS {
        let Some(m) = memorized(s, method.id) else {
            continue;
        };
        shares.push(format!("{} {}", method.label, pct(m)));
        // The question is about the methods beside plain CE.
        if m < bound && method.id != "ce" {
            under.push(method.id);
        }
    }
    (shares.len() == METHODS.len()).then(|| {
        (
            format!("memorized at the end: {}", shares.join(", ")),
            under,
        )
    })
}

fn race(s: &Snapshot) -> Option<Answer> {
    let (evidence, under) = race_results(s, 0.5)?;
    let choice = match under.as_slice() {
        [] => 4,
        ["elr"] => 0,
        ["msd"] => 1,
        ["nested"] => 2,
        ["pskd"] => 3,
        _ => return None,
    };
    Some(Answer::new(choice, evidence))
}

fn race_digits(s: &Snapshot) -> Option<Answer> {
    let (evidence, mut under) = race_results(s, 0.25)?;
    under.sort_unstable();
    let choice = match under.as_slice() {
        ["elr", "msd", "nested", "pskd"] => 0,
        ["elr", "nested"] => 1,
        ["elr", "msd", "nested"] => 2,
        ["pskd"] => 3,
        [] => 4,
        _ => return None,
    };
    Some(Answer::new(choice, evidence))
}
