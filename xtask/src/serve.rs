//! A small static file server for the playground: correct MIME types, a strict
//! Content-Security-Policy, no directory escape, and one thread and one connection per request
//! (`Connection: close`), so no client can hold up another.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::thread;
use std::time::Duration;

/// The strict policy the playground must work under, as a course site might impose: scripts
/// only from this origin, WebAssembly compilation allowed, no eval, no inline script.
pub const CONTENT_SECURITY_POLICY: &str = "script-src 'self' 'wasm-unsafe-eval'; object-src 'none'";

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

/// Reads one request's head and answers it; the connection closes afterwards.
fn handle(root: &Path, stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(120)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Skip the headers: nothing here depends on them.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (method, url) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    let found = match method {
        "GET" | "HEAD" => resolve(root, url).and_then(|p| Some((std::fs::read(&p).ok()?, p))),
        _ => None,
    };
    let (status, content_type, body) = match found {
        Some((body, path)) => ("200 OK", mime(&path), body),
        None => ("404 Not Found", "text/plain", b"not found".to_vec()),
    };
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-cache\r\nContent-Security-Policy: {CONTENT_SECURITY_POLICY}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    )?;
    if method != "HEAD" {
        out.write_all(&body)?;
    }
    out.flush()
}

fn answer_all(listener: TcpListener, root: PathBuf) {
    for stream in listener.incoming().flatten() {
        let root = root.clone();
        thread::spawn(move || {
            let _ = handle(&root, stream);
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
    }
}
