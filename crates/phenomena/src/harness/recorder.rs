//! The recorder: metric tensors queued on the device as a run trains, read back in one
//! transaction, and turned into named series; divergence is checked as they arrive.
//!
//! Metrics have a leading run axis: one record holds `[runs, metrics]` values, named
//! `"{run}.{metric}"`, so a lab that trains many runs in one batch records them in one tensor.

use std::collections::BTreeMap;

use burn::prelude::*;
use burn::tensor::{TensorData, Transaction};

use crate::lab::{LabError, Params, Series, Snapshot};

/// Which recorded values count as divergence: for the metrics named in `metrics` (every
/// metric when `None`), a value that is not finite or is above `above`; other metrics are
/// never checked.
#[derive(Debug, Clone, Copy)]
pub struct DivergenceCheck {
    pub metrics: Option<&'static [&'static str]>,
    pub above: f64,
}

impl DivergenceCheck {
    /// A run diverges when any recorded value is NaN or infinite.
    pub const NON_FINITE: Self = Self {
        metrics: None,
        above: f64::INFINITY,
    };

    fn fails(&self, metric: &str, value: f64) -> bool {
        let watched = self.metrics.is_none_or(|names| names.contains(&metric));
        watched && (!value.is_finite() || value > self.above)
    }
}

/// The first recorded value that failed the divergence check.
#[derive(Debug, Clone, PartialEq)]
pub struct Divergence {
    pub step: u64,
    pub run: String,
    pub metric: &'static str,
    pub value: f64,
}

/// What a snapshot says about the run that made it.
#[derive(Debug, Clone)]
pub struct RunHeader {
    pub lab: &'static str,
    pub params: Params,
    pub seed: u64,
    pub backend: String,
}

impl RunHeader {
    /// A snapshot at `step` with the given series and divergence message; the lab adds its
    /// scalars and warnings.
    pub fn snapshot(
        &self,
        step: u64,
        series: BTreeMap<String, Series>,
        diverged: Option<String>,
    ) -> Snapshot {
        Snapshot {
            lab: self.lab.into(),
            step,
            params: self.params.clone(),
            seed: self.seed,
            backend: self.backend.clone(),
            series,
            scalars: BTreeMap::new(),
            diverged,
            warnings: Vec::new(),
        }
    }
}

/// One queued record: `[runs, metrics]` values at `step`.
struct Record {
    step: u64,
    runs: Vec<String>,
    metrics: &'static [&'static str],
    values: Tensor<2>,
}

pub struct Recorder {
    pending: Vec<Record>,
    series: BTreeMap<String, Series>,
    check: DivergenceCheck,
    /// The first value that failed the check, of each run that has one, in the order found.
    divergences: Vec<Divergence>,
}

impl Recorder {
    pub fn new(check: DivergenceCheck) -> Self {
        Self {
            pending: Vec::new(),
            series: BTreeMap::new(),
            check,
            divergences: Vec::new(),
        }
    }

    /// Queues `[runs, metrics]` values recorded at `step`; nothing is read back yet.
    pub fn record<S: AsRef<str>>(
        &mut self,
        step: u64,
        runs: &[S],
        metrics: &'static [&'static str],
        values: Tensor<2>,
    ) {
        debug_assert_eq!(values.dims(), [runs.len(), metrics.len()]);
        self.pending.push(Record {
            step,
            runs: runs.iter().map(|r| r.as_ref().to_string()).collect(),
            metrics,
            values,
        });
    }

    /// Queues one run's metrics, a `[metrics]` tensor.
    pub fn record_run(
        &mut self,
        step: u64,
        run: &str,
        metrics: &'static [&'static str],
        values: Tensor<1>,
    ) {
        let width = metrics.len();
        self.record(step, &[run], metrics, values.reshape([1, width]));
    }

    /// Appends a value computed on the host (a theory curve at a recorded step).
    pub fn push(&mut self, name: &str, x: f64, y: f64) {
        self.series.entry(name.to_string()).or_default().push(x, y);
    }

    /// Reads every queued record back in one transaction, together with whatever `extra`
    /// registers (pictures, policies), and returns the extra tensors' data in the order they
    /// were registered.
    pub async fn read_back(
        &mut self,
        extra: impl FnOnce(Transaction) -> Transaction,
    ) -> Result<Vec<TensorData>, LabError> {
        let pending = std::mem::take(&mut self.pending);
        let mut tx = Transaction::default();
        for record in &pending {
            tx = tx.register(record.values.clone());
        }
        let mut values = extra(tx)
            .execute_async()
            .await
            .map_err(|e| LabError::Backend(format!("reading metrics failed: {e:?}")))?;
        let extras = values.split_off(pending.len());
        for (record, data) in pending.iter().zip(values) {
            let row = data.try_to_vec::<f32>().map_err(LabError::backend)?;
            self.append(record, &row);
        }
        Ok(extras)
    }

    fn append(&mut self, record: &Record, values: &[f32]) {
        let x = record.step as f64;
        let width = record.metrics.len();
        for (r, run) in record.runs.iter().enumerate() {
            for (m, metric) in record.metrics.iter().enumerate() {
                let v = values[r * width + m] as f64;
                if self.check.fails(metric, v) && !self.divergences.iter().any(|d| d.run == *run) {
                    self.divergences.push(Divergence {
                        step: record.step,
                        run: run.clone(),
                        metric,
                        value: v,
                    });
                }
                self.push(&format!("{run}.{metric}"), x, v);
            }
        }
    }

    pub fn series(&self) -> &BTreeMap<String, Series> {
        &self.series
    }

    /// The first divergence found (of any run).
    pub fn divergence(&self) -> Option<&Divergence> {
        self.divergences.first()
    }

    /// Each diverged run's first bad value, in the order found.
    pub fn divergences(&self) -> &[Divergence] {
        &self.divergences
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const METRICS: &[&str] = &["loss", "accuracy"];

    fn rows(values: &[f32], runs: usize) -> Tensor<2> {
        Tensor::from_data(
            TensorData::new(values.to_vec(), [runs, values.len() / runs]),
            &Device::flex(),
        )
    }

    #[test]
    fn records_become_named_series_in_step_order() {
        let mut rec = Recorder::new(DivergenceCheck::NON_FINITE);
        rec.record(0, &["gd", "sam"], METRICS, rows(&[1.0, 0.5, 2.0, 0.25], 2));
        rec.record(3, &["gd", "sam"], METRICS, rows(&[0.5, 0.75, 1.5, 0.5], 2));
        rec.push("theory.loss", 0.0, 1.25);
        let extra = Tensor::<1>::from_floats([7.0, 8.0], &Device::flex());
        let extras =
            crate::block_on(rec.read_back(|tx| tx.register(extra.clone()))).expect("reads");
        assert_eq!(extras.len(), 1);
        assert_eq!(extras[0].try_to_vec::<f32>().unwrap(), vec![7.0, 8.0]);
        let s = rec.series();
        assert_eq!(s["gd.loss"].x, vec![0.0, 3.0]);
        assert_eq!(s["gd.loss"].y, vec![1.0, 0.5]);
        assert_eq!(s["sam.accuracy"].y, vec![0.25, 0.5]);
        assert_eq!(s["theory.loss"].y, vec![1.25]);
        assert_eq!(s.len(), 5);
        assert!(rec.divergence().is_none());
        // Nothing is pending after a read: a second read adds no points.
        crate::block_on(rec.read_back(|tx| tx)).expect("reads");
        assert_eq!(rec.series()["gd.loss"].y.len(), 2);
    }

    #[test]
    fn one_run_records_as_a_row() {
        let mut rec = Recorder::new(DivergenceCheck::NON_FINITE);
        let values = Tensor::<1>::from_floats([3.0, 4.0], &Device::flex());
        rec.record_run(5, "elr", METRICS, values);
        crate::block_on(rec.read_back(|tx| tx)).expect("reads");
        assert_eq!(rec.series()["elr.accuracy"].x, vec![5.0]);
        assert_eq!(rec.series()["elr.accuracy"].y, vec![4.0]);
    }

    #[test]
    fn the_first_bad_value_is_the_divergence() {
        let mut rec = Recorder::new(DivergenceCheck::NON_FINITE);
        rec.record(1, &["a", "b"], METRICS, rows(&[1.0, 1.0, 1.0, 1.0], 2));
        rec.record(2, &["a", "b"], METRICS, rows(&[1.0, 1.0, f32::NAN, 1.0], 2));
        rec.record(
            3,
            &["a", "b"],
            METRICS,
            rows(&[f32::INFINITY, 1.0, 1.0, 1.0], 2),
        );
        crate::block_on(rec.read_back(|tx| tx)).expect("reads");
        let d = rec.divergence().expect("diverged");
        assert_eq!((d.step, d.run.as_str(), d.metric), (2, "b", "loss"));
        // The series keep every point, bad ones included, for the export.
        assert_eq!(rec.series()["a.loss"].y.len(), 3);
    }

    #[test]
    fn a_bound_applies_only_to_the_watched_metrics() {
        let check = DivergenceCheck {
            metrics: Some(&["loss"]),
            above: 10.0,
        };
        let mut rec = Recorder::new(check);
        rec.record(1, &["a"], METRICS, rows(&[5.0, 1e9], 1));
        crate::block_on(rec.read_back(|tx| tx)).expect("reads");
        assert!(rec.divergence().is_none());
        rec.record(2, &["a"], METRICS, rows(&[11.0, 0.0], 1));
        crate::block_on(rec.read_back(|tx| tx)).expect("reads");
        assert_eq!(rec.divergence().map(|d| d.value), Some(11.0));
    }
}
