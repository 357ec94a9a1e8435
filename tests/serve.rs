//! `mlp serve` end to end: the real binary on a free port of 127.0.0.1, spoken to over raw
//! HTTP. A drawing's prediction is `mlp predict`'s on the same picture; every hostile request
//! gets a 4xx with a JSON error and the server goes on; a short training run streams its epochs.
#![cfg(feature = "serve")]

mod common;

use common::{mlp, small_mnist, stderr, stdout};
use mlp::{Init, Model, Network};
use rand::SeedableRng;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `mlp serve`, killed when dropped.
struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    addr: String,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mlp"))
            .arg("serve")
            .args(["--port", "0"])
            .args(args)
            .env_remove("MLP_DATA_DIR")
            // Nor the user's cached MNIST: a test without --data-dir has none.
            .env(
                "XDG_CACHE_HOME",
                std::env::temp_dir().join("mlp-serve-test-no-cache"),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start mlp serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("http://")
            .and_then(|a| a.strip_suffix('/'))
            .unwrap_or_else(|| panic!("expected the URL on the first line, got {line:?}"))
            .to_string();
        assert!(
            addr.starts_with("127.0.0.1:"),
            "binds 127.0.0.1 by default: {addr}"
        );
        Server { child, addr }
    }

    /// Sends `raw` bytes as they are; the status and the body.
    fn raw(&self, raw: &[u8]) -> (u16, String) {
        let (status, body) = self.raw_bytes(raw);
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    fn raw_bytes(&self, raw: &[u8]) -> (u16, Vec<u8>) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        // The server may answer (and close) before reading all of an oversized request.
        s.write_all(raw).ok();
        // Half-closed, so a request cut short is seen as such rather than waited for.
        s.shutdown(std::net::Shutdown::Write).ok();
        let mut reply = Vec::new();
        s.read_to_end(&mut reply).ok();
        let head_end = reply.windows(4).position(|w| w == b"\r\n\r\n");
        let head = String::from_utf8_lossy(&reply[..head_end.unwrap_or(reply.len())]).into_owned();
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("no status line in {head:?}"));
        let body = head_end.map_or(Vec::new(), |i| reply[i + 4..].to_vec());
        (status, body)
    }

    fn request(&self, method: &str, path: &str, body: &[u8]) -> (u16, String) {
        let mut raw = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        )
        .into_bytes();
        raw.extend_from_slice(body);
        self.raw(&raw)
    }

    fn json(&self, method: &str, path: &str, body: &Value) -> (u16, Value) {
        let (status, text) = self.request(method, path, body.to_string().as_bytes());
        (
            status,
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// A random 784-30-10 lecture network saved as a model file.
fn random_model(path: &Path) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let net: Network<f32> = Network::new(&[784, 30, 10], Init::StandardNormal, &mut rng).unwrap();
    Model::digits(net).save(path, &[]).unwrap();
}

/// A "7" drawn off-centre: grey levels `k/255`, so a PNG holds them exactly.
fn seven() -> Vec<u8> {
    let mut px = vec![0u8; 784];
    for c in 3..17 {
        px[2 * 28 + c] = 255;
        px[3 * 28 + c] = 140;
    }
    for r in 3..20 {
        let c = 16 - r * 2 / 3;
        px[r * 28 + c] = 255;
        px[r * 28 + c + 1] = 90;
    }
    px
}

#[test]
fn a_drawing_is_predicted_as_mlp_predict_predicts_its_picture() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.st");
    random_model(&model);
    let server = Server::start(&[model.to_str().unwrap()]);
    let png = dir.path().join("seven.png");
    let bytes = seven();
    image::GrayImage::from_raw(28, 28, bytes.clone())
        .unwrap()
        .save(&png)
        .unwrap();

    let pixels: Vec<f64> = bytes.iter().map(|&b| f64::from(b) / 255.0).collect();
    let (status, answer) = server.json("POST", "/api/predict", &json!({ "pixels": pixels }));
    assert_eq!(status, 200, "{answer}");
    let o = mlp(&[
        "predict",
        model.to_str().unwrap(),
        png.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let printed: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let printed = &printed[0];
    assert_eq!(
        answer["prediction"].to_string(),
        printed["prediction"].as_str().unwrap()
    );
    let probabilities = answer["probabilities"].as_array().unwrap();
    assert_eq!(probabilities.len(), 10);
    for entry in printed["top"].as_array().unwrap() {
        let class: usize = entry["class"].as_str().unwrap().parse().unwrap();
        let ours = probabilities[class].as_f64().unwrap();
        let theirs = entry["activation"].as_f64().unwrap();
        assert!(
            (ours - theirs).abs() <= 1e-6,
            "class {class}: {ours} vs mlp predict's {theirs}"
        );
    }
    let layers: Vec<usize> = answer["activations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_array().unwrap().len())
        .collect();
    assert_eq!(layers, [30, 10], "every layer's activations");
    assert_eq!(answer["input"].as_array().unwrap().len(), 784);
}

/// A request: method, path, body.
type Sent = (&'static str, String, Vec<u8>);

#[test]
fn a_step_through_gives_the_lecture_s_numbers_for_the_drawing() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.st");
    random_model(&model);
    let server = Server::start(&[model.to_str().unwrap()]);
    let pixels: Vec<f64> = seven().iter().map(|&b| f64::from(b) / 255.0).collect();
    let (status, predicted) = server.json("POST", "/api/predict", &json!({ "pixels": pixels }));
    assert_eq!(status, 200);
    let (status, step) = server.json("POST", "/api/step", &json!({ "pixels": pixels, "label": 7 }));
    assert_eq!(status, 200, "{step}");
    let layers = step["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    let num = |v: &Value| v.as_f64().unwrap();
    let (hidden, out) = (&layers[0], &layers[1]);
    for j in 0..10 {
        // The reference feedforward gives the outputs the fast path gave /api/predict.
        let z = num(&out["z"][j]);
        assert!((z - num(&predicted["probabilities"][j])).abs() < 1e-5, "z^L_{j}");
        // Quadratic cost, sigmoid outputs: δ^L_j = (z_j − y_j) σ'(a_j), σ' = z (1 − z).
        let y = if j == 7 { 1.0 } else { 0.0 };
        let delta = num(&out["delta"][j]);
        assert!((delta - (z - y) * z * (1.0 - z)).abs() < 1e-6, "δ^L_{j}: {delta}");
    }
    for k in 0..30 {
        // δ^1_k = (Σ_j w^2_jk δ^2_j) σ'(a^1_k).
        let (sum, fprime) = (num(&hidden["back_sum"][k]), num(&hidden["fprime"][k]));
        assert!((num(&hidden["delta"][k]) - sum * fprime).abs() < 1e-6, "δ^1_{k}");
        assert_eq!(hidden["forward_terms"][k].as_array().unwrap().len(), 4);
    }
    for (body, expected) in [
        (json!({ "pixels": pixels, "label": 10 }), 422),
        (json!({ "pixels": pixels }), 400),
        (json!({ "pixels": pixels, "label": -1 }), 400),
        (json!({ "pixels": [0.5], "label": 1 }), 422),
    ] {
        let (status, answer) = server.json("POST", "/api/step", &body);
        assert_eq!(status, expected, "{answer}");
        assert!(answer["error"].is_string());
    }
}

#[test]
fn hostile_requests_get_a_4xx_with_a_json_error_and_the_server_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.st");
    random_model(&model);
    // No MNIST: training requests are refused for their form before the missing data.
    let server = Server::start(&[model.to_str().unwrap()]);
    let many = |n: usize, v: &str| format!("{{\"pixels\": [{}]}}", vec![v; n].join(","));
    let post = |path: &str, body: String| ("POST", path.to_string(), body.into_bytes());
    let cases: Vec<(u16, Sent)> = vec![
        (400, post("/api/predict", "{\"pixels\": [1, 2,".into())),
        (400, post("/api/predict", "not json".into())),
        (400, post("/api/predict", String::new())),
        (400, post("/api/predict", "{\"pixel\": []}".into())),
        (400, post("/api/predict", "{\"pixels\": \"all of them\"}".into())),
        (400, post("/api/predict", many(784, "NaN"))),
        (400, post("/api/predict", many(784, "1e999"))),
        (
            400,
            post(
                "/api/predict",
                format!("{{\"pixels\": [0], \"extra\": 1, {}", "\"x\": 2}"),
            ),
        ),
        (422, post("/api/predict", many(783, "0.5"))),
        (422, post("/api/predict", many(785, "0.5"))),
        (422, post("/api/predict", many(784, "2"))),
        (422, post("/api/predict", many(784, "-0.5"))),
        (422, post("/api/predict", many(784, "0"))),
        (413, post("/api/predict", many(40_000, "0.25"))),
        (400, post("/api/train", "{\"epochs\": 0}".into())),
        (400, post("/api/train", "{\"epochs\": 100000}".into())),
        (400, post("/api/train", "{\"eta\": -1}".into())),
        (400, post("/api/train", "{\"hidden\": [0]}".into())),
        (400, post("/api/train", "{\"hidden\": [1000000000]}".into())),
        (400, post("/api/train", "{\"hidden\": [5, 5, 5, 5, 5]}".into())),
        (400, post("/api/train", "{\"activation\": \"softmax\"}".into())),
        (400, post("/api/train", "{\"activation\": \"magic\"}".into())),
        (400, post("/api/train", "{\"cost\": \"log-likelihood\"}".into())),
        (400, post("/api/train", "{\"batch_size\": 0}".into())),
        (400, post("/api/train", "{\"train_samples\": 70000}".into())),
        (400, post("/api/train", "{\"learning_rate\": 1}".into())),
        (503, post("/api/train", "{}".into())),
        (409, post("/api/train/pause", String::new())),
        (409, post("/api/train/stop", String::new())),
        (404, ("GET", "/nothing-here".into(), Vec::new())),
        (404, ("GET", "/../Cargo.toml".into(), Vec::new())),
        (404, ("GET", "/%2e%2e/%2e%2e/etc/passwd".into(), Vec::new())),
        (404, ("GET", "/web/index.html".into(), Vec::new())),
        (405, ("GET", "/api/predict".into(), Vec::new())),
        (405, ("DELETE", "/".into(), Vec::new())),
        (405, ("POST", "/api/events".into(), Vec::new())),
        (405, ("PUT", "/api/train".into(), b"{}".to_vec())),
    ];
    for (expected, (method, path, body)) in &cases {
        let (status, text) = server.request(method, path, body);
        let what = format!(
            "{method} {path} {}",
            String::from_utf8_lossy(&body[..body.len().min(60)])
        );
        assert_eq!(status, *expected, "{what}: {text}");
        let error: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: {e}: {text}"));
        assert!(
            error["error"].as_str().is_some_and(|m| !m.is_empty()),
            "{what}: {text}"
        );
    }
    // Requests malformed below the JSON: the head itself.
    let raw_cases: Vec<(u16, Vec<u8>)> = vec![
        (
            413,
            b"POST /api/predict HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n".to_vec(),
        ),
        (
            413,
            b"POST /api/predict HTTP/1.1\r\nContent-Length: 1000000000000\r\n\r\n{}".to_vec(),
        ),
        (
            400,
            b"POST /api/predict HTTP/1.1\r\nContent-Length: lots\r\n\r\n".to_vec(),
        ),
        (
            411,
            b"POST /api/predict HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
                .to_vec(),
        ),
        (400, b"\x00\x01\x02 garbage\r\n\r\n".to_vec()),
        (400, b"GET / HTTP/1.1\r\nHost".to_vec()),
        (
            431,
            format!("GET / HTTP/1.1\r\nX-Long: {}\r\n\r\n", "a".repeat(20_000)).into_bytes(),
        ),
        (
            431,
            format!("GET / HTTP/1.1\r\n{}\r\n", "X-A: 1\r\n".repeat(100)).into_bytes(),
        ),
    ];
    for (expected, raw) in &raw_cases {
        let start = Instant::now();
        let (status, text) = server.raw(raw);
        let what = String::from_utf8_lossy(&raw[..raw.len().min(60)]).into_owned();
        assert_eq!(status, *expected, "{what:?}: {text}");
        assert!(serde_json::from_str::<Value>(&text).is_ok(), "{what:?}: {text}");
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{what:?} took {:?}",
            start.elapsed()
        );
    }
    // Still serving, and still predicting.
    let (status, page) = server.request("GET", "/", b"");
    assert!(status == 200 && page.contains("data-testid=\"draw\""), "{status}");
    // Every file the page and its modules name is served.
    let (_, app) = server.request("GET", "/app.js", b"");
    let named: Vec<&str> = [page.as_str(), app.as_str()]
        .iter()
        .flat_map(|text| text.split(['"', '\'']))
        .filter(|s| s.starts_with('/') && (s.ends_with(".js") || s.ends_with(".css")))
        .collect();
    assert!(named.len() >= 6, "{named:?}");
    for path in named {
        assert_eq!(server.request("GET", path, b"").0, 200, "{path}");
    }
    let pixels: Vec<f64> = seven().iter().map(|&b| f64::from(b) / 255.0).collect();
    let (status, answer) = server.json("POST", "/api/predict", &json!({ "pixels": pixels }));
    assert_eq!(status, 200, "{answer}");
}

/// The events of `/api/events` until `done`, as (name, data).
fn events_until_done(server: &Server, limit: Duration) -> Vec<(String, Value)> {
    let mut s = TcpStream::connect(&server.addr).unwrap();
    s.set_read_timeout(Some(limit)).unwrap();
    write!(s, "GET /api/events HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr).unwrap();
    let reader = BufReader::new(s);
    let (mut events, mut name) = (Vec::new(), String::new());
    let start = Instant::now();
    for line in reader.lines() {
        let line = line.expect("the event stream ended before `done`");
        if let Some(n) = line.strip_prefix("event: ") {
            name = n.to_string();
        } else if let Some(d) = line.strip_prefix("data: ") {
            events.push((name.clone(), serde_json::from_str(d).unwrap()));
            if name == "done" {
                return events;
            }
        }
        assert!(start.elapsed() < limit, "no `done` within {limit:?}");
    }
    panic!("the event stream ended before `done`: {events:?}");
}

#[test]
fn a_short_training_run_streams_its_epochs_and_the_canvas_then_uses_its_network() {
    let dir = tempfile::tempdir().unwrap();
    small_mnist(dir.path(), 300, 100);
    let server = Server::start(&["--data-dir", dir.path().to_str().unwrap()]);
    let pixels: Vec<f64> = seven().iter().map(|&b| f64::from(b) / 255.0).collect();
    let (status, _) = server.json("POST", "/api/predict", &json!({ "pixels": pixels }));
    assert_eq!(status, 409, "no model before training");

    let form =
        json!({"hidden": [12], "epochs": 3, "train_samples": 200, "test_samples": 50, "batch_size": 10});
    let (status, answer) = server.json("POST", "/api/train", &form);
    assert_eq!(status, 202, "{answer}");
    let events = events_until_done(&server, Duration::from_secs(120));

    let epochs: Vec<&Value> = events
        .iter()
        .filter(|(n, _)| n == "epoch")
        .map(|(_, d)| d)
        .collect();
    assert_eq!(epochs.len(), 3, "{events:?}");
    for (i, e) in epochs.iter().enumerate() {
        assert_eq!(e["epoch"], i + 1);
        assert!(e["train_cost"].as_f64().unwrap().is_finite());
        assert_eq!(e["test_total"], 50);
    }
    let weights = events
        .iter()
        .find(|(n, _)| n == "weights")
        .expect("first-layer weights");
    let pictures = weights.1["pictures"].as_array().unwrap();
    assert_eq!(pictures.len(), 12);
    assert_eq!(pictures[0].as_array().unwrap().len(), 784);
    assert_eq!(events.last().unwrap().1["status"], "finished");

    let (status, answer) = server.json("POST", "/api/predict", &json!({ "pixels": pixels }));
    assert_eq!(status, 200, "{answer}");
    let sizes: Vec<usize> = answer["activations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [12, 10], "the network trained here");
    // The downloaded model is one `mlp predict` reads, and it predicts as the page did.
    let (status, bytes) = server.raw_bytes(
        format!(
            "GET /api/model.safetensors HTTP/1.1\r\nHost: {}\r\n\r\n",
            server.addr
        )
        .as_bytes(),
    );
    assert_eq!(status, 200);
    let (file, png) = (dir.path().join("downloaded.st"), dir.path().join("seven.png"));
    std::fs::write(&file, bytes).unwrap();
    image::GrayImage::from_raw(28, 28, seven())
        .unwrap()
        .save(&png)
        .unwrap();
    let o = mlp(&["predict", file.to_str().unwrap(), png.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let printed: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        printed[0]["prediction"].as_str().unwrap(),
        answer["prediction"].to_string()
    );
}

#[test]
fn pause_resume_and_stop_a_run() {
    let dir = tempfile::tempdir().unwrap();
    small_mnist(dir.path(), 2000, 100);
    let server = Server::start(&["--data-dir", dir.path().to_str().unwrap()]);
    let form = json!({"hidden": [30], "epochs": 100, "batch_size": 1, "test_samples": 100});
    let (status, answer) = server.json("POST", "/api/train", &form);
    assert_eq!(status, 202, "{answer}");
    let (status, answer) = server.json("POST", "/api/train/pause", &json!(null));
    assert_eq!((status, answer["mode"].as_str()), (200, Some("paused")));
    let (status, answer) = server.json("POST", "/api/train", &form);
    assert_eq!(status, 409, "one run at a time: {answer}");
    let (status, answer) = server.json("POST", "/api/train/resume", &json!(null));
    assert_eq!((status, answer["mode"].as_str()), (200, Some("running")));
    let (status, _) = server.json("POST", "/api/train/stop", &json!(null));
    assert_eq!(status, 200);
    let events = events_until_done(&server, Duration::from_secs(60));
    assert_eq!(
        events.last().unwrap().1["status"],
        "stopped",
        "{:?}",
        events.last()
    );
    // The slot is free again.
    let (status, _) = server.json("POST", "/api/train/stop", &json!(null));
    assert_eq!(status, 409);
}
