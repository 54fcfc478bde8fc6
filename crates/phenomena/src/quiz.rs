//! Predict, then reveal: each preset asks one question before its run, and the run's own numbers
//! pick the choice that happened. Nothing here stores an answer: `Quiz::answer` reads the
//! finished run, so a run on another seed, backend or machine is judged by what it did. Every
//! preset's question was checked to get the same answer on seeds 0–9
//! (`phenomena-cli quiz --seeds 10`; docs/science.md lists them).

use serde::Serialize;

use crate::lab::{Snapshot, fmt_num};

/// A question a preset asks before Play, its choices, and how a finished run answers it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Quiz {
    pub question: &'static str,
    pub choices: &'static [&'static str],
    /// The choice a finished run's numbers pick, with those numbers in words; `None` when
    /// they fall between the choices.
    #[serde(skip)]
    pub answer: fn(&Snapshot) -> Option<Answer>,
}

/// What a run answered: the choice (an index into `Quiz::choices`) and the numbers behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub choice: usize,
    pub evidence: String,
}

impl Answer {
    pub fn new(choice: usize, evidence: impl Into<String>) -> Self {
        Answer {
            choice,
            evidence: evidence.into(),
        }
    }
}

/// What the page shows at the end of a quiz run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reveal {
    pub choice: usize,
    /// The chosen answer's words.
    pub outcome: &'static str,
    pub evidence: String,
}

impl Quiz {
    /// The run's answer once it has reached `planned_steps`: an error says why there is none
    /// (the run diverged, has not finished, or its numbers fall between the choices).
    pub fn reveal(&self, snapshot: &Snapshot, planned_steps: u64) -> Result<Reveal, String> {
        if let Some(why) = &snapshot.diverged {
            return Err(format!(
                "the run diverged before its end, so it does not answer the question ({why})"
            ));
        }
        if snapshot.step < planned_steps {
            return Err(format!(
                "the run stopped at step {} of {planned_steps}; the question is about its end",
                snapshot.step
            ));
        }
        let answer = (self.answer)(snapshot).ok_or_else(|| {
            "this run's numbers fall between the choices (another seed or changed settings); \
             see the charts and the caption"
                .to_string()
        })?;
        let outcome = self.choices.get(answer.choice).copied().ok_or_else(|| {
            format!(
                "internal error: choice {} of {}",
                answer.choice,
                self.choices.len()
            )
        })?;
        Ok(Reveal {
            choice: answer.choice,
            outcome,
            evidence: answer.evidence,
        })
    }
}

/// Reading a run's curves for a judge: each returns `None` when the series is missing or empty.
impl Snapshot {
    fn curve(&self, name: &str) -> Option<&crate::lab::Series> {
        self.series.get(name).filter(|s| !s.y.is_empty())
    }

    /// The first recorded value.
    pub fn first(&self, name: &str) -> Option<f64> {
        self.curve(name)?.y.first().copied()
    }

    /// The last recorded value (the run's end).
    pub fn last(&self, name: &str) -> Option<f64> {
        self.curve(name)?.y.last().copied()
    }

    /// The lowest value and the step it was recorded at.
    pub fn lowest(&self, name: &str) -> Option<(f64, f64)> {
        extreme(self.curve(name)?, |a, b| a < b)
    }

    /// The highest value and the step it was recorded at.
    pub fn highest(&self, name: &str) -> Option<(f64, f64)> {
        extreme(self.curve(name)?, |a, b| a > b)
    }

    /// The value at the first recorded step at or after `x`.
    pub fn at(&self, name: &str, x: f64) -> Option<f64> {
        let s = self.curve(name)?;
        s.x.iter()
            .zip(&s.y)
            .find(|(sx, _)| **sx >= x)
            .map(|(_, y)| *y)
    }
}

/// (value, step) of the first point that beats every other under `better`, NaN skipped.
fn extreme(s: &crate::lab::Series, better: impl Fn(f64, f64) -> bool) -> Option<(f64, f64)> {
    s.y.iter().zip(&s.x).filter(|(y, _)| y.is_finite()).fold(
        None,
        |best: Option<(f64, f64)>, (y, x)| match best {
            Some((b, _)) if !better(*y, b) => best,
            _ => Some((*y, *x)),
        },
    )
}

/// A number for evidence: three significant digits.
pub fn num(v: f64) -> String {
    if v.abs() >= 100.0 {
        fmt_num(v.round())
    } else {
        let digits = if v.abs() >= 10.0 {
            1
        } else if v.abs() >= 1.0 {
            2
        } else {
            3
        };
        fmt_num(format!("{v:.digits$}").parse().unwrap_or(v))
    }
}

/// A fraction as a whole percentage.
pub fn pct(v: f64) -> String {
    format!("{} %", (v * 100.0).round())
}

/// The choices of "what will the curve do": fall and stay, fall then climb, never fall.
pub const FALL_THEN: [&str; 3] = [
    "fall, and end within 10 % of its lowest value",
    "fall, then end at twice its lowest value or more",
    "never go below where it started",
];

/// Answers `FALL_THEN` for `name` (label `what`): 0 when it ends within 10 % of its lowest
/// value, 1 when it ends at least twice as high, 2 when it is lowest at the start (the words
/// say where it ends: the path between is the chart's to show).
pub fn fall_then(snapshot: &Snapshot, name: &str, what: &str) -> Option<Answer> {
    let first = snapshot.first(name)?;
    let (low, at) = snapshot.lowest(name)?;
    let last = snapshot.last(name)?;
    let evidence = format!(
        "{what} was {} at the start, lowest ({}) at step {}, and {} at the end",
        num(first),
        num(low),
        num(at),
        num(last)
    );
    let choice = if low >= first {
        2
    } else if last <= 1.1 * low {
        0
    } else if last >= 2.0 * low {
        1
    } else {
        return None;
    };
    Some(Answer::new(choice, evidence))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::Series;

    fn run(curves: &[(&str, &[f64])]) -> Snapshot {
        let mut s = Snapshot {
            step: 100,
            ..Default::default()
        };
        for (name, ys) in curves {
            let x = (0..ys.len()).map(|i| i as f64 * 10.0).collect();
            s.series
                .insert(name.to_string(), Series { x, y: ys.to_vec() });
        }
        s
    }

    #[test]
    fn curves_read_first_last_extremes_and_values_at_a_step() {
        let s = run(&[("e", &[3.0, 1.0, f64::NAN, 2.0, 5.0])]);
        assert_eq!(s.first("e"), Some(3.0));
        assert_eq!(s.last("e"), Some(5.0));
        assert_eq!(s.lowest("e"), Some((1.0, 10.0)));
        assert_eq!(s.highest("e"), Some((5.0, 40.0)));
        assert_eq!(s.at("e", 25.0), Some(2.0));
        assert_eq!(s.at("e", 41.0), None);
        assert_eq!(s.first("missing"), None);
    }

    #[test]
    fn fall_then_tells_each_shape_and_leaves_the_middle_unanswered() {
        let choice = |ys: &[f64]| fall_then(&run(&[("e", ys)]), "e", "E").map(|a| a.choice);
        assert_eq!(choice(&[2.0, 1.0, 1.05]), Some(0));
        assert_eq!(choice(&[2.0, 1.0, 3.0]), Some(1));
        assert_eq!(choice(&[1.0, 2.0, 3.0]), Some(2));
        assert_eq!(choice(&[2.0, 1.0, 1.5]), None);
        let answer = fall_then(&run(&[("e", &[2.0, 0.5, 1.5])]), "e", "E_g").unwrap();
        assert_eq!(
            answer.evidence,
            "E_g was 2 at the start, lowest (0.5) at step 10, and 1.5 at the end"
        );
    }

    #[test]
    fn reveal_needs_a_finished_run_that_did_not_diverge() {
        let quiz = Quiz {
            question: "q",
            choices: &FALL_THEN,
            answer: |s| fall_then(s, "e", "E"),
        };
        let done = run(&[("e", &[2.0, 1.0, 3.0])]);
        assert_eq!(quiz.reveal(&done, 100).unwrap().outcome, FALL_THEN[1]);
        assert!(
            quiz.reveal(&done, 200)
                .unwrap_err()
                .contains("step 100 of 200")
        );
        let diverged = Snapshot {
            diverged: Some("NaN".into()),
            ..done.clone()
        };
        assert!(
            quiz.reveal(&diverged, 100)
                .unwrap_err()
                .contains("diverged")
        );
        let between = run(&[("e", &[2.0, 1.0, 1.5])]);
        assert!(quiz.reveal(&between, 100).unwrap_err().contains("between"));
    }

    #[test]
    fn numbers_keep_three_significant_digits() {
        assert_eq!(num(0.123456), "0.123");
        assert_eq!(num(1.5849), "1.58");
        assert_eq!(num(13.67), "13.7");
        assert_eq!(num(5000.0), "5000");
        assert_eq!(pct(0.926), "93 %");
    }
}
