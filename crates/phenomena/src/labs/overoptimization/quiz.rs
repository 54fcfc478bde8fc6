//! The question each preset asks before its run, answered by the run's own curves (see
//! `crate::quiz`). Thresholds sit well clear of what seeds 0–9 measured (docs/science.md).

use crate::lab::Snapshot;
use crate::quiz::{Answer, Quiz, num};

pub const DPO_DRIFTS: Quiz = Quiz {
    question: "DPO trains on preferences that never separate quality from length. Where will \
               its gold reward (the true quality, orange-red in chart 1) end?",
    choices: &GOLD_END,
    answer: |s| gold_end(s, "dpo", "DPO"),
};

pub const FULL_COVERAGE: Quiz = Quiz {
    question: "Now some preference pairs also include the long responses DPO drifted to. Where \
               will DPO's gold reward end?",
    choices: &GOLD_END,
    answer: |s| gold_end(s, "dpo", "DPO"),
};

pub const RPO_HOME: Quiz = Quiz {
    question: "RPO adds an SFT term (η = 0.2) to DPO's loss. Over 5 000 steps, where will RPO's \
               gold reward end?",
    choices: &[
        "within 10 % of its own peak",
        "back within 20 % of where it started",
        "below a quarter of where it started",
    ],
    answer: rpo_end,
};

pub const TOO_MUCH_ETA: Quiz = Quiz {
    question: "RPO with a much stronger SFT term (η = 1). Will its gold reward reach the best \
               possible value (2)?",
    choices: &[
        "yes, it ends within 0.1 of 2",
        "no, it ends between 0.5 and 1.8",
        "no, it collapses below 0.3",
    ],
    answer: too_much_eta,
};

pub const GAO: Quiz = Quiz {
    question: "RL against the learned proxy reward at a small learning rate. What will the gold \
               reward of the RL policy (orange) do over the run?",
    choices: &[
        "rise, and end within 10 % of its peak",
        "rise, then end below where it started",
        "never rise above where it started",
    ],
    answer: rise_then_fall,
};

const GOLD_END: [&str; 3] = [
    "clearly above its start (by over 20 %)",
    "near its start (within 20 %)",
    "near zero (under a quarter of its start)",
];

/// `GOLD_END` for method `m`: above its start by 20 %, within 20 % of it, or under a quarter.
fn gold_end(s: &Snapshot, m: &str, label: &str) -> Option<Answer> {
    let name = format!("{m}.gold");
    let (start, (peak, at), end) = (s.first(&name)?, s.highest(&name)?, s.last(&name)?);
    let choice = match end / start {
        r if r > 1.2 => 0,
        r if (0.8..=1.2).contains(&r) => 1,
        r if r < 0.25 => 2,
        _ => return None,
    };
    let evidence = format!(
        "{label}'s gold reward was {} at the start, peaked at {} at step {}, and ended at {}",
        num(start),
        num(peak),
        num(at),
        num(end)
    );
    Some(Answer::new(choice, evidence))
}

fn rpo_end(s: &Snapshot) -> Option<Answer> {
    let (start, (peak, at), end) = (
        s.first("rpo.gold")?,
        s.highest("rpo.gold")?,
        s.last("rpo.gold")?,
    );
    let choice = if end >= 0.9 * peak {
        0
    } else if (end / start - 1.0).abs() <= 0.2 {
        1
    } else if end < 0.25 * start {
        2
    } else {
        return None;
    };
    let evidence = format!(
        "RPO's gold reward peaked at {} at step {} and ended at {} (it started at {})",
        num(peak),
        num(at),
        num(end),
        num(start)
    );
    Some(Answer::new(choice, evidence))
}

fn too_much_eta(s: &Snapshot) -> Option<Answer> {
    let end = s.last("rpo.gold")?;
    let choice = match end {
        e if e >= 1.9 => 0,
        e if (0.5..1.8).contains(&e) => 1,
        e if e < 0.3 => 2,
        _ => return None,
    };
    let evidence = format!("RPO's gold reward ended at {} of a possible 2", num(end));
    Some(Answer::new(choice, evidence))
}

fn rise_then_fall(s: &Snapshot) -> Option<Answer> {
    let (start, (peak, at), end) = (
        s.first("rlhf.gold")?,
        s.highest("rlhf.gold")?,
        s.last("rlhf.gold")?,
    );
    let choice = if peak <= start {
        2
    } else if end >= 0.9 * peak {
        0
    } else if end < start {
        1
    } else {
        return None;
    };
    let evidence = format!(
        "the RL policy's gold reward was {} at the start, peaked at {} at step {}, and ended at {}",
        num(start),
        num(peak),
        num(at),
        num(end)
    );
    Some(Answer::new(choice, evidence))
}
