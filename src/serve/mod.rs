//! `mlp serve`: a local web page to draw a digit and watch the network classify it, and to
//! train the lecture's network on MNIST while its curves and first-layer weights grow.
//!
//! A thin layer over the library: a drawing goes through [`crate::data::digit_image`] (the
//! preprocessing `mlp predict` applies to a picture) and [`crate::Model::outputs`]; training is
//! [`crate::train::train`], its events streamed to the page as Server-Sent Events. The page's
//! files (`web/`) are compiled into the binary; nothing is fetched from elsewhere.
//!
//! | route | answer |
//! |---|---|
//! | `GET /` and the page's files | HTML, CSS, JavaScript modules |
//! | `POST /api/predict` `{"pixels": [784]}` | `{"prediction", "probabilities", "activations", "input"}` |
//! | `POST /api/step` `{"pixels": [784], "label": d, "m", "first", "layer", "neuron", "eta", "apply"}` | one mini-batch (the drawing, then MNIST training images): the chosen neuron's `a`, `z`, `δ` and gradients per sample, their mean, the SGD step (applied to the model if asked) |
//! | `GET /api/model` | the model's layers and where it came from |
//! | `GET /api/model.safetensors` | the model file (as `mlp train --save` writes) |
//! | `POST /api/train` (the form as JSON) | 202; 409 while a run goes on |
//! | `POST /api/train/{pause,resume,step,stop}` | 200; 409 when nothing runs (either tab's run) |
//! | `POST /api/playground/csv` (an `x,y,label` table, ≤ 1 MiB) | `{"rows", "classes"}`; 422 naming line and column |
//! | `POST /api/playground/train` (the Playground's form) | 202; 409 while a run goes on |
//! | `GET /api/playground/model.safetensors` | the Playground's network as a model file |
//! | `GET /api/events` | the training events (`start`, `batches`, `epoch`, `weights`, `model`, `done`; `playground-start`, `-surface`, `-epoch`, `-done`) |
//! | `GET /api/gates` | the perceptron gates' truth tables |
//!
//! Every refusal is a 4xx (or 503 for a missing MNIST) with `{"error": "..."}`.

mod api;
mod assets;
mod http;
mod playground;
mod state;
mod step;
mod training;

use crate::error::{Error, Result};
use crate::model::Model;
use http::{Reply, Request};
use serde_json::json;
use state::{Mode, Slot, State};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How `mlp serve` was started.
#[derive(Debug, Clone)]
pub struct Options {
    /// A model file for the canvas; without one, the page trains one first.
    pub model: Option<PathBuf>,
    pub host: IpAddr,
    /// 0: any free port (the one taken is printed).
    pub port: u16,
    /// MNIST's directory, for training; `None`: the page can only predict.
    pub data_dir: Option<PathBuf>,
    /// How to give the server MNIST, added to the refusal of a training run without it (the
    /// binary names its own flag here; the library knows no flags). Empty: nothing added.
    pub no_data_hint: String,
}

/// Connections served at once; more wait in the listener's queue for a moment or get a 503.
const MAX_CONNECTIONS: usize = 64;
/// A client that sends nothing for this long is dropped, so idle sockets cannot pile up.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves until the process is stopped. Prints `http://ADDR:PORT/` on its own line once
/// listening.
pub fn run(options: &Options) -> Result<()> {
    let model = match &options.model {
        Some(path) => {
            let model = Model::load(path)?;
            if model.net.n_inputs() != 784 {
                return Err(Error::Mismatch(format!(
                    "{}: the canvas gives 784 pixels, but the model reads {} features",
                    path.display(),
                    model.net.n_inputs()
                )));
            }
            Some(Slot {
                model: Arc::new(model),
                source: path.display().to_string(),
            })
        }
        None => None,
    };
    let address = SocketAddr::new(options.host, options.port);
    let listener = TcpListener::bind(address).map_err(|e| Error::io(format!("{address}"), e))?;
    let bound = listener
        .local_addr()
        .map_err(|e| Error::io(format!("{address}"), e))?;
    println!("http://{bound}/");
    std::io::stdout().flush().ok();
    let state = Arc::new(State::new(
        model,
        options.data_dir.clone(),
        options.no_data_hint.clone(),
    ));
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else {
            // Out of file descriptors, say: waiting lets connections close instead of spinning.
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        if open.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            http::write_reply(&mut stream, &Reply::error(503, "too many connections; try again")).ok();
            continue;
        }
        open.fetch_add(1, Ordering::SeqCst);
        let (state, counter) = (state.clone(), open.clone());
        let spawned = std::thread::Builder::new().spawn(move || {
            serve_connection(stream, &state);
            counter.fetch_sub(1, Ordering::SeqCst);
        });
        // No thread to be had: the connection is dropped unanswered, the server goes on.
        if spawned.is_err() {
            open.fetch_sub(1, Ordering::SeqCst);
        }
    }
    Ok(())
}

/// One request and its reply; a panic in handling it becomes a 500 for this request only.
fn serve_connection(mut stream: TcpStream, state: &Arc<State>) {
    stream.set_read_timeout(Some(READ_TIMEOUT)).ok();
    stream.set_write_timeout(Some(READ_TIMEOUT)).ok();
    let request = match http::read_request(&mut stream) {
        Ok(r) => r,
        Err(reply) => {
            http::write_reply(&mut stream, &reply).ok();
            linger(&mut stream);
            return;
        }
    };
    if (request.method.as_str(), request.path.as_str()) == ("GET", "/api/events") {
        stream_events(stream, state);
        return;
    }
    let reply = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| route(state, &request)))
        .unwrap_or_else(|_| {
            Reply::error(
                500,
                "the server failed on this request (a bug); it goes on serving",
            )
        });
    http::write_reply(&mut stream, &reply).ok();
}

/// Closes a refused connection gently: the reply sent and our side shut, what the client still
/// sends (the rest of an oversized body) is read and dropped for a moment, so that closing with
/// unread bytes does not reset the connection before the client has read the refusal.
fn linger(stream: &mut TcpStream) {
    stream.shutdown(std::net::Shutdown::Write).ok();
    stream.set_read_timeout(Some(Duration::from_secs(1))).ok();
    let mut sink = [0u8; 8192];
    let mut drained = 0;
    while drained < 4 * http::MAX_UPLOAD {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

/// The reply to a request, by method and path.
fn route(state: &Arc<State>, request: &Request) -> Reply {
    let method = request.method.as_str();
    let path = request.path.as_str();
    let allowed = match path {
        "/api/predict"
        | "/api/step"
        | "/api/train"
        | "/api/train/pause"
        | "/api/train/resume"
        | "/api/train/stop"
        | "/api/train/step"
        | "/api/playground/train"
        | http::UPLOAD_PATH => "POST",
        "/api/model"
        | "/api/model.safetensors"
        | "/api/events"
        | "/api/gates"
        | "/api/playground/model.safetensors" => "GET",
        _ if assets::find(path).is_some() => "GET",
        _ => return Reply::error(404, format!("no such page: {path}")),
    };
    if method != allowed {
        return Reply::error(405, format!("{path} takes {allowed}, not {method}"))
            .with_header("Allow", allowed.into());
    }
    match path {
        "/api/predict" => api::predict(state, &request.body),
        "/api/step" => step::step(state, &request.body),
        "/api/model" => Reply::json(200, &state::describe(state.model().as_ref())),
        "/api/model.safetensors" => api::model_file(state.model().map(|s| s.model)),
        "/api/playground/model.safetensors" => api::model_file(state.playground_model()),
        "/api/playground/train" => playground::start(state, &request.body),
        http::UPLOAD_PATH => playground::upload(state, &request.body),
        "/api/gates" => api::gates(),
        "/api/train" => match http::parse_json::<training::TrainRequest>(&request.body) {
            Ok(form) => training::start(state, &form),
            Err(reply) => reply,
        },
        "/api/train/pause" => control(state, Mode::Paused),
        "/api/train/resume" => control(state, Mode::Running),
        "/api/train/stop" => control(state, Mode::Stopping),
        "/api/train/step" => control(state, Mode::Step),
        _ => {
            let (content_type, body) = assets::find(path).expect("matched above");
            Reply::bytes(content_type, body.as_bytes().to_vec())
        }
    }
}

fn control(state: &State, mode: Mode) -> Reply {
    match state.job() {
        None => Reply::error(409, "no training run is going on"),
        Some(job) => {
            let mode = job.set(mode);
            Reply::json(200, &json!({ "mode": format!("{mode:?}").to_lowercase() }))
        }
    }
}

/// The training events, past and coming, until the page goes away.
fn stream_events(mut stream: TcpStream, state: &State) {
    // The stream is long-lived; only a stuck write ends it.
    stream.set_read_timeout(None).ok();
    if http::write_event_stream_head(&mut stream).is_err() {
        return;
    }
    let (past, coming) = state.subscribe();
    for event in past {
        if stream.write_all(event.as_bytes()).is_err() {
            return;
        }
    }
    loop {
        // A comment line every 15 s finds a page that has gone, even while nothing trains.
        let text = match coming.recv_timeout(Duration::from_secs(15)) {
            Ok(text) => text,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => ": keep-alive\n\n".to_string(),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
        };
        if stream
            .write_all(text.as_bytes())
            .and_then(|()| stream.flush())
            .is_err()
        {
            return;
        }
    }
}
