//! The lockstep driver: the one run loop every lab shares. It keeps the lab's clock, steps
//! every run together, records on the log-spaced schedule, reads back, and builds snapshots;
//! a lab supplies an [`Experiment`]: what one step does and what it records.

use std::collections::BTreeMap;
use std::ops::Deref;

use burn::prelude::*;
use burn::tensor::{TensorData, Transaction};
use phenomena_charts::ChartSpec;

use super::recorder::{Divergence, DivergenceCheck, Recorder, RunHeader};
use crate::fork::{ForkPlan, unreached_warning};
use crate::lab::{
    Lab, LabError, LabInfo, LocalFuture, Params, RunSummary, Series, ShardRecord, Snapshot,
};

/// A lab's science: its runs, what one step of them does, and what they record.
pub trait Experiment: Sized + 'static {
    /// The lab's id in URLs, files and the registry.
    const ID: &'static str;
    /// Recorded points per decade of steps (see [`Schedule`]).
    const RECORDS_PER_DECADE: f64;

    /// What the page shows before the lab is created: schema, presets, texts.
    fn info() -> LabInfo;
    /// Builds every run from parameters validated against the schema.
    fn new(params: &Params, device: &Device) -> Result<Self, LabError>;
    /// The planned number of lab steps.
    fn planned_steps(&self) -> u64;

    /// One step of every run. A lab that splits its step into slots implements
    /// [`Experiment::step_slot`] instead; every other lab must implement this.
    fn step(&mut self) {
        unimplemented!("{} implements neither step nor step_slot", Self::ID)
    }
    /// Slots in one lab step: 1, unless one step is too much work for one call that must
    /// stay short (the page's frame), like an ensemble of seeds × runs, where a slot is one
    /// run's step.
    fn slots_per_step(&self) -> u64 {
        1
    }
    /// Does slot `slot` of the step after `steps` completed ones and returns the work it took,
    /// in run steps (0 for an idle slot). A lab whose runs keep their own clocks records in
    /// here.
    fn step_slot(&mut self, _steps: u64, _slot: u64, _recorder: &mut Recorder) -> u64 {
        self.step();
        1
    }
    /// False while training waits for something only a read-back gives (USEFUL's split).
    fn can_step(&self) -> bool {
        true
    }
    /// Branches a copy of the run `plan` names, with its change, to train beside the others
    /// from now on and record as [`crate::fork::FORK_RUN`]. Called once, when the lab's clock
    /// reaches the plan's step, before that step is recorded; a lab whose schema has
    /// [`crate::fork::fork_params`] implements it.
    fn fork(&mut self, _plan: &ForkPlan) {}
    /// Queues this step's metrics; called on the record schedule.
    fn record(&self, step: u64, recorder: &mut Recorder);
    /// Queues the fork's metrics alone, at the fork's step when the schedule skips it, so the
    /// runs beside the fork gain no point there; by default the whole [`Experiment::record`].
    fn record_fork(&self, step: u64, recorder: &mut Recorder) {
        self.record(step, recorder);
    }
    /// Queues the metrics of the untrained runs.
    fn start(&self, recorder: &mut Recorder) {
        self.record(0, recorder);
    }

    /// Which recorded values mean the run has diverged.
    fn divergence_check(&self) -> DivergenceCheck {
        DivergenceCheck::NON_FINITE
    }
    /// Of the runs that diverged (each one's first bad value, in the order found), the one
    /// that stops the lab: by default the first. A lab whose runs are independent may let the
    /// others go on, saying so in its warnings.
    fn stopping_divergence<'a>(&self, diverged: &'a [Divergence]) -> Option<&'a Divergence> {
        // A fork that diverges stops nothing: the runs beside it train on (see `snapshot`).
        diverged.iter().find(|d| !is_fork(&d.run))
    }
    /// The message shown when a run diverges: what happened and what to change.
    fn divergence_message(&self, divergence: &Divergence) -> String;

    /// Registers tensors to read back with the metrics (predictions for a picture).
    fn register_reads(&self, tx: Transaction) -> Transaction {
        tx
    }
    /// Takes the data of [`Experiment::register_reads`], in the same order.
    fn absorb(
        &mut self,
        _reads: Vec<TensorData>,
        _recorder: &mut Recorder,
    ) -> Result<(), LabError> {
        Ok(())
    }
    /// The series a snapshot carries: by default every recorded one.
    fn snapshot_series(&self, recorder: &Recorder) -> BTreeMap<String, Series> {
        recorder.series().clone()
    }
    /// Adds the lab's scalars, warnings and derived values to a snapshot.
    fn complete(&self, _recorder: &Recorder, _snapshot: &mut Snapshot) {}

    fn charts(&self, snapshot: &Snapshot, history: &[RunSummary]) -> Vec<ChartSpec>;
    /// Headline numbers kept across resets, for labs that chart earlier runs.
    fn summary(&self, _snapshot: &Snapshot) -> Option<RunSummary> {
        None
    }
    /// This experiment as one shard of a larger ensemble: what it recorded (see
    /// [`Lab::shard_record`]); labs whose info has `seed_shards` or `run_shards` implement it.
    fn shard_record(&self, _recorder: &Recorder) -> Option<ShardRecord> {
        None
    }
    /// The other shards' records, shown with this experiment's own seeds or runs from the
    /// next snapshot on; `false` where the experiment has no shards.
    fn absorb_shards(&mut self, _shards: Vec<ShardRecord>) -> bool {
        false
    }
    /// How the runs that `params` asks for split into at most `shares` groups that engines
    /// may train apart, each by [`Experiment::train_only`], as even in work as they go;
    /// `None` where they do not split (labs whose info has `run_shards` implement it).
    fn run_shares(_params: &Params, _shares: usize) -> Option<Vec<Vec<&'static str>>> {
        None
    }
    /// Trains only runs `runs` (one share of [`Experiment::run_shares`]), before the first
    /// step; an error names a run it does not train, or says it trains no runs apart.
    fn train_only(&mut self, _runs: &[String]) -> Result<(), LabError> {
        Err(LabError::Backend(format!(
            "the {} lab does not train its runs apart",
            Self::ID
        )))
    }
}

/// Whether recorder name `run` is a fork's (`fork`, or `{seed}/fork` in an ensemble).
fn is_fork(run: &str) -> bool {
    run.rsplit('/').next() == Some(crate::fork::FORK_RUN)
}

/// The log-spaced recording schedule: every step early on, then ever more sparsely, so
/// log-time charts get evenly spread points and memory stays bounded; always the last step.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub last: u64,
    pub per_decade: f64,
}

impl Schedule {
    /// Whether a run that has just reached `step` records its metrics.
    pub fn records_at(&self, step: u64) -> bool {
        step <= 20 || step == self.last || self.crosses(step)
    }

    /// Whether `step` is the first past a 1/`per_decade` mark of log10(step): evenly spread
    /// points on a log axis, with none of the dense start.
    pub fn crosses(&self, step: u64) -> bool {
        let at = |s: u64| ((s as f64).log10() * self.per_decade).floor();
        step > 1 && at(step - 1) != at(step)
    }
}

/// An experiment under the shared driver: this is what the registry hands out as a [`Lab`].
pub struct Lockstep<E: Experiment> {
    experiment: E,
    /// The parameters this lab was built with (its snapshots' may cover other shards too).
    params: Params,
    recorder: Recorder,
    header: RunHeader,
    schedule: Schedule,
    steps: u64,
    /// The next slot of the current step.
    slot: u64,
    /// The fork the parameters ask for, if any.
    fork: Option<ForkPlan>,
    /// Why another shard of what this lab shows stopped, if one did.
    shard_diverged: Option<String>,
}

impl<E: Experiment> Lockstep<E> {
    pub fn new(params: Params, device: &Device, backend: &str) -> Result<Self, LabError> {
        // Values that did not come through `resolve_params` still may not switch on a method
        // without what it needs.
        let unmet = crate::lab::unmet_requirements(&E::info().schema, &params.0);
        if !unmet.is_empty() {
            return Err(LabError::Params(unmet));
        }
        let experiment = E::new(&params, device)?;
        let mut recorder = Recorder::new(experiment.divergence_check());
        experiment.start(&mut recorder);
        Ok(Self {
            schedule: Schedule {
                last: experiment.planned_steps(),
                per_decade: E::RECORDS_PER_DECADE,
            },
            header: RunHeader {
                lab: E::ID,
                seed: params.get("seed") as u64,
                params: params.clone(),
                backend: backend.to_string(),
            },
            fork: ForkPlan::from_params(&params),
            experiment,
            params,
            recorder,
            steps: 0,
            slot: 0,
            shard_diverged: None,
        })
    }

    /// The registry's constructor.
    pub fn boxed(params: Params, device: &Device, backend: &str) -> Result<Box<dyn Lab>, LabError> {
        Ok(Box::new(Self::new(params, device, backend)?))
    }

    /// The divergence that stops the lab, if any.
    fn stopped(&self) -> Option<&Divergence> {
        self.experiment
            .stopping_divergence(self.recorder.divergences())
    }

    /// Does one slot; `None` at a step boundary where training cannot go on (the planned end,
    /// divergence, or waiting for a read-back). Otherwise the work the slot took.
    fn advance(&mut self) -> Option<u64> {
        if self.slot == 0
            && (self.steps >= self.experiment.planned_steps()
                || self.stopped().is_some()
                || self.shard_diverged.is_some()
                || !self.experiment.can_step())
        {
            return None;
        }
        let work = self
            .experiment
            .step_slot(self.steps, self.slot, &mut self.recorder);
        self.slot += 1;
        if self.slot >= self.experiment.slots_per_step() {
            self.slot = 0;
            self.steps += 1;
            // The branch starts where it forks: that step is recorded whatever the schedule.
            let planned = self.experiment.planned_steps();
            let forks_now = self
                .fork
                .filter(|plan| plan.step == self.steps && plan.step < planned);
            if let Some(plan) = &forks_now {
                self.experiment.fork(plan);
            }
            if self.schedule.records_at(self.steps) {
                self.experiment.record(self.steps, &mut self.recorder);
            } else if forks_now.is_some() {
                self.experiment.record_fork(self.steps, &mut self.recorder);
            }
        }
        Some(work)
    }
}

/// A lab reads as its experiment, so tests reach the science through the lab.
impl<E: Experiment> Deref for Lockstep<E> {
    type Target = E;
    fn deref(&self) -> &E {
        &self.experiment
    }
}

impl<E: Experiment> Lab for Lockstep<E> {
    fn info(&self) -> LabInfo {
        E::info()
    }

    fn step(&mut self, k: u64) {
        let target = self.steps.saturating_add(k);
        while self.steps < target && self.advance().is_some() {}
    }

    fn step_work(&mut self, units: u64) {
        let mut done = 0;
        while done < units {
            match self.advance() {
                None => break,
                Some(work) => done += work,
            }
        }
    }

    fn steps_done(&self) -> u64 {
        self.steps
    }

    fn max_steps(&self) -> u64 {
        self.experiment.planned_steps()
    }

    fn snapshot(&mut self) -> LocalFuture<'_, Result<Snapshot, LabError>> {
        Box::pin(async move {
            let experiment = &self.experiment;
            let reads = self
                .recorder
                .read_back(|tx| experiment.register_reads(tx))
                .await?;
            self.experiment.absorb(reads, &mut self.recorder)?;
            let diverged = self
                .stopped()
                .map(|d| self.experiment.divergence_message(d))
                .or_else(|| self.shard_diverged.clone());
            let series = self.experiment.snapshot_series(&self.recorder);
            let mut snapshot = self.header.snapshot(self.steps, series, diverged);
            self.experiment.complete(&self.recorder, &mut snapshot);
            let planned = self.experiment.planned_steps();
            snapshot.warnings.extend(
                self.fork
                    .as_ref()
                    .and_then(|plan| unreached_warning(plan, planned)),
            );
            if let Some(d) = self.recorder.divergences().iter().find(|d| is_fork(&d.run))
                && snapshot.diverged.is_none()
                && !snapshot.warnings.iter().any(|w| w.contains("fork"))
            {
                snapshot.warnings.push(format!(
                    "The fork diverged at step {} ({} is not a number); the other runs train on. \
                     Remove the fork, or fork at a lower learning rate.",
                    d.step, d.metric
                ));
            }
            Ok(snapshot)
        })
    }

    fn charts(&self, snapshot: &Snapshot, history: &[RunSummary]) -> Vec<ChartSpec> {
        self.experiment.charts(snapshot, history)
    }

    fn summary(&self, snapshot: &Snapshot) -> Option<RunSummary> {
        self.experiment.summary(snapshot)
    }

    fn shard_record(&self) -> Option<ShardRecord> {
        let mut record = self.experiment.shard_record(&self.recorder)?;
        record.diverged = self
            .stopped()
            .map(|d| self.experiment.divergence_message(d));
        Some(record)
    }

    fn train_share(&mut self, runs: &[String]) -> Result<(), LabError> {
        if self.steps > 0 || self.slot > 0 {
            return Err(LabError::Backend(
                "a share of the runs is chosen before the first step".into(),
            ));
        }
        self.experiment.train_only(runs)?;
        // What was recorded at the start covered every run.
        self.recorder = Recorder::new(self.experiment.divergence_check());
        self.experiment.start(&mut self.recorder);
        Ok(())
    }

    fn absorb_shards(&mut self, shards: Vec<ShardRecord>) -> Result<(), LabError> {
        let others: usize = shards.iter().map(|s| s.seeds).sum();
        let diverged = shards.iter().find_map(|s| s.diverged.clone());
        if self.experiment.absorb_shards(shards) {
            self.shard_diverged = diverged;
            // The run shown, and the configuration its exports carry, covers every shard
            // (shares of one seed's runs add no seeds).
            if others > 0 {
                let own = self.params.get("seeds");
                self.header
                    .params
                    .0
                    .insert("seeds".to_string(), own + others as f64);
            }
            Ok(())
        } else {
            Err(LabError::Backend(format!(
                "the {} lab does not train its seeds or runs in shards",
                E::ID
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fork_is_known_by_its_recorder_name_alone_or_in_an_ensemble() {
        assert!(is_fork("fork") && is_fork("3/fork"));
        assert!(!is_fork("ce") && !is_fork("0/gd") && !is_fork("forked"));
    }

    #[test]
    fn the_record_schedule_is_dense_early_sparse_late_and_keeps_the_last_step() {
        let s = Schedule {
            last: 10_050,
            per_decade: 20.0,
        };
        assert!((1..=20).all(|step| s.records_at(step)));
        let early = (1..=100).filter(|t| s.records_at(*t)).count();
        let late = (10_001..=10_049).filter(|t| s.records_at(*t)).count();
        assert!(early > 30, "{early}");
        assert!(late <= 1, "{late}");
        assert!(s.records_at(10_050));
        // About `per_decade` records in each decade.
        let decade = (1_001..=10_000).filter(|t| s.records_at(*t)).count();
        assert!((19..=21).contains(&decade), "{decade}");
    }
}
