//! Forking a run: at step k a copy of one run (its weights, its optimizer's state, its
//! method's state) goes on with one thing changed, beside the run it came from.
//!
//! A fork is a few parameters, so a link, an export and the command line replay it: `fork`
//! (which change; 0 is none), `fork_step` (k), `fork_lr` (the learning rate of a fork that
//! changes it) and, in a lab that offers one, `fork_decay` (the weight decay a fork turns on). Runs are deterministic, so the replayed base reaches step k with the same
//! weights, and its own curves are those of the run without a fork.
//!
//! A lab offers forks with a registry of [`Fork`] entries, one line each, and [`fork_params`]
//! in its schema; the harness calls [`crate::harness::Experiment::fork`] when its clock reaches
//! k, and records that step whatever the schedule, so the branch starts at the fork point.

use crate::lab::{Condition, ParamSpec, Params, fmt_num};

/// The recorder name of the forked run: its series are `fork.{metric}`.
pub const FORK_RUN: &str = "fork";

/// The `fork` parameter's label for "no fork".
pub const NO_FORK: &str = "no fork";

/// What a fork changes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Change<M> {
    /// The copy goes on under another method or objective (the lab's own type).
    To(M),
    /// The copy goes on at the learning rate `fork_lr`.
    LearningRate,
    /// The copy goes on with weight decay `fork_decay` (see [`fork_decay_param`]).
    WeightDecay,
}

/// One fork a lab offers: its label in the `fork` parameter, the run it copies (by recorder
/// name), and what it changes.
pub struct Fork<M> {
    pub label: &'static str,
    pub base: &'static str,
    pub change: Change<M>,
}

/// The `fork` parameter's options: "no fork", then each entry's label. `M` must be one more
/// than the number of forks.
pub const fn fork_options<C, const N: usize, const M: usize>(
    forks: &[Fork<C>; N],
) -> [&'static str; M] {
    assert!(M == N + 1, "the options are \"no fork\" and one per fork");
    let mut out = [NO_FORK; M];
    let mut i = 0;
    while i < N {
        out[i + 1] = forks[i].label;
        i += 1;
    }
    out
}

/// Values of `fork` that mean some fork (as many as a lab offers): the fork step's control
/// shows for these.
static ANY_FORK: [f64; 8] = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];

/// The fork's three parameters. `options` from [`fork_options`]; `lr_choice` the value of
/// `fork` whose entry is [`Change::LearningRate`] (its control shows only then); the learning
/// rate's range and default as the lab's own `lr` has them.
pub fn fork_params(
    options: &'static [&'static str],
    lr_choice: &'static [f64],
    lr: (f64, f64, f64),
) -> [ParamSpec; 3] {
    let (min, max, default) = lr;
    let fork = ParamSpec {
        fork: true,
        ..ParamSpec::NUMBER
    };
    [
        ParamSpec {
            name: "fork",
            label: "fork a run",
            max: (options.len() - 1) as f64,
            step: 1.0,
            integer: true,
            options,
            help: "At the fork step a copy of one run (weights, optimizer and method state) goes \
                   on with one thing changed, drawn beside the run it came from and named in the \
                   legends. \"Fork here\" under the transport sets it at the step shown.",
            source: "",
            ..fork
        },
        ParamSpec {
            name: "fork_step",
            label: "fork at step",
            min: 1.0,
            // Past every lab's longest run, so any step on screen can be a fork step.
            max: 1e6,
            step: 1.0,
            default: 100.0,
            integer: true,
            log: true,
            help: "The step at which the copy branches off; it must come before the run's \
                   last step.",
            source: "",
            visible_when: Condition::when("fork", &ANY_FORK[..options.len() - 1]),
            ..fork
        },
        ParamSpec {
            name: "fork_lr",
            label: "fork's learning rate",
            min,
            max,
            step: min,
            default,
            log: true,
            help: "The learning rate the copy goes on with.",
            source: "",
            visible_when: Condition::when("fork", lr_choice),
            ..fork
        },
    ]
}

/// The weight decay a [`Change::WeightDecay`] fork turns on, for a lab that offers one;
/// `choice`: the values of `fork` whose entry it is (its control shows only then).
pub fn fork_decay_param(choice: &'static [f64]) -> ParamSpec {
    ParamSpec {
        name: "fork_decay",
        label: "fork's weight decay γ",
        min: 1e-3,
        max: 2.0,
        step: 1e-3,
        default: 0.2,
        log: true,
        help: "The L2 penalty ½γ‖w‖² the copy goes on with.",
        visible_when: Condition::when("fork", choice),
        fork: true,
        ..ParamSpec::NUMBER
    }
}

/// A fork to make: which entry of the lab's registry, at which step, and the value a fork
/// that changes the learning rate or the weight decay sets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForkPlan {
    /// Index into the lab's registry (the `fork` parameter minus one).
    pub index: usize,
    pub step: u64,
    pub lr: f64,
    pub decay: f64,
}

impl ForkPlan {
    /// The fork the parameters ask for; `None` without one (or in a lab that offers none).
    pub fn from_params(params: &Params) -> Option<Self> {
        let choice = params.0.get("fork").copied().unwrap_or(0.0).round();
        (choice >= 1.0).then(|| Self {
            index: choice as usize - 1,
            step: params.0.get("fork_step").copied().unwrap_or(0.0).max(1.0) as u64,
            lr: params.0.get("fork_lr").copied().unwrap_or(0.0),
            decay: params.0.get("fork_decay").copied().unwrap_or(0.0),
        })
    }

    /// The entry of `forks` this plan names (`None` past its end: a value no schema allows).
    pub fn entry<'a, M>(&self, forks: &'a [Fork<M>]) -> Option<&'a Fork<M>> {
        forks.get(self.index)
    }

    /// The branch's name in legends and summaries: "CE → ELR from step 120", for a new
    /// learning rate "CE at learning rate 0.05 from step 120", for weight decay "linear student
    /// with weight decay 0.2 from step 120".
    pub fn describe<M>(&self, forks: &[Fork<M>], base_label: &str) -> String {
        match self.entry(forks) {
            Some(Fork {
                change: Change::LearningRate,
                ..
            }) => format!(
                "{base_label} at learning rate {} from step {}",
                fmt_num(self.lr),
                self.step
            ),
            Some(Fork {
                change: Change::WeightDecay,
                ..
            }) => format!(
                "{base_label} with weight decay {} from step {}",
                fmt_num(self.decay),
                self.step
            ),
            Some(f) => format!("{} from step {}", f.label, self.step),
            None => format!("fork from step {}", self.step),
        }
    }
}

/// Why a fork set in the parameters never happens, for the lab's warnings.
pub fn unreached_warning(plan: &ForkPlan, planned_steps: u64) -> Option<String> {
    (plan.step >= planned_steps).then(|| {
        format!(
            "The fork is set at step {}, but the run ends at step {planned_steps}, so nothing \
             forks: set \"fork at step\" below {planned_steps}.",
            plan.step
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORKS: [Fork<u8>; 2] = [
        Fork {
            label: "A → B",
            base: "a",
            change: Change::To(1),
        },
        Fork {
            label: "A, new learning rate",
            base: "a",
            change: Change::LearningRate,
        },
    ];

    fn params(pairs: &[(&str, f64)]) -> Params {
        Params::numbers(pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect())
    }

    #[test]
    fn the_options_are_no_fork_then_each_entry() {
        let options: [&str; 3] = fork_options(&FORKS);
        assert_eq!(options, [NO_FORK, "A → B", "A, new learning rate"]);
    }

    #[test]
    fn a_plan_comes_from_the_parameters_and_names_its_branch() {
        assert_eq!(ForkPlan::from_params(&params(&[("fork", 0.0)])), None);
        assert_eq!(ForkPlan::from_params(&params(&[("seed", 1.0)])), None);
        let plan = ForkPlan::from_params(&params(&[
            ("fork", 2.0),
            ("fork_step", 120.0),
            ("fork_lr", 0.05),
        ]))
        .unwrap();
        assert_eq!(plan.index, 1);
        assert_eq!(
            plan.describe(&FORKS, "A"),
            "A at learning rate 0.05 from step 120"
        );
        let to_b = ForkPlan { index: 0, ..plan };
        assert_eq!(to_b.describe(&FORKS, "A"), "A → B from step 120");
        assert!(ForkPlan { index: 7, ..plan }.entry(&FORKS).is_none());
    }

    #[test]
    fn a_fork_at_or_past_the_end_is_reported() {
        let plan = ForkPlan {
            index: 0,
            step: 500,
            lr: 0.1,
            decay: 0.0,
        };
        assert!(unreached_warning(&plan, 1000).is_none());
        assert!(unreached_warning(&plan, 500).unwrap().contains("below 500"));
    }

    #[test]
    fn every_fork_parameter_is_marked_and_the_learning_rate_shows_only_for_its_fork() {
        static OPTIONS: [&str; 3] = fork_options(&FORKS);
        let specs = fork_params(&OPTIONS, &[2.0], (1e-4, 5.0, 0.2));
        assert!(specs.iter().all(|s| s.fork));
        assert_eq!(specs[0].max, 2.0);
        let lr_fork = params(&[("fork", 2.0)]);
        let other = params(&[("fork", 1.0)]);
        assert!(specs[2].applies(&lr_fork) && !specs[2].applies(&other));
        assert!(specs[1].applies(&other) && !specs[1].applies(&params(&[("fork", 0.0)])));
    }
}
