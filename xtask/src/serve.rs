//! A small static file server for the playground: correct MIME types, a strict
//! Content-Security-Policy, no directory escape, and one thread and one connection per request
//! (`Connection: close`), so no client can hold up another.
//!
//! Course pages live on other origins and load `www/phenomena.js`, its modules, the engines
//! and the style sheet from here, so every answer carries `Access-Control-Allow-Origin: *`
//! (a module script or a `fetch` from another origin is refused without it) and
//! `Cross-Origin-Resource-Policy: cross-origin` (hosts that isolate themselves with COEP).
//! Text and wasm go out gzipped to clients that accept it: the WebGPU engine is 27 MB raw.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, SystemTime};

/// The strict policy the playground must work under, as a course site might impose: scripts
/// only from this origin, WebAssembly compilation allowed, no eval, no inline script; the labs'
/// workers from this origin only.
pub const CONTENT_SECURITY_POLICY: &str =
    "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; object-src 'none'";

fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "csv" => "text/csv",
        "md" | "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Maps a URL path to a file under `root`, refusing `..` and absolute components.
fn resolve(root: &Path, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next().unwrap_or("/");
    let mut out = root.to_path_buf();
    for part in Path::new(path.trim_start_matches('/')).components() {
        match part {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if out.is_dir() {
        out.push("index.html");
    }
    out.is_file().then_some(out)
}

/// Whether a file of this type shrinks when gzipped (images and archives do not).
fn compressible(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("html" | "js" | "mjs" | "wasm" | "css" | "json" | "svg" | "csv" | "md" | "txt")
    )
}

/// Gzipped copies of served files, keyed by path and kept while the file's modification time
/// is unchanged: compressing the 27 MB engine takes about a second, once.
#[derive(Default, Clone)]
struct GzipCache(Arc<Mutex<HashMap<PathBuf, Gzipped>>>);

/// A file's modification time and its gzipped bytes.
type Gzipped = (SystemTime, Arc<Vec<u8>>);

impl GzipCache {
    /// The file gzipped: from the cache while the file is unchanged, so a cached answer does
    /// not read the file again.
    fn get(&self, path: &Path) -> std::io::Result<Arc<Vec<u8>>> {
        let modified = std::fs::metadata(path)?.modified()?;
        if let Some((when, gz)) = self.0.lock().expect("cache lock").get(path)
            && *when == modified
        {
            return Ok(gz.clone());
        }
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&std::fs::read(path)?)?;
        let gz = Arc::new(enc.finish()?);
        self.0
            .lock()
            .expect("cache lock")
            .insert(path.to_path_buf(), (modified, gz.clone()));
        Ok(gz)
    }
}

/// Whether an `Accept-Encoding` header value admits gzip (and does not refuse it with q=0).
fn accepts_gzip(value: &str) -> bool {
    value.split(',').any(|coding| {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or("");
        let refused = parts.any(|p| p.replace(' ', "") == "q=0");
        (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
    })
}

/// Reads one request's head and answers it; the connection closes afterwards.
fn handle(root: &Path, gzip: &GzipCache, stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(120)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut wants_gzip = false;
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("accept-encoding")
        {
            wants_gzip = accepts_gzip(value.trim());
        }
        line.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (method, url) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    let found = match method {
        "GET" | "HEAD" => resolve(root, url).and_then(|path| {
            let gzipped = wants_gzip && compressible(&path);
            let body = if gzipped {
                gzip.get(&path).ok()?
            } else {
                Arc::new(std::fs::read(&path).ok()?)
            };
            Some((body, path, gzipped))
        }),
        _ => None,
    };
    let (status, content_type, body, encoding) = match found {
        Some((body, path, gzipped)) => (
            "200 OK",
            mime(&path),
            body,
            if gzipped {
                "Content-Encoding: gzip\r\n"
            } else {
                ""
            },
        ),
        None => (
            "404 Not Found",
            "text/plain",
            Arc::new(b"not found".to_vec()),
            "",
        ),
    };
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         {encoding}Vary: Accept-Encoding\r\nCache-Control: no-cache\r\n\
         Content-Security-Policy: {CONTENT_SECURITY_POLICY}\r\n\
         Access-Control-Allow-Origin: *\r\nCross-Origin-Resource-Policy: cross-origin\r\n\
         X-Content-Type-Options: nosniff\r\n\
         Access-Control-Expose-Headers: Content-Encoding, Content-Length\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if method != "HEAD" {
        out.write_all(&body)?;
    }
    out.flush()
}

fn answer_all(listener: TcpListener, root: PathBuf) {
    let gzip = GzipCache::default();
    for stream in listener.incoming().flatten() {
        let (root, gzip) = (root.clone(), gzip.clone());
        thread::spawn(move || {
            let _ = handle(&root, &gzip, stream);
        });
    }
}

pub struct Running {
    pub port: u16,
}

/// Serves `root` on 127.0.0.1:`port` (0 picks a free port) on a background thread.
pub fn spawn(root: &Path, port: u16) -> Result<Running, String> {
    let listener =
        TcpListener::bind(("127.0.0.1", port)).map_err(|e| format!("cannot listen: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let root = root.to_path_buf();
    thread::spawn(move || answer_all(listener, root));
    Ok(Running { port })
}

/// Serves `root` in the foreground until interrupted.
pub fn serve(root: &Path, port: u16, _ready: Option<()>) -> Result<(), String> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| format!("cannot listen on {port}: {e}"))?;
    println!("Phenomena is served on http://127.0.0.1:{port}/ (Ctrl-C stops it)");
    answer_all(listener, root.to_path_buf());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn paths_cannot_escape_the_root() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert!(resolve(root, "/../Cargo.toml").is_none());
        assert!(resolve(root, "/Cargo.toml?x=1").is_some());
        assert_eq!(mime(Path::new("a.wasm")), "application/wasm");
    }

    #[test]
    fn answers_with_the_file_its_type_and_the_policy() {
        let running = spawn(Path::new(env!("CARGO_MANIFEST_DIR")), 0).unwrap();
        let mut s = TcpStream::connect(("127.0.0.1", running.port)).unwrap();
        s.write_all(b"GET /Cargo.toml HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut reply = String::new();
        s.read_to_string(&mut reply).unwrap();
        assert!(reply.starts_with("HTTP/1.1 200 OK"));
        assert!(reply.contains("Content-Security-Policy: script-src 'self' 'wasm-unsafe-eval'"));
        assert!(reply.contains("name = \"xtask\""));
        // A course page on another origin may load it as a module or fetch it.
        assert!(reply.contains("Access-Control-Allow-Origin: *"));
        assert!(reply.contains("X-Content-Type-Options: nosniff"));
    }

    #[test]
    fn gzips_text_for_clients_that_accept_it() {
        use std::io::Read as _;
        let running = spawn(&crate::root(), 0).unwrap();
        let fetch = |accept: &str| {
            let mut s = TcpStream::connect(("127.0.0.1", running.port)).unwrap();
            write!(s, "GET /README.md HTTP/1.1\r\nHost: x\r\n{accept}\r\n").unwrap();
            let mut reply = Vec::new();
            s.read_to_end(&mut reply).unwrap();
            let split = reply.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
            let head = String::from_utf8_lossy(&reply[..split]).to_string();
            (head, reply[split + 4..].to_vec())
        };
        let (head, body) = fetch("Accept-Encoding: gzip, deflate, br\r\n");
        assert!(head.contains("Content-Encoding: gzip"), "{head}");
        let mut text = String::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_string(&mut text)
            .unwrap();
        assert!(text.starts_with("# Phenomena"));
        let (plain_head, plain) = fetch("");
        assert!(!plain_head.contains("Content-Encoding: gzip"));
        assert_eq!(String::from_utf8(plain).unwrap(), text);
        assert!(!accepts_gzip("gzip;q=0, identity"));
        assert!(accepts_gzip("br, GZIP"));
    }
}
