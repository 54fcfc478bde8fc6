//! `phenomena-cli`: the labs without a browser, for researchers and benchmarks.
//!
//! - `list` — labs, presets and parameters;
//! - `run LAB --preset P --out DIR [--set k=v]...` — trains the run to its planned length and
//!   writes `series.csv`, `run.json`, one SVG per chart (the page's chart code) and
//!   `charts.json` (the charts' ids, titles and captions, in page order);
//! - `bench [LAB]` — steps per second on the native flex backend;
//! - `quiz [LAB] [--preset P] [--seeds N]` — trains each preset on seeds 0…N−1 and prints what
//!   each run answers to the preset's question; fails unless every seed gives the same answer;
//! - `catalog` — the gallery's lab list as JSON (`cargo xtask thumbs` writes it to
//!   `www/catalog.json`, so the front page shows without loading the engine).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use burn::prelude::Device;
use clap::{Parser, Subcommand};
use phenomena::{OutOfRange, labs};

#[derive(Parser)]
#[command(name = "phenomena-cli", version, about = "Run Phenomena labs natively")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the labs with their presets and parameters.
    List {
        /// Print the registry as JSON (ids, texts, schemas, presets), for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Train a lab and write its series (CSV, JSON) and charts (SVG).
    Run {
        /// Lab id, e.g. frozen-subspace.
        lab: String,
        /// Preset id (see `list`).
        #[arg(long)]
        preset: Option<String>,
        /// Override a parameter: --set alpha=0.8 (repeatable).
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
        /// Output folder (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Pixel size of the SVGs, e.g. 380x274 (the page's narrowest canvas).
        #[arg(long, default_value = "720x440", value_parser = parse_size)]
        svg_size: (u32, u32),
    },
    /// Print training steps per second on the native flex backend (or a GPU through wgpu).
    Bench {
        /// Lab id; every lab when left out.
        lab: Option<String>,
        /// Preset to time (see `list`); the lab's first when left out.
        #[arg(long)]
        preset: Option<String>,
        /// Steps to time (after a short warm-up).
        #[arg(long, default_value_t = 500)]
        steps: u64,
        /// `flex` (CPU) or, when built with `--features gpu`, `wgpu` (the machine's GPU).
        #[arg(long, default_value = "flex")]
        backend: String,
        /// Override a parameter of the preset: --set hidden=1024 (repeatable).
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
    },
    /// Train each preset on several seeds and print what each run answers to its question.
    Quiz {
        /// Lab id; every lab when left out.
        lab: Option<String>,
        /// One preset (see `list`); every preset of the lab when left out.
        #[arg(long)]
        preset: Option<String>,
        /// Seeds 0…N−1.
        #[arg(long, default_value_t = 10)]
        seeds: u64,
    },
    /// Print the gallery's catalog: each lab's id, title, summary and citation, as JSON.
    Catalog,
}

fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let (w, h) = text
        .split_once('x')
        .ok_or_else(|| format!("`{text}` is not WIDTHxHEIGHT"))?;
    let parse = |v: &str| {
        v.parse::<u32>()
            .ok()
            .filter(|v| (100..=4000).contains(v))
            .ok_or_else(|| format!("`{v}` is not a size between 100 and 4000"))
    };
    Ok((parse(w)?, parse(h)?))
}

/// What the gallery shows of each lab, from the registry: the page reads it from
/// `www/catalog.json` before (or without) loading the engine, which holds the full schema.
#[derive(serde::Serialize)]
struct CatalogEntry {
    id: &'static str,
    title: &'static str,
    summary: &'static str,
    citation: &'static str,
}

fn catalog_json() -> String {
    let labs: Vec<CatalogEntry> = labs::all()
        .iter()
        .map(|l| CatalogEntry {
            id: l.id,
            title: l.title,
            summary: l.summary,
            citation: l.citation,
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&labs).expect("plain strings serialize");
    text.push('\n');
    text
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse_sets(sets: &[String]) -> Result<BTreeMap<String, String>, String> {
    sets.iter()
        .map(|s| {
            s.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| format!("--set expects NAME=VALUE, got `{s}`"))
        })
        .collect()
}

fn bench_device(backend: &str) -> Result<Device, String> {
    match backend {
        "flex" => Ok(Device::flex()),
        #[cfg(feature = "gpu")]
        "wgpu" => Device::wgpu_options()
            .init()
            .map_err(|e| format!("no GPU through wgpu: {e}")),
        other => Err(format!(
            "unknown backend `{other}`: use `flex`{}",
            if cfg!(feature = "gpu") {
                " or `wgpu`"
            } else {
                " (build with --features gpu for `wgpu`)"
            }
        )),
    }
}

/// Times `steps` steps of a lab's preset (its first by default), after a warm-up, on `device`.
fn bench(
    id: &str,
    preset: Option<&str>,
    steps: u64,
    device: &Device,
    backend: &str,
    overrides: &BTreeMap<String, String>,
) -> Result<(), String> {
    let info = labs::info(id).map_err(|e| e.to_string())?;
    let preset = preset.or(info.presets.first().map(|p| p.id));
    let (mut params, _) =
        labs::params_for(id, preset, overrides, OutOfRange::Reject).map_err(|e| e.to_string())?;
    // Plan enough steps that the timed ones all run.
    params.0.insert("steps".into(), (steps + 20) as f64);
    let mut lab = labs::create(id, params, device, backend).map_err(|e| e.to_string())?;
    lab.step(20);
    phenomena::block_on(lab.snapshot()).map_err(|e| e.to_string())?;
    // Count the steps actually taken: a lab may pause for a read-back (USEFUL's clustering),
    // which is then part of the timed work.
    let first = lab.steps_done();
    let start = Instant::now();
    while lab.steps_done() - first < steps && lab.steps_done() < lab.max_steps() {
        let before = lab.steps_done();
        lab.step(steps - (before - first));
        phenomena::block_on(lab.snapshot()).map_err(|e| e.to_string())?;
    }
    let secs = start.elapsed().as_secs_f64();
    let done = lab.steps_done() - first;
    println!(
        "native {id} {backend}: {:.0} steps/s ({done} steps in {secs:.2} s, preset {}{})",
        done as f64 / secs,
        preset.unwrap_or("defaults"),
        overrides
            .iter()
            .map(|(k, v)| format!(", {k}={v}"))
            .collect::<String>()
    );
    Ok(())
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::List { json: true } => {
            let text = serde_json::to_string_pretty(&labs::all()).map_err(|e| e.to_string())?;
            println!("{text}");
            Ok(())
        }
        Command::List { json: false } => {
            for info in labs::all() {
                println!(
                    "{} — {}\n  {}\n  presets:",
                    info.id, info.title, info.citation
                );
                for p in &info.presets {
                    println!("    {:<12} {}", p.id, p.title);
                }
                println!("  parameters:");
                for s in &info.schema {
                    if s.text.is_some() {
                        println!("    {:<12} text, empty by default — {}", s.name, s.label);
                        continue;
                    }
                    println!(
                        "    {:<12} [{}, {}] default {} — {}",
                        s.name, s.min, s.max, s.default, s.label
                    );
                }
            }
            Ok(())
        }
        Command::Run {
            lab,
            preset,
            set,
            out,
            svg_size: (width, height),
        } => {
            let raw = parse_sets(&set)?;
            let (params, _) = labs::params_for(&lab, preset.as_deref(), &raw, OutOfRange::Reject)
                .map_err(|e| e.to_string())?;
            let mut lab =
                labs::create(&lab, params, &Device::flex(), "flex").map_err(|e| e.to_string())?;
            let snapshot = phenomena::block_on(lab.run_to_end()).map_err(|e| e.to_string())?;
            std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
            let write = |name: &str, text: &str| {
                let path = out.join(name);
                std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
            };
            write("series.csv", &snapshot.to_csv())?;
            write("run.json", &snapshot.to_json())?;
            let history = lab.summary(&snapshot).into_iter().collect::<Vec<_>>();
            let charts = lab.charts(&snapshot, &history);
            for chart in &charts {
                let svg = phenomena_charts::to_svg(chart, width, height)?;
                write(&format!("{}.svg", chart.id), &svg)?;
            }
            let index: Vec<serde_json::Value> = charts
                .iter()
                .map(|c| serde_json::json!({"id": c.id, "title": c.title, "caption": c.caption}))
                .collect();
            write(
                "charts.json",
                &serde_json::to_string_pretty(&index).map_err(|e| e.to_string())?,
            )?;
            if let Some(message) = &snapshot.diverged {
                eprintln!("warning: {message}");
            }
            println!("wrote {} (step {})", out.display(), snapshot.step);
            Ok(())
        }
        Command::Bench {
            lab,
            preset,
            steps,
            backend,
            set,
        } => {
            let overrides = parse_sets(&set)?;
            let ids: Vec<String> = match lab {
                Some(id) => vec![id],
                None => labs::all().iter().map(|l| l.id.to_string()).collect(),
            };
            let device = bench_device(&backend)?;
            for id in ids {
                bench(&id, preset.as_deref(), steps, &device, &backend, &overrides)?;
            }
            Ok(())
        }
        Command::Quiz { lab, preset, seeds } => quiz(lab.as_deref(), preset.as_deref(), seeds),
        Command::Catalog => {
            print!("{}", catalog_json());
            Ok(())
        }
    }
}

/// What one seed's run answered, or why it did not.
type SeedAnswer = Result<phenomena::quiz::Reveal, String>;

/// What one finished run answers to its preset's question: the choice, or why none.
fn quiz_answer(lab: &str, preset: &str, seed: u64) -> SeedAnswer {
    let raw = BTreeMap::from([("seed".to_string(), seed.to_string())]);
    let (params, _) =
        labs::params_for(lab, Some(preset), &raw, OutOfRange::Reject).map_err(|e| e.to_string())?;
    let mut run = labs::create(lab, params, &Device::flex(), "flex").map_err(|e| e.to_string())?;
    let snapshot = phenomena::block_on(run.run_to_end()).map_err(|e| e.to_string())?;
    labs::quiz_reveal(lab, preset, &snapshot)
}

/// Trains every chosen preset on seeds 0…seeds−1, on as many threads as the machine has, and
/// prints each preset's answers; an error unless each preset got one answer on every seed.
fn quiz(lab: Option<&str>, preset: Option<&str>, seeds: u64) -> Result<(), String> {
    let mut jobs = Vec::new();
    for info in labs::all()
        .into_iter()
        .filter(|l| lab.is_none_or(|id| l.id == id))
    {
        for p in info
            .presets
            .iter()
            .filter(|p| preset.is_none_or(|id| p.id == id))
        {
            jobs.extend((0..seeds).map(|seed| (info.id, p.id, seed)));
        }
    }
    if jobs.is_empty() {
        return Err("no such lab or preset (see `list`)".into());
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let queue = std::sync::Mutex::new(jobs.clone().into_iter());
    let results = std::sync::Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    // Taken in a statement of its own, so the lock is not held while training.
                    let next = queue.lock().expect("queue").next();
                    let Some(job @ (lab, preset, seed)) = next else {
                        break;
                    };
                    let answer = quiz_answer(lab, preset, seed);
                    results.lock().expect("results").insert(job, answer);
                }
            });
        }
    });
    // Each preset's runs together, in seed order.
    let mut presets: BTreeMap<(&str, &str), Vec<(u64, SeedAnswer)>> = BTreeMap::new();
    for ((lab, preset, seed), answer) in results.into_inner().expect("results") {
        presets
            .entry((lab, preset))
            .or_default()
            .push((seed, answer));
    }
    let mut failures = 0;
    for ((lab, preset), runs) in &presets {
        let first = runs[0].1.as_ref().ok().map(|r| r.choice);
        let unanimous = runs
            .iter()
            .all(|(_, a)| a.as_ref().ok().map(|r| r.choice) == first && first.is_some());
        if !unanimous {
            failures += 1;
        }
        let outcome = runs[0].1.as_ref().map_or("—", |r| r.outcome);
        println!(
            "{lab} {preset}: {} — {outcome}",
            if unanimous {
                "same answer on every seed"
            } else {
                "ANSWERS DIFFER"
            }
        );
        for (seed, answer) in runs {
            match answer {
                Ok(r) => println!("  seed {seed}: {} ({})", r.choice, r.evidence),
                Err(why) => println!("  seed {seed}: none ({why})"),
            }
        }
    }
    if failures > 0 {
        return Err(format!(
            "{failures} preset(s) without one answer on every seed"
        ));
    }
    Ok(())
}
