//! `cargo xtask dist`: one folder that works from any static host (a course's own server, an
//! LMS file area, GitHub Pages) and, once a page of it was opened, without a network.
//!
//! The folder holds the page and the iframe page, `www/` with both engines and the gallery's
//! stills, the docs and the example course page. It adds:
//! - `sw.js`, the service worker (`sw.js` in this crate, with the version and the list of files
//!   to keep written above it), at the root so that its scope covers every page;
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

/// The service worker's code; `write` puts `VERSION` and `PRECACHE` above it.
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
    let config = format!(
        "// Written by `cargo xtask dist`: this folder keeps itself for offline use (sw.js).\n\
         export const OFFLINE = {{ version: '{version}' }};\n"
    );
    write_file(&out.join("www/offline-config.js"), &config)?;
    let precache = precache(&files);
    let list = serde_json::to_string_pretty(&precache).expect("strings serialize");
    let worker = format!(
        "// Written by `cargo xtask dist` for this folder.\nconst VERSION = '{version}';\n\
         const PRECACHE = {list};\n\n{SERVICE_WORKER}"
    );
    write_file(&out.join("sw.js"), &worker)?;
    write_file(&out.join("HOSTING.md"), HOSTING)?;
    write_file(&out.join("_headers"), NETLIFY_HEADERS)?;
    write_file(&out.join(".htaccess"), HTACCESS)?;
    write_file(&out.join(".nojekyll"), "")?;
    let size = |file: &String| std::fs::metadata(out.join(file)).map_or(0, |m| m.len());
    Ok(Written {
        files: files.len() + 5,
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

/// The paths the service worker stores at install, relative to the folder: the folder itself
/// (`./`, what a link to the folder asks for) and every copied file but `NOT_PRECACHED`.
pub fn precache(files: &[String]) -> Vec<String> {
    std::iter::once("./".to_string())
        .chain(
            files
                .iter()
                .filter(|f| !NOT_PRECACHED.iter().any(|skip| f.starts_with(skip)))
                .cloned(),
        )
        .collect()
}

/// A 64-bit FNV-1a hash of every file's path and bytes: a new version whenever anything in the
/// folder changes, so a browser replaces its stored copy, and the same one otherwise.
fn version(out: &Path, files: &[String]) -> Result<String, String> {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in files {
        let bytes = std::fs::read(out.join(file)).map_err(io(&out.join(file)))?;
        for byte in file.bytes().chain([0]).chain(bytes) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    Ok(format!("{hash:016x}"))
}

/// Removes `out` when it is an earlier folder of this task (it has `sw.js`) or empty; refuses
/// anything else, so a mistyped `--out` cannot delete someone's folder.
fn clear(out: &Path) -> Result<(), String> {
    if !out.exists() {
        return Ok(());
    }
    let empty = std::fs::read_dir(out).map_err(io(out))?.next().is_none();
    if !empty && !out.join("sw.js").is_file() {
        return Err(format!(
            "{} exists and is not a folder written by `cargo xtask dist`: choose another --out",
            out.display()
        ));
    }
    std::fs::remove_dir_all(out).map_err(io(out))
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
                "./",
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
    fn only_an_empty_folder_or_an_earlier_dist_is_replaced() {
        let dir = scratch("clear");
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        let refused = clear(&dir).unwrap_err();
        assert!(
            refused.contains("not a folder written by `cargo xtask dist`"),
            "{refused}"
        );
        assert!(dir.join("notes.txt").is_file());
        std::fs::write(dir.join("sw.js"), "").unwrap();
        clear(&dir).unwrap();
        assert!(!dir.exists());
    }

    #[test]
    fn the_service_worker_code_expects_what_write_puts_above_it() {
        for name in ["VERSION", "PRECACHE"] {
            assert!(SERVICE_WORKER.contains(name), "sw.js does not use {name}");
            assert!(
                !SERVICE_WORKER.contains(&format!("const {name}")),
                "sw.js defines {name}"
            );
        }
    }
}
