//! A lab being watched: the current run, earlier runs' summaries, and the latest snapshot.

use std::collections::BTreeMap;

use burn::prelude::Device;
use phenomena::lab::ParamError;
use phenomena::{Lab, LabError, OutOfRange, Params, RunSummary, ShardRecord, Snapshot, labs};
use phenomena_charts::ChartSpec;

/// Where a run trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Pure-Rust CPU backend.
    Flex,
    /// The browser's WebGPU (or native wgpu).
    WebGpu,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Flex => "flex",
            Backend::WebGpu => "webgpu",
        }
    }

    pub fn parse(name: &str) -> Result<Self, LabError> {
        match name {
            "flex" | "cpu" => Ok(Backend::Flex),
            "webgpu" | "gpu" => Ok(Backend::WebGpu),
            other => Err(LabError::Backend(format!(
                "unknown backend `{other}` (use `flex` or `webgpu`)"
            ))),
        }
    }
}

pub struct Session {
    lab_id: String,
    lab: Box<dyn Lab>,
    backend: Backend,
    history: Vec<RunSummary>,
    latest: Option<Snapshot>,
    /// Earlier snapshots of this run, oldest first, to scrub back through.
    timeline: Vec<Snapshot>,
    /// The timeline entry on display instead of the latest snapshot, while scrubbing.
    viewing: Option<usize>,
}

/// Snapshots kept per run; past this, every other older one is dropped.
const TIMELINE_LIMIT: usize = 120;

/// Earlier runs kept for charts that compare runs (bounded so a long session stays small).
const HISTORY_LIMIT: usize = 64;

impl Session {
    /// Creates lab `lab_id` from raw parameter text (URL hash, controls). Out-of-range values
    /// are clamped; the returned notes say what was changed.
    pub fn create(
        lab_id: &str,
        preset: Option<&str>,
        raw: &BTreeMap<String, String>,
        backend: Backend,
        device: &Device,
    ) -> Result<(Self, Vec<ParamError>), LabError> {
        let (params, notes) = labs::params_for(lab_id, preset, raw, OutOfRange::Clamp)?;
        let lab = labs::create(lab_id, params, device, backend.name())?;
        Ok((
            Self {
                lab_id: lab_id.to_string(),
                lab,
                backend,
                history: Vec::new(),
                latest: None,
                timeline: Vec::new(),
                viewing: None,
            },
            notes,
        ))
    }

    /// Starts a new run (new parameters and/or backend), keeping earlier runs' summaries.
    pub fn restart(
        &mut self,
        raw: &BTreeMap<String, String>,
        backend: Backend,
        device: &Device,
    ) -> Result<Vec<ParamError>, LabError> {
        let (params, notes) = labs::params_for(&self.lab_id, None, raw, OutOfRange::Clamp)?;
        let lab = labs::create(&self.lab_id, params, device, backend.name())?;
        if let Some(summary) = self.latest.as_ref().and_then(|s| self.lab.summary(s)) {
            self.history.push(summary);
            if self.history.len() > HISTORY_LIMIT {
                self.history.remove(0);
            }
        }
        self.lab = lab;
        self.backend = backend;
        self.latest = None;
        self.timeline.clear();
        self.viewing = None;
        Ok(notes)
    }

    pub fn step(&mut self, k: u64) {
        self.lab.step(k);
    }

    /// At most `units` units of work (see `Lab::step_work`), stopping as soon as `clock` (in
    /// milliseconds) has moved `budget_ms` past the start. The page's frame loop sizes `units`
    /// from past frames; the budget catches the frames where the work per unit jumps (a unit
    /// that records its metrics costs far more than one that does not).
    pub fn step_work(&mut self, units: u64, budget_ms: f64, clock: impl Fn() -> f64) {
        let start = clock();
        for _ in 0..units {
            self.lab.step_work(1);
            if clock() - start >= budget_ms {
                break;
            }
        }
    }

    pub fn steps_done(&self) -> u64 {
        self.lab.steps_done()
    }

    pub fn max_steps(&self) -> u64 {
        self.lab.max_steps()
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Reads back everything recorded since the last call; ends any scrubbing.
    pub async fn refresh(&mut self) -> Result<&Snapshot, LabError> {
        let snapshot = self.lab.snapshot().await?;
        self.viewing = None;
        // A later read-back at the same step may know more (other shards of an ensemble
        // catching up): it replaces that step's entry.
        if let Some(last) = self.timeline.last_mut().filter(|s| s.step == snapshot.step) {
            *last = snapshot.clone();
        } else if self.timeline.last().is_none_or(|s| s.step < snapshot.step) {
            self.timeline.push(snapshot.clone());
            if self.timeline.len() > TIMELINE_LIMIT {
                let newest = self.timeline.pop();
                let mut i = 0;
                self.timeline.retain(|_| {
                    i += 1;
                    i % 2 == 1
                });
                self.timeline.extend(newest);
            }
        }
        Ok(self.latest.insert(snapshot))
    }

    /// Steps of the snapshots kept for scrubbing, oldest first.
    pub fn timeline_steps(&self) -> Vec<u64> {
        self.timeline.iter().map(|s| s.step).collect()
    }

    /// Shows timeline entry `index` (None: the latest snapshot again).
    pub fn view(&mut self, index: Option<usize>) {
        self.viewing = index.filter(|i| *i < self.timeline.len());
    }

    pub fn latest(&self) -> Option<&Snapshot> {
        self.latest.as_ref()
    }

    pub fn params(&self) -> Option<&Params> {
        self.latest.as_ref().map(|s| &s.params)
    }

    /// Chart specs for the snapshot on display: the latest, or the one scrubbed to (empty
    /// before the first refresh).
    pub fn charts(&self) -> Vec<ChartSpec> {
        let shown = match self.viewing {
            Some(i) => self.timeline.get(i),
            None => self.latest.as_ref(),
        };
        match shown {
            Some(s) => self.lab.charts(s, &self.history),
            None => Vec::new(),
        }
    }

    /// Trains only runs `runs` of this run, as one share of it (labs with `run_shards`).
    pub fn train_share(&mut self, runs: &[String]) -> Result<(), LabError> {
        self.lab.train_share(runs)
    }

    /// What this run recorded, as one shard of an ensemble (labs with `seed_shards` or
    /// `run_shards`).
    pub fn shard_record(&self) -> Option<ShardRecord> {
        self.lab.shard_record()
    }

    /// The other shards' records, shown from the next refresh on.
    pub fn absorb_shards(&mut self, shards: Vec<ShardRecord>) -> Result<(), LabError> {
        self.lab.absorb_shards(shards)
    }

    pub fn history(&self) -> &[RunSummary] {
        &self.history
    }
}

#[cfg(all(test, not(target_family = "wasm")))]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// A flex session of `lab` with raw parameters, and the notes about clamped values.
    fn flex_session(
        lab: &str,
        pairs: &[(&str, &str)],
    ) -> Result<(Session, Vec<ParamError>), LabError> {
        Session::create(lab, None, &raw(pairs), Backend::Flex, &Device::flex())
    }

    #[test]
    fn work_stops_when_the_time_budget_is_spent() {
        // A clock that advances 5 ms every time it is read.
        let ticks = std::cell::Cell::new(0.0);
        let clock = || {
            ticks.set(ticks.get() + 5.0);
            ticks.get()
        };
        let (mut s, _) = flex_session("overoptimization", &[]).unwrap();
        s.step_work(100, 12.0, clock);
        assert_eq!(
            s.steps_done(),
            3,
            "5, 10, then 15 ms ≥ 12 ms after the start"
        );
        s.step_work(100, 1e9, || 0.0);
        assert_eq!(s.steps_done(), 103, "without a deadline, every unit");
    }

    #[test]
    fn out_of_range_values_are_clamped_with_a_note() {
        let (session, notes) = flex_session(
            "frozen-subspace",
            &[("alpha", "99"), ("n", "40"), ("hidden", "4")],
        )
        .unwrap();
        assert_eq!(notes.len(), 1);
        assert!(notes[0].message.contains("α"));
        assert_eq!(session.steps_done(), 0);
    }

    #[test]
    fn garbage_is_dropped_with_a_note_not_a_panic() {
        let (mut session, notes) = flex_session(
            "frozen-subspace",
            &[("alpha", "0.5abc"), ("alhpa", "1"), ("n", "40")],
        )
        .unwrap();
        let messages: Vec<&str> = notes.iter().map(|n| n.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("did you mean `alpha`")));
        assert!(messages.iter().any(|m| m.contains("using the default")));
        phenomena::block_on(session.refresh()).unwrap();
        let params = session.params().unwrap();
        assert_eq!(params.get("n"), 40.0, "the good value is kept");
        assert!(Backend::parse("tpu").is_err());
        assert!(flex_session("no-such-lab", &[]).is_err());
    }

    #[test]
    fn the_timeline_keeps_a_bounded_record_and_scrubbing_shows_an_earlier_step() {
        let small = [("n", "40"), ("hidden", "4"), ("steps", "400")];
        let (mut s, _) = flex_session("frozen-subspace", &small).unwrap();
        for _ in 0..200 {
            s.step(2);
            phenomena::block_on(s.refresh()).unwrap();
        }
        let steps = s.timeline_steps();
        assert!(steps.len() <= TIMELINE_LIMIT && steps.len() > 10);
        assert_eq!(steps.last(), Some(&400));
        assert!(steps.windows(2).all(|w| w[0] < w[1]));
        s.view(Some(0));
        let early = s.charts()[0].series[2].points.len();
        s.view(None);
        let late = s.charts()[0].series[2].points.len();
        assert!(early < late, "the early view shows fewer recorded points");
    }

    #[test]
    fn restart_keeps_the_previous_run_in_history() {
        let small = [("n", "40"), ("hidden", "4"), ("steps", "50")];
        let (mut s, _) = flex_session("frozen-subspace", &small).unwrap();
        s.step(50);
        phenomena::block_on(s.refresh()).unwrap();
        s.restart(&raw(&small), Backend::Flex, &Device::flex())
            .unwrap();
        assert_eq!(s.history().len(), 1);
        assert_eq!(s.steps_done(), 0);
        assert!(s.charts().is_empty());
    }
}
