//! HTTP/1.1 as this server speaks it: one request per connection (every reply says
//! `Connection: close`), the head bounded and parsed by `httparse`, the body only with a
//! `Content-Length` no larger than [`MAX_BODY`], read before anything is decided.

use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;

/// The request line and headers together; a browser's are under 2 KiB.
const MAX_HEAD: usize = 16 * 1024;
const MAX_HEADERS: usize = 48;
/// A drawing is 784 numbers of at most ~20 characters each: 16 KiB; four times that is room.
pub const MAX_BODY: usize = 64 * 1024;

pub struct Request {
    pub method: String,
    /// Without the query string.
    pub path: String,
    pub body: Vec<u8>,
}

/// A whole reply, sent with its length.
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(status: u16, value: &Value) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body: serde_json::to_vec(value).expect("a JSON value serialises"),
        }
    }

    /// `{"error": message}` with a 4xx or 5xx status.
    pub fn error(status: u16, message: impl Into<String>) -> Reply {
        Reply::json(status, &json!({ "error": message.into() }))
    }

    pub fn bytes(content_type: &'static str, body: Vec<u8>) -> Reply {
        Reply {
            status: 200,
            content_type,
            headers: Vec::new(),
            body,
        }
    }

    pub fn with_header(mut self, name: &'static str, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }
}

/// Reads one request; a reply refusing it when it is malformed, too large, or not whole.
pub fn read_request(stream: &mut TcpStream) -> Result<Request, Reply> {
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 4096];
    loop {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(&buf) {
            Ok(httparse::Status::Complete(head_len)) => {
                let method = parsed.method.unwrap_or_default().to_string();
                let target = parsed.path.unwrap_or_default();
                let path = target.split(['?', '#']).next().unwrap_or_default().to_string();
                let length = body_length(parsed.headers)?;
                let mut body = buf.split_off(head_len);
                if body.len() > length {
                    return Err(Reply::error(400, "more bytes than Content-Length announced"));
                }
                let have = body.len();
                body.resize(length, 0);
                stream
                    .read_exact(&mut body[have..])
                    .map_err(|e| Reply::error(400, format!("the body ended early: {e}")))?;
                return Ok(Request { method, path, body });
            }
            Ok(httparse::Status::Partial) if buf.len() >= MAX_HEAD => {
                return Err(Reply::error(431, format!("request head over {MAX_HEAD} bytes")));
            }
            Ok(httparse::Status::Partial) => {}
            Err(httparse::Error::TooManyHeaders) => {
                return Err(Reply::error(431, format!("more than {MAX_HEADERS} headers")));
            }
            Err(e) => return Err(Reply::error(400, format!("malformed HTTP request: {e}"))),
        }
        let n = stream
            .read(&mut chunk)
            .map_err(|e| Reply::error(408, format!("reading the request: {e}")))?;
        if n == 0 {
            return Err(Reply::error(400, "the connection closed inside the request head"));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// The body's length from `Content-Length`, refused when over [`MAX_BODY`]; chunked bodies
/// are refused, as no page of ours sends one.
fn body_length(headers: &[httparse::Header<'_>]) -> Result<usize, Reply> {
    let named = |name: &str| headers.iter().find(|h| h.name.eq_ignore_ascii_case(name));
    if named("Transfer-Encoding").is_some() {
        return Err(Reply::error(
            411,
            "send the body with a Content-Length, not chunked",
        ));
    }
    let Some(h) = named("Content-Length") else {
        return Ok(0);
    };
    let text = std::str::from_utf8(h.value).unwrap_or_default().trim();
    // Parsed as u128 so that a 30-digit length is reported as too large, not as malformed.
    match text.parse::<u128>() {
        Ok(n) if n <= MAX_BODY as u128 => Ok(n as usize),
        Ok(n) => Err(Reply::error(
            413,
            format!("a body of {n} bytes; at most {MAX_BODY} are accepted"),
        )),
        Err(_) => Err(Reply::error(
            400,
            format!("Content-Length {text:?} is not a number"),
        )),
    }
}

pub fn write_reply(stream: &mut impl Write, reply: &Reply) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\
         Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n",
        reply.status,
        reason(reply.status),
        reply.content_type,
        reply.body.len()
    );
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(&reply.body)?;
    stream.flush()
}

/// The head of a Server-Sent Events stream; the events follow as they happen.
pub fn write_event_stream_head(stream: &mut impl Write) -> std::io::Result<()> {
    stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n\
          Connection: close\r\n\r\n",
    )?;
    stream.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// The body as JSON of type `T`; 400 with serde's message (which names the field and where)
/// when it is not.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Reply> {
    serde_json::from_slice(body).map_err(|e| Reply::error(400, format!("bad JSON body: {e}")))
}
