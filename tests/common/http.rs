//! A tiny HTTP/1.1 server on 127.0.0.1 for download tests: each path answers in one of the
//! ways a real mirror can fail.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone)]
pub enum Reply {
    /// 200 with these bytes.
    Good(Vec<u8>),
    /// 200 with a Content-Length of the whole but only the first `sent` bytes, then the
    /// connection closes.
    Truncated(Vec<u8>, usize),
    /// 200, the headers and the first bytes, then nothing for `stall`.
    Slow(Vec<u8>, Duration),
    /// 200, the headers, then the bytes one at a time with this pause before each.
    Drip(Vec<u8>, Duration),
    /// 404.
    Missing,
}

pub struct Server {
    pub base: String,
    /// Requests answered, by path.
    pub hits: Arc<Mutex<HashMap<String, usize>>>,
    pub total: Arc<AtomicUsize>,
}

/// Serves `routes` (path → reply; unknown paths get 404) until the test process ends.
pub fn serve(routes: HashMap<String, Reply>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let hits = Arc::new(Mutex::new(HashMap::new()));
    let total = Arc::new(AtomicUsize::new(0));
    let (h, t) = (hits.clone(), total.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let routes = routes.clone();
            let (h, t) = (h.clone(), t.clone());
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request = String::new();
                if reader.read_line(&mut request).is_err() {
                    return;
                }
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                }
                *h.lock().unwrap().entry(path.clone()).or_insert(0) += 1;
                t.fetch_add(1, Ordering::SeqCst);
                let header = |len: usize| {
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
                    )
                };
                let _ = match routes.get(&path).cloned().unwrap_or(Reply::Missing) {
                    Reply::Good(body) => stream
                        .write_all(header(body.len()).as_bytes())
                        .and_then(|_| stream.write_all(&body)),
                    Reply::Truncated(body, sent) => stream
                        .write_all(header(body.len()).as_bytes())
                        .and_then(|_| stream.write_all(&body[..sent])),
                    Reply::Slow(body, stall) => {
                        let r = stream
                            .write_all(header(body.len()).as_bytes())
                            .and_then(|_| stream.write_all(&body[..body.len().min(10)]))
                            .and_then(|_| stream.flush());
                        std::thread::sleep(stall);
                        r
                    }
                    Reply::Drip(body, pause) => {
                        let mut r = stream.write_all(header(body.len()).as_bytes());
                        for b in &body {
                            std::thread::sleep(pause);
                            r = r
                                .and_then(|_| stream.write_all(&[*b]))
                                .and_then(|_| stream.flush());
                            if r.is_err() {
                                break;
                            }
                        }
                        r
                    }
                    Reply::Missing => stream.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    ),
                };
            });
        }
    });
    Server { base, hits, total }
}
