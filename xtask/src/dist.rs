//! `cargo xtask dist`: one folder that works from any static host (a course's own server, an
//! LMS file area, GitHub Pages) and, once a page of it was opened, without a network.
//!
//! The folder holds the page and the iframe page, `www/` with both engines and the gallery's
//! stills, the docs and the example course page. It adds:
//! - `sw.js`, the service worker (`sw.js` in this crate, with the version and the lists of files
//!   written above it), at the root so that its scope covers every page;
//! - `.phenomena-dist`, the list of files this task wrote: the next `dist` into the same folder
//!   replaces those and leaves anything else (a teacher's course pages) in place;
//! - `www/offline-config.js`, which turns registering it on (the repository's copy does not);
//! - what a host needs for course pages on other origins: `HOSTING.md` says it, `_headers`
//!   (Netlify, Cloudflare Pages) and `.htaccess` (Apache) send it, `.nojekyll` keeps GitHub
//!   Pages from dropping the files whose names start with an underscore.

use std::path::{Path, PathBuf};

/// Files and folders of the repository that the folder carries, as they are.
const COPIED: [&str; 6] = [
    "index.html",
    "embed.html",
    "README.md",
    "www",
    "docs",
    "examples",
];

/// What the service worker does not store at install: the WebGPU engine (27 MB, kept only
/// once a page has loaded it), the example course page and the repository's README.
const NOT_PRECACHED: [&str; 3] = ["www/pkg/", "examples/", "README.md"];

/// The list of files a `dist` wrote, for the next one to replace.
const MANIFEST: &str = ".phenomena-dist";

/// What `write` adds beside the copied files.
const GENERATED: [&str; 6] = [
    "sw.js",
    "HOSTING.md",
    "_headers",
    ".htaccess",
    ".nojekyll",
    MANIFEST,
];

/// The service worker's code; `write` puts `VERSION`, `PRECACHE` and `FILES` above it.
const SERVICE_WORKER: &str = include_str!("sw.js");

const HOSTING: &str = include_str!("HOSTING.md");

/// The CORS headers of docs/embedding.md, for Netlify and Cloudflare Pages.
const NETLIFY_HEADERS: &str = "/www/*\n  Access-Control-Allow-Origin: *\n  \
                               Cross-Origin-Resource-Policy: cross-origin\n";

/// The same for Apache (mod_headers), and the types a bare Apache may lack.
const HTACCESS: &str = "AddType application/wasm .wasm\nAddType text/javascript .js .mjs\n\
                        <IfModule mod_headers.c>\n  \
                        Header set Access-Control-Allow-Origin \"*\"\n  \
                        Header set Cross-Origin-Resource-Policy \"cross-origin\"\n\
                        </IfModule>\n";

/// What `write` put in the folder.
pub struct Written {
    pub files: usize,
    pub bytes: u64,
    pub precached: usize,
    pub precached_bytes: u64,
    pub version: String,
}

/// Writes the folder `out` from the repository at `root` (the engines must be built). An
/// existing `out` is replaced only when it is empty or an earlier folder of this task.
pub fn write(root: &Path, out: &Path) -> Result<Written, String> {
    for engine in ["www/pkg", "www/pkg-cpu"] {
        if !root.join(engine).join("phenomena_web_bg.wasm").is_file() {
            return Err(format!(
                "{engine} is not built: run `cargo xtask build` first"
            ));
        }
    }
    clear(out)?;
    let mut files = Vec::new();
    for item in COPIED {
        collect(root, Path::new(item), &mut files)?;
    }
    files.sort();
    for file in &files {
        let to = out.join(file);
        std::fs::create_dir_all(to.parent().expect("a file has a folder")).map_err(io(&to))?;
        std::fs::copy(root.join(file), &to).map_err(io(&to))?;
    }
    let version = version(out, &files)?;
    let manifest: Vec<String> = files
        .iter()
        .cloned()
        .chain(GENERATED.iter().map(|f| f.to_string()))
        .collect();
    let config = format!(
        "// Written by `cargo xtask dist`: this folder keeps itself for offline use (sw.js).\n\
         export const OFFLINE = {{ version: '{version}' }};\n"
    );
    write_file(&out.join("www/offline-config.js"), &config)?;
    let precache = precache(&files);
    let json = |list: &[String]| serde_json::to_string_pretty(list).expect("strings serialize");
    let worker = format!(
        "// Written by `cargo xtask dist` for this folder.\nconst VERSION = '{version}';\n\
         const PRECACHE = {};\nconst FILES = {};\n\n{SERVICE_WORKER}",
        json(&precache),
        json(&files),
    );
    write_file(&out.join("sw.js"), &worker)?;
    write_file(&out.join("HOSTING.md"), HOSTING)?;
    write_file(&out.join("_headers"), NETLIFY_HEADERS)?;
    write_file(&out.join(".htaccess"), HTACCESS)?;
    write_file(&out.join(".nojekyll"), "")?;
    write_file(&out.join(MANIFEST), &(manifest.join("\n") + "\n"))?;
    let size = |file: &String| std::fs::metadata(out.join(file)).map_or(0, |m| m.len());
    Ok(Written {
        files: files.len() + GENERATED.len(),
        bytes: files.iter().map(size).sum(),
        precached: precache.len(),
        precached_bytes: files
            .iter()
            .filter(|f| precache.contains(f))
            .map(size)
            .sum(),
        version,
    })
}

/// The paths the service worker stores at install, relative to the folder: every copied file
/// but `NOT_PRECACHED`. (A link to the folder itself is answered with its `index.html`: not
/// every host serves a folder's index, and one 404 would fail the whole install.)
pub fn precache(files: &[String]) -> Vec<String> {
    files
        .iter()
        .filter(|f| !NOT_PRECACHED.iter().any(|skip| f.starts_with(skip)))
        .cloned()
        .collect()
}

/// A 64-bit FNV-1a hash of the service worker's code and every file's path and bytes: a new
/// version whenever anything in the folder changes, so a browser replaces its stored copy,
/// and the same one otherwise.
fn version(out: &Path, files: &[String]) -> Result<String, String> {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut add = |bytes: &[u8]| {
        for byte in bytes.iter().copied().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    add(SERVICE_WORKER.as_bytes());
    for file in files {
        let bytes = std::fs::read(out.join(file)).map_err(io(&out.join(file)))?;
        add(file.as_bytes());
        add(&bytes);
    }
    Ok(format!("{hash:016x}"))
}

/// Removes what an earlier run of this task wrote into `out` (the files its `MANIFEST` lists,
/// then the folders they leave empty) and nothing else: a teacher's course page kept in the
/// folder stays. A folder that is neither empty nor has a manifest is refused, so a mistyped
/// `--out` cannot touch someone's files.
fn clear(out: &Path) -> Result<(), String> {
    if !out.exists() {
        return Ok(());
    }
    let empty = std::fs::read_dir(out).map_err(io(out))?.next().is_none();
    let manifest = out.join(MANIFEST);
    if empty {
        return Ok(());
    }
    if !manifest.is_file() {
        return Err(format!(
            "{} exists and is not a folder written by `cargo xtask dist`: choose another --out",
            out.display()
        ));
    }
    let listed = std::fs::read_to_string(&manifest).map_err(io(&manifest))?;
    let mut folders = std::collections::BTreeSet::new();
    for file in listed
        .lines()
        .filter(|l| !l.is_empty() && !l.contains(".."))
    {
        let path = out.join(file);
        if path.is_file() {
            std::fs::remove_file(&path).map_err(io(&path))?;
        }
        let mut dir = Path::new(file).parent();
        while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
            folders.insert(d.to_path_buf());
            dir = d.parent();
        }
    }
    // Deepest first; a folder with a file of someone else's in it stays.
    for folder in folders.iter().rev() {
        let _ = std::fs::remove_dir(out.join(folder));
    }
    Ok(())
}

/// Every file under `item` (a file or a folder of the repository), as paths relative to `root`
/// with `/` separators.
fn collect(root: &Path, item: &Path, files: &mut Vec<String>) -> Result<(), String> {
    let full = root.join(item);
    if full.is_file() {
        files.push(item.to_string_lossy().replace('\\', "/"));
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&full)
        .map_err(io(&full))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io(&full))?;
    entries.sort();
    for entry in entries {
        let name = entry.file_name().expect("an entry has a name");
        collect(root, &item.join(name), files)?;
    }
    Ok(())
}

fn write_file(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(io(path))
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("{}: {e}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-dist-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn precache_keeps_the_page_and_the_cpu_engine_but_not_the_webgpu_engine() {
        let files: Vec<String> = [
            "index.html",
            "README.md",
            "www/app.js",
            "www/pkg/phenomena_web_bg.wasm",
            "www/pkg-cpu/phenomena_web_bg.wasm",
            "examples/course-page.html",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            precache(&files),
            [
                "index.html",
                "www/app.js",
                "www/pkg-cpu/phenomena_web_bg.wasm"
            ]
        );
    }

    #[test]
    fn the_version_follows_the_contents() {
        let dir = scratch("version");
        std::fs::write(dir.join("a.js"), "one").unwrap();
        let files = vec!["a.js".to_string()];
        let first = version(&dir, &files).unwrap();
        assert_eq!(first, version(&dir, &files).unwrap());
        std::fs::write(dir.join("a.js"), "two").unwrap();
        assert_ne!(first, version(&dir, &files).unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_what_an_earlier_dist_wrote_is_replaced() {
        let dir = scratch("clear");
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        std::fs::write(dir.join("sw.js"), "another app's").unwrap();
        let refused = clear(&dir).unwrap_err();
        assert!(
            refused.contains("not a folder written by `cargo xtask dist`"),
            "{refused}"
        );
        assert!(dir.join("notes.txt").is_file() && dir.join("sw.js").is_file());
        // An earlier dist: its files go, a teacher's page in one of its folders stays.
        std::fs::create_dir_all(dir.join("www/pkg")).unwrap();
        std::fs::create_dir_all(dir.join("course")).unwrap();
        std::fs::write(dir.join("www/pkg/a.wasm"), "").unwrap();
        std::fs::write(dir.join("course/week7.html"), "teacher's").unwrap();
        std::fs::write(dir.join(MANIFEST), "sw.js\nwww/pkg/a.wasm\n../outside\n").unwrap();
        clear(&dir).unwrap();
        assert!(!dir.join("sw.js").exists() && !dir.join("www").exists());
        assert!(dir.join("course/week7.html").is_file() && dir.join("notes.txt").is_file());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_service_worker_code_expects_what_write_puts_above_it() {
        for name in ["VERSION", "PRECACHE", "FILES"] {
            assert!(SERVICE_WORKER.contains(name), "sw.js does not use {name}");
            assert!(
                !SERVICE_WORKER.contains(&format!("const {name}")),
                "sw.js defines {name}"
            );
        }
    }
}
