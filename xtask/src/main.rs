//! `cargo xtask <task>`:
//! - `build`  — compile the web crate to wasm twice, CPU-only into `www/pkg-cpu/` and with
//!   WebGPU into `www/pkg/`, with their JS bindings;
//! - `serve`  — build, then serve the playground on http://127.0.0.1:8000 (`--port N`);
//! - `test`   — native tests, wasm tests in headless Chromium (WebGPU and flex), page tests;
//! - `bench`  — steps/s natively and in headless Chromium on both backends, the longest
//!   main-thread task, time to the first chart, a 100 000-step memory soak, the time from Play
//!   to every preset's last step on the page, an ensemble's seeds in one worker against one
//!   per core, the main thread with four labs training on one page, and the page size;
//! - `dist`   — build, then write one folder that works from any static host and offline
//!   (`--out DIR`, default `dist/`; `--no-build` takes the engines as they are);
//! - `thumbs` — write the gallery's catalog (`www/catalog.json`, from the registry) and redraw
//!   its stills (`www/thumbs/<lab>.svg`) from each lab's first preset, trained natively to its
//!   end.

mod dist;
mod serve;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Must equal the `wasm-bindgen` crate version pinned in the workspace.
const WASM_BINDGEN_VERSION: &str = "0.2.130";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("build") => build(),
        Some("serve") => build().and_then(|_| serve::serve(&root(), port(&args)?, None)),
        Some("test") => test(),
        Some("bench") => bench(),
        Some("dist") => dist(&args),
        Some("thumbs") => thumbs(),
        _ => Err(
            "usage: cargo xtask <build | serve [--port N] | test | bench | dist [--out DIR] \
             [--no-build] | thumbs>"
                .into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The value after `flag`, if the flag is there.
fn flag_value<'a>(args: &'a [String], flag: &str) -> Result<Option<&'a str>, String> {
    match args.iter().position(|a| a == flag) {
        None => Ok(None),
        Some(i) => args
            .get(i + 1)
            .map(|v| Some(v.as_str()))
            .ok_or_else(|| format!("{flag} needs a value")),
    }
}

fn dist(args: &[String]) -> Result<(), String> {
    let out = flag_value(args, "--out")?.map_or_else(|| root().join("dist"), PathBuf::from);
    if !args.iter().any(|a| a == "--no-build") {
        build()?;
    }
    let written = dist::write(&root(), &out)?;
    println!(
        "{}: {} files, {:.1} MB; the service worker keeps {} of them ({:.1} MB) at the first \
         visit (version {}); see HOSTING.md there",
        out.display(),
        written.files,
        written.bytes as f64 / 1e6,
        written.precached,
        written.precached_bytes as f64 / 1e6,
        written.version
    );
    Ok(())
}

fn port(args: &[String]) -> Result<u16, String> {
    flag_value(args, "--port")?.map_or(Ok(8000), |p| {
        p.parse().map_err(|_| "--port needs a number".to_string())
    })
}

/// The repository root (the parent of this crate's folder).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the repository")
        .to_path_buf()
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    eprintln!("xtask: running {shown}");
    let status = cmd
        .current_dir_if_unset()
        .status()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

trait DefaultDir {
    fn current_dir_if_unset(&mut self) -> &mut Self;
}

impl DefaultDir for Command {
    fn current_dir_if_unset(&mut self) -> &mut Self {
        if self.get_current_dir().is_none() {
            self.current_dir(root());
        }
        self
    }
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// `cargo run --release -q -p phenomena-cli --`: add the CLI's own arguments.
fn cli() -> Command {
    let mut cmd = cargo();
    cmd.args(["run", "--release", "-q", "-p", "phenomena-cli", "--"]);
    cmd
}

fn check_wasm_bindgen() -> Result<(), String> {
    let out = Command::new("wasm-bindgen")
        .arg("--version")
        .output()
        .map_err(|_| {
            format!(
                "wasm-bindgen is not installed: cargo install wasm-bindgen-cli --version \
                 {WASM_BINDGEN_VERSION}"
            )
        })?;
    let version = String::from_utf8_lossy(&out.stdout);
    if !version.contains(WASM_BINDGEN_VERSION) {
        return Err(format!(
            "wasm-bindgen {WASM_BINDGEN_VERSION} is required, found `{}`: cargo install \
             wasm-bindgen-cli --version {WASM_BINDGEN_VERSION} --force",
            version.trim()
        ));
    }
    Ok(())
}

/// The two engines the page can load: (features, output folder). The CPU-only one is the
/// default download; the page loads the WebGPU one only when a lab trains on WebGPU.
const ENGINES: [(&[&str], &str); 2] = [
    (&["--no-default-features"], "www/pkg-cpu"),
    (&[], "www/pkg"),
];

/// Compiles the web crate twice (CPU-only and with WebGPU) and writes each engine's
/// `phenomena_web{.js,_bg.wasm}` into its folder.
fn build() -> Result<(), String> {
    check_wasm_bindgen()?;
    for (features, out_dir) in ENGINES {
        run(cargo()
            .args([
                "build",
                "--release",
                "--target",
                WASM_TARGET,
                "-p",
                "phenomena-web",
            ])
            .args(features))?;
        let wasm = root().join(format!("target/{WASM_TARGET}/release/phenomena_web.wasm"));
        // Without the name section the module is a fifth smaller gzipped; panics still carry
        // their messages, only wasm stack frames lose their function names.
        run(Command::new("wasm-bindgen")
            .args(["--target", "web", "--no-typescript", "--out-dir", out_dir])
            .args(["--remove-name-section", "--remove-producers-section"])
            .arg(&wasm))?;
        let size = std::fs::metadata(root().join(out_dir).join("phenomena_web_bg.wasm"))
            .map(|m| m.len())
            .unwrap_or(0);
        eprintln!("xtask: built {out_dir} ({:.1} MB wasm)", size as f64 / 1e6);
    }
    Ok(())
}

fn ensure_node_packages() -> Result<(), String> {
    if root().join("node_modules/playwright-core").exists() {
        return Ok(());
    }
    run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]))
}

fn chromium() -> Result<(), String> {
    for bin in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
        if !Path::new(bin).exists() {
            return Err(format!(
                "{bin} is missing: apt-get install chromium chromium-driver"
            ));
        }
    }
    Ok(())
}

fn test() -> Result<(), String> {
    // 1. Native: the science, the charts, the session logic, the CLI.
    run(cargo().args(["test", "--release", "--workspace"]))?;
    // 2. The same crate compiled to wasm, in headless Chromium: flex and WebGPU.
    chromium()?;
    check_wasm_bindgen()?;
    run(cargo()
        .args([
            "test",
            "--release",
            "--target",
            WASM_TARGET,
            "-p",
            "phenomena-web",
        ])
        .current_dir(root().join("crates/phenomena-web"))
        .env("CHROMEDRIVER", "/usr/bin/chromedriver")
        .env("WASM_BINDGEN_TEST_TIMEOUT", "900")
        .env("WASM_BINDGEN_TEST_ONLY_WEB", "1"))?;
    // 3. The real page, served, in headless Chromium.
    build()?;
    ensure_node_packages()?;
    // The offline test serves a dist folder from a plain static server of its own.
    let dist_dir = root().join("target/dist-test");
    // A scratch folder of this task's own, written afresh (the test adds a course page to it).
    let _ = std::fs::remove_dir_all(&dist_dir);
    dist::write(&root(), &dist_dir)?;
    let server = serve::spawn(&root(), 0)?;
    run(Command::new("node")
        .args(["--test", "--test-concurrency=1", "tests/"])
        .env(
            "PHENOMENA_URL",
            format!("http://127.0.0.1:{}/", server.port),
        )
        .env("PHENOMENA_DIST", &dist_dir))
}

fn bench() -> Result<(), String> {
    run(cli().arg("bench"))?;
    build()?;
    ensure_node_packages()?;
    chromium()?;
    let server = serve::spawn(&root(), 0)?;
    for script in [
        "tests/bench/browser-bench.mjs",
        "tests/bench/soak.mjs",
        "tests/bench/story.mjs",
        "tests/bench/cores.mjs",
        "tests/bench/four-labs.mjs",
    ] {
        run(Command::new("node").arg(script).env(
            "PHENOMENA_URL",
            format!("http://127.0.0.1:{}/", server.port),
        ))?;
    }
    // What a lab page transfers: the HTML, every script and style sheet of the front end, and
    // one engine (the gallery adds its stills). Each file is gzipped once.
    let gzipped = |file: &str| -> Result<(usize, usize), String> {
        let bytes = std::fs::read(root().join(file)).map_err(|e| format!("{file}: {e}"))?;
        Ok((bytes.len(), gzip_len(&bytes)))
    };
    let front_end = page_files()?;
    let mut front_end_gz = 0;
    for file in &front_end {
        front_end_gz += gzipped(file)?.1;
    }
    for (engine, label) in [
        ("www/pkg-cpu", "CPU engine (the default)"),
        ("www/pkg", "WebGPU engine"),
    ] {
        let wasm = format!("{engine}/phenomena_web_bg.wasm");
        let (wasm_raw, wasm_gz) = gzipped(&wasm)?;
        let (_, glue_gz) = gzipped(&format!("{engine}/phenomena_web.js"))?;
        println!(
            "{wasm}: {:.2} MB raw, {:.2} MB gzipped",
            wasm_raw as f64 / 1e6,
            wasm_gz as f64 / 1e6
        );
        println!(
            "page transfer with the {label}: {:.2} MB gzipped ({} files; target ≤ 2 MB)",
            (front_end_gz + glue_gz + wasm_gz) as f64 / 1e6,
            front_end.len() + 2
        );
    }
    Ok(())
}

/// The page's own files: index.html and every .js and .css in www/ (not the engines).
fn page_files() -> Result<Vec<String>, String> {
    let mut files = vec!["index.html".to_string()];
    let dir = std::fs::read_dir(root().join("www")).map_err(|e| e.to_string())?;
    for entry in dir.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.ends_with(".js") || name.ends_with(".css") {
            files.push(format!("www/{name}"));
        }
    }
    files.sort();
    Ok(files)
}

/// Lab ids, from the registry as the CLI prints it (`list --json`).
fn lab_ids() -> Result<Vec<String>, String> {
    let out = cli()
        .args(["list", "--json"])
        .current_dir(root())
        .output()
        .map_err(|e| e.to_string())?;
    let labs: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("phenomena-cli list: {e}"))?;
    labs.as_array()
        .ok_or("phenomena-cli list --json printed no list")?
        .iter()
        .map(|lab| lab["id"].as_str().map(str::to_string))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| "a lab without an id".to_string())
}

fn thumbs() -> Result<(), String> {
    // The gallery renders from this file before the engine loads; a CLI test fails when it
    // differs from the registry.
    let catalog = cli()
        .arg("catalog")
        .current_dir(root())
        .output()
        .map_err(|e| e.to_string())?;
    if !catalog.status.success() {
        return Err(format!(
            "phenomena-cli catalog failed: {}",
            String::from_utf8_lossy(&catalog.stderr)
        ));
    }
    std::fs::write(root().join("www/catalog.json"), &catalog.stdout).map_err(|e| e.to_string())?;
    println!("www/catalog.json");
    std::fs::create_dir_all(root().join("www/thumbs")).map_err(|e| e.to_string())?;
    for id in lab_ids()? {
        let out = root().join("target/thumbs").join(&id);
        // Drawn at the size the gallery shows them, so their text is as legible as a chart's.
        run(cli()
            .args(["run", &id, "--svg-size", "480x294", "--out"])
            .arg(&out))?;
        let index = std::fs::read_to_string(out.join("charts.json")).map_err(|e| e.to_string())?;
        // The first chart is the lab's headline chart.
        let first = index
            .split("\"id\": \"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .ok_or("charts.json lists no chart")?;
        std::fs::copy(
            out.join(format!("{first}.svg")),
            root().join(format!("www/thumbs/{id}.svg")),
        )
        .map_err(|e| e.to_string())?;
        println!("www/thumbs/{id}.svg ← {first}");
    }
    Ok(())
}

fn gzip_len(bytes: &[u8]) -> usize {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).expect("in-memory gzip");
    enc.finish().expect("in-memory gzip").len()
}
