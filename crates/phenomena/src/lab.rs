//! The Lab contract: a parameter schema, presets, a lab that steps and reports snapshots,
//! and the charts drawn from those snapshots.
//!
//! Parameters are declared once ([`ParamSpec`]); the page's controls, the URL hash, the CLI
//! flags and validation all read that one declaration.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use phenomena_charts::ChartSpec;
use serde::{Deserialize, Serialize};

/// A boxed future that does not need to be `Send` (wasm is single-threaded).
pub type LocalFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// One tunable number of a lab.
#[derive(Debug, Clone, Serialize)]
pub struct ParamSpec {
    /// Key used in URLs, CLI flags and snapshots.
    pub name: &'static str,
    /// Human label for the control.
    pub label: &'static str,
    pub min: f64,
    pub max: f64,
    /// Control granularity; integers use 1.
    pub step: f64,
    pub default: f64,
    /// The control moves on a log scale (learning rates, ratios).
    pub log: bool,
    pub integer: bool,
    pub help: &'static str,
    /// Where the parameter comes from (paper and symbol).
    pub source: &'static str,
    /// For a choice: the label of each value 0, 1, …; empty for a number.
    pub options: &'static [&'static str],
    /// When the parameter matters only for some settings of another one (a data set's own
    /// knobs), the condition under which it applies; `None`: it always applies. The page
    /// hides a control whose condition fails on the current values.
    pub visible_when: Option<Condition>,
    /// An on/off switch (options "off", "on"), drawn as a checkbox.
    pub checkbox: bool,
    /// A switch that only works when another parameter is above a value (a method that needs
    /// a hidden layer): the page disables it with the requirement's note, links and controls
    /// switch it off with that note, and the CLI refuses it.
    pub requires: Option<Requirement>,
    /// One of the fork's parameters (see [`crate::fork`]): it adds a branch beside the runs
    /// and changes none of them, so a preset, its caption and its question still hold.
    pub fork: bool,
    /// A parameter whose value is text, not a number (a drawn point set), with the function
    /// that reads it. Its number fields go unused; it is empty unless given, and the page
    /// draws no control for it. Serialized as `true`/`false`.
    #[serde(serialize_with = "is_text")]
    pub text: Option<ReadText>,
}

/// Reads a text parameter: its canonical form (empty for none), or why it cannot be read.
pub type ReadText = fn(&str) -> Result<String, String>;

fn is_text<S: serde::Serializer>(read: &Option<ReadText>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bool(read.is_some())
}

/// "Parameter `param` is above `above`", with the note that says why a switch needs it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Requirement {
    pub param: &'static str,
    pub above: f64,
    pub note: &'static str,
}

/// "Parameter `param` has one of `values`" (or, when `or` is set, that other condition holds):
/// serialized as `{"param": "dataset", "values": [0, 2]}`, with `"or": {…}` when set.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Condition {
    pub param: &'static str,
    pub values: &'static [f64],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub or: Option<&'static Condition>,
}

impl Condition {
    /// Applies when `param` has one of `values`.
    pub const fn when(param: &'static str, values: &'static [f64]) -> Option<Self> {
        Some(Self::clause(param, values))
    }

    /// One clause, to combine with [`Condition::or`].
    pub const fn clause(param: &'static str, values: &'static [f64]) -> Self {
        Self {
            param,
            values,
            or: None,
        }
    }

    /// Applies when this clause holds or `other` does.
    pub const fn or(self, other: &'static Condition) -> Option<Self> {
        Some(Self {
            or: Some(other),
            ..self
        })
    }

    /// The condition in words, from `schema`'s labels: "data set is 2-D blobs".
    pub fn describe(&self, schema: &[ParamSpec]) -> String {
        let spec = schema.iter().find(|s| s.name == self.param);
        let label = spec.map_or(self.param, |s| s.label);
        let values: Vec<String> = self
            .values
            .iter()
            .map(|v| {
                spec.and_then(|s| s.options.get(*v as usize))
                    .map_or_else(|| fmt_num(*v), |o| o.to_string())
            })
            .collect();
        let this = format!("{label} is {}", values.join(" or "));
        match self.or {
            Some(other) => format!("{this}, or {}", other.describe(schema)),
            None => this,
        }
    }

    /// Whether the condition holds for a set of values.
    pub fn holds(&self, params: &Params) -> bool {
        let this = params
            .0
            .get(self.param)
            .is_some_and(|v| self.values.iter().any(|w| (v - w).abs() < 1e-9));
        this || self.or.is_some_and(|other| other.holds(params))
    }
}

impl ParamSpec {
    /// A numeric parameter; fill in the rest with struct update syntax.
    pub const NUMBER: ParamSpec = ParamSpec {
        name: "",
        label: "",
        min: 0.0,
        max: 1.0,
        step: 0.01,
        default: 0.0,
        log: false,
        integer: false,
        help: "",
        source: "",
        options: &[],
        visible_when: None,
        checkbox: false,
        requires: None,
        fork: false,
        text: None,
    };

    /// An on/off switch, off by default, drawn as a checkbox; `requires` as in
    /// [`ParamSpec::requires`].
    pub const fn switch(
        name: &'static str,
        label: &'static str,
        help: &'static str,
        source: &'static str,
        requires: Option<Requirement>,
    ) -> ParamSpec {
        ParamSpec {
            name,
            label,
            step: 1.0,
            integer: true,
            help,
            source,
            options: &["off", "on"],
            checkbox: true,
            requires,
            ..ParamSpec::NUMBER
        }
    }

    /// The seed every lab declares: an integer in [0, 10⁹], 0 by default; `help` says what it
    /// fixes.
    pub const fn seed(label: &'static str, help: &'static str) -> ParamSpec {
        ParamSpec {
            name: "seed",
            label,
            max: 1e9,
            step: 1.0,
            integer: true,
            help,
            ..ParamSpec::NUMBER
        }
    }

    /// The run length every lab declares: "training steps" from 10 to `max` in steps of 10 on
    /// a log slider; `help` says what a step is.
    pub const fn steps(max: f64, default: f64, help: &'static str) -> ParamSpec {
        ParamSpec {
            name: "steps",
            label: "training steps",
            min: 10.0,
            max,
            step: 10.0,
            default,
            log: true,
            integer: true,
            help,
            ..ParamSpec::NUMBER
        }
    }

    /// A text parameter read by `read` (see [`ParamSpec::text`]).
    pub const fn text(
        name: &'static str,
        label: &'static str,
        help: &'static str,
        read: ReadText,
        visible_when: Option<Condition>,
    ) -> ParamSpec {
        ParamSpec {
            name,
            label,
            help,
            visible_when,
            text: Some(read),
            ..ParamSpec::NUMBER
        }
    }

    /// Whether the parameter applies under `params` (see [`ParamSpec::visible_when`]).
    pub fn applies(&self, params: &Params) -> bool {
        self.visible_when.is_none_or(|c| c.holds(params))
    }
}

/// A validated, complete set of parameter values, keyed by name: the numbers, and the text
/// parameters that are not empty ([`ParamSpec::text`]). Serialized as one map of both.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Params(pub BTreeMap<String, f64>, pub BTreeMap<String, String>);

impl Serialize for Params {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len() + self.1.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        for (k, v) in &self.1 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Params {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Value {
            Number(f64),
            Text(String),
        }
        let mut params = Params::default();
        for (k, v) in BTreeMap::<String, Value>::deserialize(d)? {
            match v {
                Value::Number(n) => {
                    params.0.insert(k, n);
                }
                Value::Text(t) => {
                    params.1.insert(k, t);
                }
            }
        }
        Ok(params)
    }
}

impl Params {
    /// Numbers only, as most callers and tests build them.
    pub fn numbers(values: BTreeMap<String, f64>) -> Self {
        Params(values, BTreeMap::new())
    }

    /// A text parameter's value; empty when it was not given.
    pub fn text(&self, name: &str) -> &str {
        self.1.get(name).map_or("", String::as_str)
    }

    /// Value of a declared parameter. Panics only on a programming error (an undeclared name).
    pub fn get(&self, name: &str) -> f64 {
        *self
            .0
            .get(name)
            .unwrap_or_else(|| panic!("parameter `{name}` is not declared"))
    }

    pub fn usize(&self, name: &str) -> usize {
        self.get(name).round().max(0.0) as usize
    }
}

/// Why a parameter value was refused.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamError {
    pub name: String,
    pub message: String,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

/// How [`resolve_params`] treats out-of-range numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutOfRange {
    /// Move the value to the nearest bound and report it (controls, URLs).
    Clamp,
    /// Refuse the value (CLI, programmatic use).
    Reject,
}

/// Builds a complete parameter set from raw text values (URL hash, CLI flags).
///
/// Missing names take their defaults. In [`OutOfRange::Reject`] mode unknown names,
/// non-numeric, non-finite and out-of-range values are errors. In [`OutOfRange::Clamp`] mode
/// (links and controls) one bad entry must not cost the user every other value of a shared
/// link, so an unknown name or an unreadable value is dropped, an out-of-range number is moved
/// to the nearest bound (an out-of-range choice takes its default), and each change is reported. On success the second element lists
/// those notes, each naming its parameter; a link with many unknown names gets at most
/// [`MAX_NAMED`] of them named and one note counting the rest.
pub fn resolve_params(
    schema: &[ParamSpec],
    raw: &BTreeMap<String, String>,
    mode: OutOfRange,
) -> Result<(Params, Vec<ParamError>), Vec<ParamError>> {
    let mut values = BTreeMap::new();
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    let unknown: Vec<&String> = raw
        .keys()
        .filter(|name| !schema.iter().any(|p| p.name == name.as_str()))
        .collect();
    for name in unknown.iter().take(MAX_NAMED) {
        let shown = truncate(name, 40);
        let hint = closest_name(schema, name)
            .map(|close| format!(" (did you mean `{close}`?)"))
            .unwrap_or_default();
        let message = match mode {
            OutOfRange::Reject => format!("unknown parameter `{shown}`{hint}"),
            OutOfRange::Clamp => format!("unknown parameter `{shown}` ignored{hint}"),
        };
        problems.push(ParamError {
            name: name.to_string(),
            message,
        });
    }
    if unknown.len() > MAX_NAMED {
        let more = unknown.len() - MAX_NAMED;
        problems.push(ParamError {
            name: String::new(),
            message: format!(
                "and {more} more unknown parameter{} ignored",
                if more == 1 { "" } else { "s" }
            ),
        });
    }
    let mut texts = BTreeMap::new();
    for spec in schema {
        if let Some(read) = spec.text {
            let Some(text) = raw.get(spec.name) else {
                continue;
            };
            match read(text.trim()) {
                Ok(canonical) if canonical.is_empty() => {}
                Ok(canonical) => {
                    texts.insert(spec.name.to_string(), canonical);
                }
                Err(why) => {
                    let message = format!("{} (`{}`): {why}", spec.label, spec.name);
                    problems.push(ParamError {
                        name: spec.name.into(),
                        message: match mode {
                            OutOfRange::Reject => message,
                            OutOfRange::Clamp => format!("{message}; ignored"),
                        },
                    });
                }
            }
            continue;
        }
        let value = match raw.get(spec.name) {
            None => spec.default,
            Some(text) => match text.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => v,
                _ => {
                    let message = format!(
                        "{} (`{}`) must be a number in [{}, {}], got `{}`",
                        spec.label,
                        spec.name,
                        fmt_num(spec.min),
                        fmt_num(spec.max),
                        truncate(text, 40)
                    );
                    let message = match mode {
                        OutOfRange::Reject => message,
                        OutOfRange::Clamp => {
                            values.insert(spec.name.to_string(), spec.default);
                            format!("{message}; using the default {}", fmt_num(spec.default))
                        }
                    };
                    problems.push(ParamError {
                        name: spec.name.into(),
                        message,
                    });
                    continue;
                }
            },
        };
        let mut v = if spec.integer { value.round() } else { value };
        if v < spec.min || v > spec.max {
            let message = format!(
                "{} (`{}`) must lie in [{}, {}], got {}",
                spec.label,
                spec.name,
                fmt_num(spec.min),
                fmt_num(spec.max),
                fmt_num(value)
            );
            match mode {
                OutOfRange::Reject => {
                    problems.push(ParamError {
                        name: spec.name.into(),
                        message,
                    });
                    continue;
                }
                OutOfRange::Clamp => {
                    // A choice's nearest end is just another choice (the last fork, the
                    // last data set): an unknown one means the default.
                    let choice = !spec.options.is_empty();
                    v = if choice {
                        spec.default
                    } else {
                        v.clamp(spec.min, spec.max)
                    };
                    let using = if choice { "using the default" } else { "using" };
                    notes.push(ParamError {
                        name: spec.name.into(),
                        message: format!("{message}; {using} {}", fmt_num(v)),
                    });
                }
            }
        }
        values.insert(spec.name.to_string(), v);
    }
    // A text parameter where it does not apply (your points, on another data set) would
    // change nothing but the link: it is left out, and said.
    let numbers = Params::numbers(values.clone());
    for spec in schema
        .iter()
        .filter(|s| s.text.is_some() && !s.applies(&numbers))
    {
        if texts.remove(spec.name).is_some() {
            let only = spec
                .visible_when
                .map(|c| format!(" (only where {})", c.describe(schema)))
                .unwrap_or_default();
            notes.push(ParamError {
                name: spec.name.into(),
                message: format!(
                    "{} (`{}`) do not apply to these settings{only}; left out",
                    spec.label, spec.name
                ),
            });
        }
    }
    // A switch that is on without what it needs: refused, or switched off with its note.
    for unmet in unmet_requirements(schema, &values) {
        match mode {
            OutOfRange::Reject => problems.push(unmet),
            OutOfRange::Clamp => {
                values.insert(unmet.name.clone(), 0.0);
                notes.push(ParamError {
                    message: format!("{}; it is off", unmet.message),
                    ..unmet
                });
            }
        }
    }
    match mode {
        OutOfRange::Reject if !problems.is_empty() => Err(problems),
        _ => {
            problems.extend(notes);
            Ok((Params(values, texts), problems))
        }
    }
}

/// The switches that are on without what they need ([`ParamSpec::requires`]), each with its
/// note.
pub fn unmet_requirements(schema: &[ParamSpec], values: &BTreeMap<String, f64>) -> Vec<ParamError> {
    schema
        .iter()
        .filter_map(|spec| {
            let need = spec.requires?;
            let on = values.get(spec.name).is_some_and(|v| *v != 0.0);
            // A needed value that is missing was refused itself; say that, not this.
            let met = values.get(need.param).is_none_or(|v| *v > need.above);
            (on && !met).then(|| ParamError {
                name: spec.name.into(),
                message: format!("{} (`{}`) {}", spec.label, spec.name, need.note),
            })
        })
        .collect()
}

/// How many unknown names one message list names before it only counts the rest.
pub const MAX_NAMED: usize = 3;

/// The declared name closest to a misspelt one, if it is within two edits.
fn closest_name(schema: &[ParamSpec], name: &str) -> Option<&'static str> {
    // A junk name hundreds of characters long cannot be within two edits of a short one;
    // skipping it keeps a hostile link cheap.
    if name.chars().count() > 64 {
        return None;
    }
    schema
        .iter()
        .map(|p| (edit_distance(&name.to_lowercase(), p.name), p.name))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Levenshtein distance, counting an adjacent swap (`alhpa` for `alpha`) as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// Default values of every parameter in a schema.
pub fn default_params(schema: &[ParamSpec]) -> Params {
    Params::numbers(
        schema
            .iter()
            .filter(|p| p.text.is_none())
            .map(|p| (p.name.to_string(), p.default))
            .collect(),
    )
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let head: String = text.chars().take(max).collect();
        format!("{head}…")
    }
}

/// Compact, readable rendering of a number for messages.
pub fn fmt_num(v: f64) -> String {
    if v == v.round() && v.abs() < 1e9 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A named parameter set that reproduces one figure or story, with what to look for.
#[derive(Debug, Clone, Serialize)]
pub struct Preset {
    pub id: &'static str,
    pub title: &'static str,
    /// Two sentences: what to look for, and why.
    pub caption: &'static str,
    pub citation: &'static str,
    /// Values that differ from the schema defaults.
    pub values: &'static [(&'static str, f64)],
    /// The question the preset asks before its run when the quiz is on (predict, then reveal).
    pub quiz: crate::quiz::Quiz,
}

impl Preset {
    pub fn params(&self, schema: &[ParamSpec]) -> Params {
        let mut params = default_params(schema);
        for (name, value) in self.values {
            params.0.insert(name.to_string(), *value);
        }
        params
    }
}

/// What the page needs to know about a lab before creating it.
#[derive(Debug, Clone, Serialize)]
pub struct LabInfo {
    pub id: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    pub citation: &'static str,
    pub schema: Vec<ParamSpec>,
    pub presets: Vec<Preset>,
    /// What the lab's runs measured, in plain words, where they differ from the papers.
    pub notes: &'static str,
    /// Whether the lab's seeds train independently, so that several engines may each train a
    /// share of them and one shows them all (see [`ShardRecord`]).
    pub seed_shards: bool,
    /// Whether the runs of one seed train independently, so that several engines may each
    /// train some of them (`crate::labs::run_shares` plans which) and one shows them all.
    pub run_shards: bool,
}

/// What one engine training a share of a lab's seeds, or of one seed's runs, has recorded,
/// for the engine that shows them all ([`Lab::absorb_shards`]). A lab with seeds `s … s + k`
/// can train as shards with seeds `s … s + a`, `s + a … s + b`, …; a lab whose info has
/// `run_shards` can train some of its runs in each engine ([`Lab::train_share`]). Seeds and
/// runs are independent, so the shown lab's series and scalars are those of one lab training
/// them all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShardRecord {
    /// How many seeds the shard adds to the ensemble shown (0 for a share of one seed's runs).
    pub seeds: usize,
    /// Its recorded series: per seed, keyed `"{seed index in the shard}/{name}"`; for a share
    /// of runs, those runs' series under their own names.
    pub series: BTreeMap<String, Series>,
    /// Per-seed numbers that are not series (one value per seed), by name.
    pub per_seed: BTreeMap<String, Vec<f64>>,
    /// Why the shard stopped, where a run of it diverged: the lab shown stops and says so,
    /// as one engine training everything would.
    #[serde(default)]
    pub diverged: Option<String>,
}

/// One named curve in a snapshot: x values (usually steps) and y values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    #[serde(deserialize_with = "non_finite::vec")]
    pub x: Vec<f64>,
    #[serde(deserialize_with = "non_finite::vec")]
    pub y: Vec<f64>,
}

/// JSON has no NaN or infinity: serde_json writes them as `null` (a diverged run's last
/// values, E_g after infinite training at α = 1). Reading an export back, `null` is NaN.
mod non_finite {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer};

    fn nan_if_null(v: Option<f64>) -> f64 {
        v.unwrap_or(f64::NAN)
    }

    pub fn vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        let values = Vec::<Option<f64>>::deserialize(d)?;
        Ok(values.into_iter().map(nan_if_null).collect())
    }

    pub fn map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, f64>, D::Error> {
        let values = BTreeMap::<String, Option<f64>>::deserialize(d)?;
        Ok(values
            .into_iter()
            .map(|(k, v)| (k, nan_if_null(v)))
            .collect())
    }
}

impl Series {
    /// Values against their index 0, 1, 2, … (spectra, distributions, predictions).
    pub fn indexed(y: Vec<f64>) -> Self {
        Self {
            x: (0..y.len()).map(|i| i as f64).collect(),
            y,
        }
    }

    pub fn push(&mut self, x: f64, y: f64) {
        self.x.push(x);
        self.y.push(y);
    }
    pub fn last(&self) -> Option<f64> {
        self.y.last().copied()
    }
}

/// Everything measured so far in a run: named series plus named scalars, all plain data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub lab: String,
    pub step: u64,
    pub params: Params,
    pub seed: u64,
    pub backend: String,
    pub series: BTreeMap<String, Series>,
    #[serde(deserialize_with = "non_finite::map")]
    pub scalars: BTreeMap<String, f64>,
    /// Set when a run has diverged; the page stops and shows this.
    pub diverged: Option<String>,
    /// Conditions worth telling the user that do not stop the run (e.g. a collapsed policy).
    #[serde(default)]
    pub warnings: Vec<String>,
}

impl Snapshot {
    /// A series as (x, y) points, empty when it is not recorded (yet).
    pub fn points(&self, name: &str) -> Vec<(f64, f64)> {
        self.series
            .get(name)
            .map(|s| s.x.iter().copied().zip(s.y.iter().copied()).collect())
            .unwrap_or_default()
    }

    /// The run as tidy CSV (`series,x,y`), preceded by one `#` comment line with the lab,
    /// version, seed, backend, step and every parameter, so a file always says what made it.
    pub fn to_csv(&self) -> String {
        let numbers = self.params.0.iter().map(|(k, v)| format!("{k}={v}"));
        let texts = self.params.1.iter().map(|(k, v)| format!("{k}={v}"));
        let params: Vec<String> = numbers.chain(texts).collect();
        let mut out = format!(
            "# phenomena {} lab={} seed={} backend={} step={} {}\nseries,x,y\n",
            env!("CARGO_PKG_VERSION"),
            self.lab,
            self.seed,
            self.backend,
            self.step,
            params.join(" ")
        );
        for (name, s) in &self.series {
            for (x, y) in s.x.iter().zip(&s.y) {
                out.push_str(&format!("{name},{x},{y}\n"));
            }
        }
        out
    }

    /// The run as JSON with the generating version stamped in.
    pub fn to_json(&self) -> String {
        let value = serde_json::json!({
            "generator": format!("phenomena {}", env!("CARGO_PKG_VERSION")),
            "snapshot": self,
        });
        serde_json::to_string_pretty(&value).expect("snapshots serialize")
    }

    /// Reads back what [`Snapshot::to_json`] wrote (a run's JSON export).
    pub fn from_json(text: &str) -> Result<Snapshot, String> {
        #[derive(Deserialize)]
        struct Export {
            snapshot: Snapshot,
        }
        serde_json::from_str::<Export>(text)
            .map(|e| e.snapshot)
            .map_err(|e| format!("not a run's JSON export: {e}"))
    }
}

/// A finished (or stopped) run's headline numbers, kept across resets so a lab can plot
/// results of earlier runs (e.g. the error against α).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub params: Params,
    pub values: BTreeMap<String, f64>,
}

/// Errors a lab reports to its caller; never a panic.
#[derive(Debug, Clone, PartialEq)]
pub enum LabError {
    Params(Vec<ParamError>),
    Backend(String),
    UnknownLab(String),
}

impl LabError {
    /// A backend failure (reading a tensor back, converting its data), with its debug text.
    pub fn backend(error: impl fmt::Debug) -> Self {
        LabError::Backend(format!("{error:?}"))
    }
}

impl fmt::Display for LabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabError::Params(errors) => {
                let list: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
                write!(f, "{}", list.join("; "))
            }
            LabError::Backend(msg) => write!(f, "backend error: {msg}"),
            LabError::UnknownLab(id) => write!(f, "unknown lab `{id}`"),
        }
    }
}

impl std::error::Error for LabError {}

/// A running experiment: every run of the comparison, trained in lockstep.
pub trait Lab {
    fn info(&self) -> LabInfo;
    /// Advances every run by `k` steps. Work is queued on the device; nothing is read back.
    fn step(&mut self, k: u64);
    /// Advances by about `units` units of work, for callers that keep each call short (the
    /// page's frame loop): it stops once that much is done, so the last piece may take it one
    /// unit over. A unit is one run's step; a lab that trains its runs in lockstep does them
    /// all at once, one lab step a unit.
    fn step_work(&mut self, units: u64);
    fn steps_done(&self) -> u64;
    /// The planned length of the run; `step` does nothing past it.
    fn max_steps(&self) -> u64;
    /// Reads the recorded metrics back from the device (asynchronously) into a snapshot.
    fn snapshot(&mut self) -> LocalFuture<'_, Result<Snapshot, LabError>>;
    /// The charts for a snapshot, with earlier runs' summaries where a chart uses them.
    fn charts(&self, snapshot: &Snapshot, history: &[RunSummary]) -> Vec<ChartSpec>;
    /// Headline numbers of this run, kept by the caller across resets.
    fn summary(&self, snapshot: &Snapshot) -> Option<RunSummary>;
    /// What this lab has recorded, as one shard of a larger ensemble (labs whose info has
    /// `seed_shards` or `run_shards`; as of the last snapshot).
    fn shard_record(&self) -> Option<ShardRecord> {
        None
    }
    /// Takes the records of the other shards this lab shows (an ensemble's other seeds, in
    /// seed order after its own, or the other shares of its runs); the next snapshot includes
    /// them.
    fn absorb_shards(&mut self, _shards: Vec<ShardRecord>) -> Result<(), LabError> {
        Err(LabError::Backend(format!(
            "the {} lab does not train its seeds or runs in shards",
            self.info().id
        )))
    }
    /// Trains only runs `runs` of those the parameters ask for, as one share of a run that
    /// other engines train the rest of (labs whose info has `run_shards`; before the first
    /// step). Charts still show every run, with the others' from [`Lab::absorb_shards`].
    fn train_share(&mut self, _runs: &[String]) -> Result<(), LabError> {
        Err(LabError::Backend(format!(
            "the {} lab does not train its runs apart",
            self.info().id
        )))
    }

    /// Trains to the planned end, reading back whenever stepping pauses (a lab may need
    /// results read back before it can go on, like USEFUL's clustering).
    fn run_to_end(&mut self) -> LocalFuture<'_, Result<Snapshot, LabError>> {
        Box::pin(async move {
            let mut stalled = 0;
            loop {
                let before = self.steps_done();
                self.step(self.max_steps().saturating_sub(before));
                let snapshot = self.snapshot().await?;
                let done = self.steps_done() >= self.max_steps() || snapshot.diverged.is_some();
                stalled = if self.steps_done() == before {
                    stalled + 1
                } else {
                    0
                };
                if done || stalled > 2 {
                    return Ok(snapshot);
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Vec<ParamSpec> {
        vec![ParamSpec {
            name: "alpha",
            label: "α",
            min: 0.1,
            max: 4.0,
            step: 0.05,
            default: 0.5,
            log: false,
            integer: false,
            help: "",
            source: "",
            options: &[],
            visible_when: None,
            checkbox: false,
            requires: None,
            fork: false,
            text: None,
        }]
    }

    /// A width and a switch that needs it above zero.
    fn switch_schema() -> Vec<ParamSpec> {
        vec![
            ParamSpec {
                name: "hidden",
                max: 64.0,
                step: 1.0,
                integer: true,
                ..ParamSpec::NUMBER
            },
            ParamSpec::switch(
                "dropout",
                "dropout",
                "",
                "",
                Some(Requirement {
                    param: "hidden",
                    above: 0.0,
                    note: "needs a hidden layer",
                }),
            ),
        ]
    }

    #[test]
    fn a_switch_without_what_it_needs_is_refused_or_switched_off_with_its_note() {
        let schema = switch_schema();
        let on_linear = raw(&[("dropout", "1"), ("hidden", "0")]);
        let errors = resolve_params(&schema, &on_linear, OutOfRange::Reject).unwrap_err();
        assert_eq!(
            errors[0].message,
            "dropout (`dropout`) needs a hidden layer"
        );
        let (p, notes) = resolve_params(&schema, &on_linear, OutOfRange::Clamp).unwrap();
        assert_eq!(p.get("dropout"), 0.0);
        assert_eq!(
            notes[0].message,
            "dropout (`dropout`) needs a hidden layer; it is off"
        );
        let on_mlp = raw(&[("dropout", "1"), ("hidden", "8")]);
        let (p, notes) = resolve_params(&schema, &on_mlp, OutOfRange::Reject).unwrap();
        assert_eq!((p.get("dropout"), notes.len()), (1.0, 0));
    }

    fn raw(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn missing_values_take_defaults() {
        let (p, notes) = resolve_params(&schema(), &raw(&[]), OutOfRange::Reject).unwrap();
        assert_eq!(p.get("alpha"), 0.5);
        assert!(notes.is_empty());
    }

    #[test]
    fn out_of_range_is_clamped_with_a_message_naming_the_range() {
        let (p, notes) =
            resolve_params(&schema(), &raw(&[("alpha", "9")]), OutOfRange::Clamp).unwrap();
        assert_eq!(p.get("alpha"), 4.0);
        assert!(
            notes[0].message.contains("[0.1, 4]"),
            "{}",
            notes[0].message
        );
    }

    #[test]
    fn an_out_of_range_choice_takes_its_default_not_its_nearest_neighbour() {
        let schema = [ParamSpec {
            name: "fork",
            max: 3.0,
            step: 1.0,
            integer: true,
            options: &["none", "a", "b", "c"],
            ..ParamSpec::NUMBER
        }];
        let (p, notes) =
            resolve_params(&schema, &raw(&[("fork", "9")]), OutOfRange::Clamp).unwrap();
        assert_eq!(p.get("fork"), 0.0);
        assert!(
            notes[0].message.contains("using the default 0"),
            "{}",
            notes[0].message
        );
    }

    #[test]
    fn out_of_range_is_rejected_in_reject_mode() {
        let err =
            resolve_params(&schema(), &raw(&[("alpha", "-1")]), OutOfRange::Reject).unwrap_err();
        assert_eq!(err[0].name, "alpha");
    }

    fn two() -> Vec<ParamSpec> {
        let mut s = schema();
        s.push(ParamSpec {
            name: "width",
            label: "width",
            min: 1.0,
            max: 100.0,
            default: 10.0,
            ..ParamSpec::NUMBER
        });
        s
    }

    #[test]
    fn non_numeric_and_nan_are_errors_in_reject_mode() {
        for bad in ["abc", "NaN", "inf", ""] {
            let err =
                resolve_params(&schema(), &raw(&[("alpha", bad)]), OutOfRange::Reject).unwrap_err();
            assert!(err[0].message.contains("must be a number"), "{bad}");
        }
    }

    #[test]
    fn a_bad_value_falls_back_to_its_default_and_keeps_the_other_values() {
        for bad in ["abc", "NaN", "Infinity", "-inf", ""] {
            let (p, notes) = resolve_params(
                &two(),
                &raw(&[("alpha", bad), ("width", "42")]),
                OutOfRange::Clamp,
            )
            .unwrap();
            assert_eq!(p.get("alpha"), 0.5, "{bad}");
            assert_eq!(p.get("width"), 42.0, "{bad}");
            assert_eq!(notes.len(), 1);
            assert_eq!(notes[0].name, "alpha");
            assert!(
                notes[0].message.contains(&format!("got `{bad}`"))
                    && notes[0].message.ends_with("using the default 0.5"),
                "{}",
                notes[0].message
            );
        }
    }

    #[test]
    fn unknown_names_are_errors_in_reject_mode() {
        let err =
            resolve_params(&schema(), &raw(&[("beta", "1")]), OutOfRange::Reject).unwrap_err();
        assert!(err[0].message.contains("unknown parameter `beta`"));
    }

    #[test]
    fn an_unknown_name_is_dropped_with_a_suggestion_and_the_rest_kept() {
        let (p, notes) = resolve_params(
            &two(),
            &raw(&[("alhpa", "2"), ("width", "42")]),
            OutOfRange::Clamp,
        )
        .unwrap();
        assert_eq!(p.get("alpha"), 0.5);
        assert_eq!(p.get("width"), 42.0);
        assert_eq!(notes.len(), 1);
        assert_eq!(
            notes[0].message,
            "unknown parameter `alhpa` ignored (did you mean `alpha`?)"
        );
        let (_, notes) =
            resolve_params(&two(), &raw(&[("zzzzzz", "2")]), OutOfRange::Clamp).unwrap();
        assert_eq!(notes[0].message, "unknown parameter `zzzzzz` ignored");
    }

    #[test]
    fn many_unknown_names_give_a_short_list() {
        let junk: Vec<(String, String)> = (0..300)
            .map(|i| (format!("junk{i:03}"), "1".to_string()))
            .collect();
        let mut map: BTreeMap<String, String> = junk.into_iter().collect();
        map.insert("width".into(), "7".into());
        let (p, notes) = resolve_params(&two(), &map, OutOfRange::Clamp).unwrap();
        assert_eq!(p.get("width"), 7.0);
        assert_eq!(notes.len(), MAX_NAMED + 1);
        assert_eq!(
            notes[MAX_NAMED].message,
            "and 297 more unknown parameters ignored"
        );
        let err = resolve_params(&two(), &map, OutOfRange::Reject).unwrap_err();
        assert_eq!(err.len(), MAX_NAMED + 1);
    }

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        assert_eq!(edit_distance("alhpa", "alpha"), 1);
        assert_eq!(edit_distance("alph", "alpha"), 1);
        assert_eq!(edit_distance("lr", "alpha"), 4);
    }

    #[test]
    fn csv_stamps_the_config_and_lists_every_point() {
        let mut snap = Snapshot {
            lab: "demo".into(),
            seed: 3,
            ..Default::default()
        };
        snap.params.0.insert("alpha".into(), 0.5);
        snap.series.entry("a".into()).or_default().push(1.0, 2.5);
        let csv = snap.to_csv();
        assert!(csv.starts_with("# phenomena "));
        assert!(csv.contains("lab=demo seed=3") && csv.contains("alpha=0.5"));
        assert!(csv.ends_with("series,x,y\na,1,2.5\n"));
    }
}
