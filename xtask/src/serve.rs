//! A small static file server for the playground (correct MIME types, no directory escape).

use std::path::{Component, Path, PathBuf};
use std::thread;

use tiny_http::{Header, Response, Server};

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

/// The strict policy the playground must work under, as a course site might impose: scripts
/// only from this origin, WebAssembly compilation allowed, no eval, no inline script.
pub const CONTENT_SECURITY_POLICY: &str = "script-src 'self' 'wasm-unsafe-eval'; object-src 'none'";

fn csp() -> Header {
    Header::from_bytes("Content-Security-Policy", CONTENT_SECURITY_POLICY).expect("header")
}

fn handle(root: &Path, request: tiny_http::Request) {
    let response = match resolve(root, request.url()).and_then(|p| {
        let body = std::fs::read(&p).ok()?;
        Some((p, body))
    }) {
        Some((path, body)) => {
            let content_type = Header::from_bytes("Content-Type", mime(&path)).expect("header");
            let no_cache = Header::from_bytes("Cache-Control", "no-cache").expect("header");
            Response::from_data(body)
                .with_header(content_type)
                .with_header(no_cache)
                .with_header(csp())
        }
        None => Response::from_string("not found").with_status_code(404),
    };
    let _ = request.respond(response);
}

/// Answers each request on a thread of its own, so one slow or stalled client (a closed tab
/// still holding a 28 MB download, say) never holds up the others.
fn answer_all(server: &Server, root: &Path) {
    for request in server.incoming_requests() {
        let root = root.to_path_buf();
        thread::spawn(move || handle(&root, request));
    }
}

pub struct Running {
    pub port: u16,
}

/// Serves `root` on 127.0.0.1:`port` (0 picks a free port) on a background thread.
pub fn spawn(root: &Path, port: u16) -> Result<Running, String> {
    let server = Server::http(("127.0.0.1", port)).map_err(|e| format!("cannot listen: {e}"))?;
    let port = server
        .server_addr()
        .to_ip()
        .map(|a| a.port())
        .ok_or("no TCP address")?;
    let root = root.to_path_buf();
    thread::spawn(move || answer_all(&server, &root));
    Ok(Running { port })
}

/// Serves `root` in the foreground until interrupted.
pub fn serve(root: &Path, port: u16, _ready: Option<()>) -> Result<(), String> {
    let server =
        Server::http(("127.0.0.1", port)).map_err(|e| format!("cannot listen on {port}: {e}"))?;
    println!("Phenomena is served on http://127.0.0.1:{port}/ (Ctrl-C stops it)");
    answer_all(&server, root);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_escape_the_root() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert!(resolve(root, "/../Cargo.toml").is_none());
        assert!(resolve(root, "/Cargo.toml?x=1").is_some());
        assert_eq!(mime(Path::new("a.wasm")), "application/wasm");
    }
}
