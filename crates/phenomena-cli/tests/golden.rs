//! Golden runs: every preset of every registered lab, seed 0, trained to its end on flex,
//! must write the same `series.csv` and end with the same scalars, warnings and divergence as
//! recorded in `tests/golden/series.digest`.
//!
//! The fixture keeps one line per series (lab, preset, series, point count and a 64-bit
//! FNV-1a hash of its `x,y` rows as the CSV prints them) and one per scalar, warning and
//! divergence message, and what the run answers to the preset's question (`quiz`), so a refactor that changes any number by one bit fails here, and the
//! failure names what moved.
//! A change that alters the numbers on purpose re-records the fixture with
//! `PHENOMENA_BLESS=1 cargo test --release -p phenomena-cli --test golden` and says why in
//! its commit.
//!
//! CPUs differ in the last bits: the matrix multiplies and element-wise kernels pick their
//! SIMD width when they run, and sums taken in another order round differently (an AMD EPYC
//! with AVX2 and FMA, no AVX-512, moved a quarter of the series). So the fixture may hold one line per series for each kind of
//! CPU it was recorded on, and a run passes when every line it measures is one of them and
//! every series the fixture names was measured. `PHENOMENA_BLESS=add` adds this CPU's lines
//! to the fixture for unchanged code; `PHENOMENA_BLESS=1` keeps this CPU's alone.

use std::collections::BTreeMap;
use std::sync::Mutex;

use burn::prelude::Device;
use phenomena::{OutOfRange, labs};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/series.digest");

/// FNV-1a, 64 bits: small, stable across platforms, and enough to notice a changed digit.
fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// `series points hash` lines of one run's CSV (its `#` header names the version, so it is
/// left out).
fn digest(csv: &str) -> Vec<String> {
    let mut per_series: BTreeMap<&str, (usize, u64)> = BTreeMap::new();
    for line in csv.lines().skip(2) {
        let (name, point) = line.split_once(',').expect("series,x,y rows");
        let entry = per_series.entry(name).or_insert((0, 0xcbf2_9ce4_8422_2325));
        entry.0 += 1;
        entry.1 = fnv1a(point.as_bytes(), fnv1a(b"\n", entry.1));
    }
    per_series
        .into_iter()
        .map(|(name, (points, hash))| format!("{name} {points} {hash:016x}"))
        .collect()
}

/// Every (lab, preset) the registry lists; `PHENOMENA_GOLDEN_LAB=<id>` checks one lab only.
fn every_preset() -> Vec<(&'static str, &'static str)> {
    labs::all()
        .iter()
        .filter(|lab| only_lab().is_none_or(|id| id == lab.id))
        .flat_map(|lab| lab.presets.iter().map(move |p| (lab.id, p.id)))
        .collect()
}

fn only_lab() -> Option<String> {
    std::env::var("PHENOMENA_GOLDEN_LAB").ok()
}

/// The digest lines of one preset's run: its series, then its scalars, warnings and
/// divergence message, each printed exactly.
fn run_preset(lab: &str, preset: &str) -> Vec<String> {
    let (params, _) = labs::params_for(lab, Some(preset), &BTreeMap::new(), OutOfRange::Reject)
        .expect("presets are valid");
    let mut run = labs::create(lab, params, &Device::flex(), "flex").expect("presets build");
    let snapshot = phenomena::block_on(run.run_to_end()).expect("presets run");
    let mut lines = digest(&snapshot.to_csv());
    for (name, value) in &snapshot.scalars {
        lines.push(format!("scalar:{name} {value:?}"));
    }
    for warning in &snapshot.warnings {
        lines.push(format!("warning {warning}"));
    }
    if let Some(message) = &snapshot.diverged {
        lines.push(format!("diverged {message}"));
    }
    // What the run answers to the preset's question (predict, then reveal).
    match labs::quiz_reveal(lab, preset, &snapshot) {
        Ok(reveal) => lines.push(format!("quiz {} {}", reveal.choice, reveal.evidence)),
        Err(why) => lines.push(format!("quiz none {why}")),
    }
    lines
}

#[test]
fn every_preset_reproduces_its_recorded_series() {
    let jobs = Mutex::new(every_preset());
    let results = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    // Taken in a statement of its own: a `while let` would hold the lock while
                    // the preset trains, and the workers would take turns.
                    let next = jobs.lock().unwrap().pop();
                    let Some((lab, preset)) = next else { break };
                    let lines = run_preset(lab, preset);
                    results.lock().unwrap().push((lab, preset, lines));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort();
    let measured: Vec<String> = results
        .iter()
        .flat_map(|(lab, preset, lines)| lines.iter().map(move |l| format!("{lab} {preset} {l}")))
        .collect();

    if let Some(bless) = std::env::var_os("PHENOMENA_BLESS") {
        assert!(only_lab().is_none(), "re-record every lab at once");
        let mut lines: std::collections::BTreeSet<String> = measured.into_iter().collect();
        if bless == "add" {
            let stored = std::fs::read_to_string(FIXTURE).expect("the golden fixture exists");
            lines.extend(stored.lines().map(str::to_string));
        }
        std::fs::create_dir_all(std::path::Path::new(FIXTURE).parent().unwrap()).unwrap();
        let lines: Vec<String> = lines.into_iter().collect();
        std::fs::write(FIXTURE, lines.join("\n") + "\n").unwrap();
        return;
    }
    let stored = std::fs::read_to_string(FIXTURE).expect("the golden fixture exists");
    let stored: Vec<&str> = stored
        .lines()
        .filter(|l| only_lab().is_none_or(|id| l.starts_with(&format!("{id} "))))
        .collect();
    // A line's lab, preset and what it is about (a series or a scalar), without its value; a
    // warning, or a divergence message, is its whole line (a preset may have several).
    let key = |line: &str| {
        let words: Vec<&str> = line.splitn(4, ' ').collect();
        match words.get(2) {
            Some(&"warning") | Some(&"diverged") => line.to_string(),
            _ => words[..words.len().min(3)].join(" "),
        }
    };
    let measured_keys: std::collections::BTreeSet<String> =
        measured.iter().map(|l| key(l)).collect();
    // Measured lines no CPU recorded, and series recorded that this run did not measure.
    let differing: Vec<String> = measured
        .iter()
        .filter(|l| !stored.contains(&l.as_str()))
        .map(|l| key(l))
        .chain(
            stored
                .iter()
                .map(|l| key(l))
                .filter(|k| !measured_keys.contains(k)),
        )
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(
        differing.is_empty(),
        "{} series differ from the golden runs (lab preset series):\n  {}",
        differing.len(),
        differing.join("\n  ")
    );
}

#[test]
fn the_digest_notices_one_changed_digit() {
    let a = "# header\nseries,x,y\na,1,0.5\na,2,0.25\nb,1,3\n";
    let b = "# header\nseries,x,y\na,1,0.5\na,2,0.26\nb,1,3\n";
    let (da, db) = (digest(a), digest(b));
    assert_eq!(da.len(), 2);
    assert_ne!(da[0], db[0]);
    assert_eq!(da[1], db[1]);
    assert!(da[0].starts_with("a 2 "));
}
