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
    let num = |v: &Value| v.as_f64().unwrap();
    for j in 0..10 {
        let body = json!({ "pixels": pixels, "label": 7, "layer": 2, "neuron": j });
        let (status, step) = server.json("POST", "/api/step", &body);
        assert_eq!(status, 200, "{step}");
        assert_eq!(step["m"], 1, "no MNIST on this server: the drawing alone");
        let sample = &step["samples"][0];
        // The reference feedforward gives the outputs the fast path gave /api/predict.
        let z = num(&sample["z"]);
        assert!((z - num(&predicted["probabilities"][j])).abs() < 1e-5, "z^L_{j}");
        // Quadratic cost, sigmoid outputs: δ^L_j = (z_j − y_j) σ'(a_j), σ' = z (1 − z).
        let y = if j == 7 { 1.0 } else { 0.0 };
        assert_eq!(num(&sample["y"]), y);
        let delta = num(&sample["delta"]);
        assert!((delta - (z - y) * z * (1.0 - z)).abs() < 1e-6, "δ^L_{j}: {delta}");
    }
    for k in 0..30 {
        let body = json!({ "pixels": pixels, "label": 7, "layer": 1, "neuron": k });
        let (status, step) = server.json("POST", "/api/step", &body);
        assert_eq!(status, 200, "{step}");
        let sample = &step["samples"][0];
        // δ^1_k = (Σ_j w^2_jk δ^2_j) σ'(a^1_k).
        let (sum, fprime) = (num(&sample["back_sum"]), num(&sample["fprime"]));
        assert!((num(&sample["delta"]) - sum * fprime).abs() < 1e-6, "δ^1_{k}");
        assert_eq!(sample["forward_terms"].as_array().unwrap().len(), 4);
    }
    // A mini-batch asked of a server without MNIST is the drawing alone, and says so.
    let (status, step) = server.json(
        "POST",
        "/api/step",
        &json!({ "pixels": pixels, "label": 7, "m": 10 }),
    );
    assert_eq!(status, 200, "{step}");
    assert_eq!(
        (step["m"].as_u64(), step["samples"].as_array().unwrap().len()),
        (Some(1), 1)
    );
    assert!(step["note"].as_str().unwrap().contains("m = 1"), "{step}");
    for (body, expected) in [
        (json!({ "pixels": pixels, "label": 10 }), 422),
        (json!({ "pixels": pixels }), 400),
        (json!({ "pixels": pixels, "label": -1 }), 400),
        (json!({ "pixels": [0.5], "label": 1 }), 422),
        (json!({ "pixels": pixels, "label": 1, "m": 0 }), 422),
        (json!({ "pixels": pixels, "label": 1, "m": 33 }), 422),
        (json!({ "pixels": pixels, "label": 1, "m": -2 }), 400),
        (json!({ "pixels": pixels, "label": 1, "layer": 0 }), 422),
        (json!({ "pixels": pixels, "label": 1, "layer": 3 }), 422),
        (
            json!({ "pixels": pixels, "label": 1, "layer": 1, "neuron": 30 }),
            422,
        ),
        (
            json!({ "pixels": pixels, "label": 1, "layer": 2, "neuron": 10 }),
            422,
        ),
        (json!({ "pixels": pixels, "label": 1, "eta": 0 }), 422),
        (json!({ "pixels": pixels, "label": 1, "eta": 1e9 }), 422),
        (json!({ "pixels": pixels, "label": 1, "apply": "yes" }), 400),
        (json!({ "pixels": pixels, "label": 1, "batch": 3 }), 400),
    ] {
        let (status, answer) = server.json("POST", "/api/step", &body);
        assert_eq!(status, expected, "{body}: {answer}");
        assert!(answer["error"].is_string());
    }
}

/// The model file the server holds now.
fn served_model(server: &Server) -> Model {
    let get = format!(
        "GET /api/model.safetensors HTTP/1.1\r\nHost: {}\r\n\r\n",
        server.addr
    );
    let (status, bytes) = server.raw_bytes(get.as_bytes());
    assert_eq!(status, 200);
    Model::from_bytes(&bytes, Path::new("served.st")).unwrap()
}

#[test]
fn a_mini_batch_step_is_the_engine_s_gradient_and_its_sgd_step() {
    use mlp::optim::{Optim, Optimizer};
    let dir = tempfile::tempdir().unwrap();
    small_mnist(dir.path(), 300, 20);
    let model_path = dir.path().join("m.st");
    random_model(&model_path);
    let server = Server::start(&[
        model_path.to_str().unwrap(),
        "--data-dir",
        dir.path().to_str().unwrap(),
    ]);
    let pixels: Vec<f32> = seven().iter().map(|&b| f32::from(b) / 255.0).collect();
    let (m, first, eta) = (6usize, 40usize, 0.5f64);

    // The same mini-batch built here from the library: the drawing as `mlp predict` prepares
    // it with its target 7, then training images 40 … 44 with their labels.
    let model = Model::load(&model_path).unwrap();
    let (train, _) = mlp::data::mnist::load(dir.path()).unwrap();
    let drawing = mlp::data::digit_image::digit_from_pixels(&pixels, 28, 28).unwrap();
    let mut x = ndarray::Array2::<f32>::zeros((m, 784));
    x.row_mut(0).assign(&ndarray::ArrayView1::from(&drawing.pixels));
    let indices: Vec<usize> = (first..first + m - 1).collect();
    train.fill_inputs(&indices, x.slice_mut(ndarray::s![1.., ..]));
    let x = model.prepare(x.view()).unwrap();
    let labels: Vec<usize> = std::iter::once(7)
        .chain(indices.iter().map(|&i| usize::from(train.labels[i])))
        .collect();
    let y = ndarray::Array2::from_shape_fn((m, 10), |(i, c)| if c == labels[i] { 1.0f32 } else { 0.0 });
    // The engine's gradient of the mean cost over the mini-batch.
    let mut ws = mlp::Workspace::new(&model.net, m);
    let engine_total = model.net.backprop(x.view(), y.view(), &mut ws);

    let num = |v: &Value| v.as_f64().unwrap();
    for (layer, neuron) in [(1usize, 4usize), (1, 29), (2, 3), (2, 7)] {
        let body = json!({ "pixels": pixels, "label": 7, "m": m, "first": first,
                           "layer": layer, "neuron": neuron, "eta": eta });
        let (status, step) = server.json("POST", "/api/step", &body);
        assert_eq!(status, 200, "{step}");
        let samples = step["samples"].as_array().unwrap();
        assert_eq!(samples.len(), m);
        assert_eq!(samples[0]["source"], "drawing");
        assert_eq!(samples[1]["source"], "MNIST #40");
        for (s, &label) in samples.iter().zip(&labels) {
            assert_eq!(s["label"], label);
            // ∂C_x/∂w_jk = z^(l−1)_k δ^l_j, sample by sample.
            for (z, g) in s["inputs"]
                .as_array()
                .unwrap()
                .iter()
                .zip(s["weight_grads"].as_array().unwrap())
            {
                assert!((num(g) - num(z) * num(&s["delta"])).abs() < 1e-7, "{s}");
            }
        }
        let l = layer - 1;
        let engine_row = ws.grads.weights[l].row(neuron);
        let row = step["mean"]["row"].as_array().unwrap();
        assert_eq!(row.len(), engine_row.len());
        let worst = row
            .iter()
            .zip(engine_row)
            .map(|(a, &b)| (num(a) - f64::from(b)).abs())
            .fold(0.0, f64::max);
        assert!(
            worst < 1e-6,
            "layer {layer} neuron {neuron}: mean ∂C/∂w off the engine's by {worst}"
        );
        let bias = num(&step["mean"]["delta"]);
        let engine_bias = f64::from(ws.grads.biases[l][neuron]);
        assert!(
            (bias - engine_bias).abs() < 1e-6,
            "∂C/∂b: {bias} vs {engine_bias}"
        );
        assert!(
            engine_row.iter().any(|g| g.abs() > 1e-6),
            "a gradient that is not all zero"
        );
        let mean_delta: f64 = samples.iter().map(|s| num(&s["delta"])).sum::<f64>() / m as f64;
        assert!(
            (mean_delta - bias).abs() < 1e-6,
            "the mean row is the samples' mean"
        );
        let cost = num(&step["mean"]["cost"]);
        let engine_cost = f64::from(engine_total) / m as f64;
        assert!(
            (cost - engine_cost).abs() < 1e-5 * engine_cost.max(1.0),
            "{cost} vs {engine_cost}"
        );
    }

    // "Apply": the served network moves exactly as one plain SGD step of the engine would.
    let mut expected = model.net.clone();
    let mut optim = Optim::new(Optimizer::Sgd, eta, 0.0, &expected);
    let mut ws = mlp::Workspace::new(&expected, m);
    optim.step(&mut expected, x.view(), y.view(), &mut ws);
    let body = json!({ "pixels": pixels, "label": 7, "m": m, "first": first, "layer": 2,
                       "neuron": 7, "eta": eta, "apply": true });
    let (status, step) = server.json("POST", "/api/step", &body);
    assert_eq!(status, 200, "{step}");
    assert_eq!(step["update"]["applied"], true);
    let after = num(&step["update"]["bias"][1]);
    assert_eq!(
        after as f32, expected.layers[1].biases[7],
        "the shown b after the step"
    );
    let served = served_model(&server);
    for (l, (got, want)) in served.net.layers.iter().zip(&expected.layers).enumerate() {
        assert_eq!(got.weights, want.weights, "W^{} after the step", l + 1);
        assert_eq!(got.biases, want.biases, "b^{} after the step", l + 1);
        assert_ne!(got.weights, model.net.layers[l].weights, "W^{} moved", l + 1);
    }
    let (status, info) = server.request("GET", "/api/model", b"");
    assert_eq!(status, 200);
    let info: Value = serde_json::from_str(&info).unwrap();
    assert!(
        info["source"].as_str().unwrap().ends_with("+ 1 SGD step"),
        "{info}"
    );

    // A batch past the end of the training images is refused, naming the bound.
    let body = json!({ "pixels": pixels, "label": 7, "m": 6, "first": 296 });
    let (status, answer) = server.json("POST", "/api/step", &body);
    assert_eq!(status, 422, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("0 to 295"), "{answer}");
    let body = json!({ "pixels": pixels, "label": 7, "m": 6, "first": u64::MAX });
    let (status, answer) = server.json("POST", "/api/step", &body);
    assert_eq!(status, 422, "{answer}");
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
    // The library says what is missing; the binary adds its flag.
    let (_, text) = server.request("POST", "/api/train", b"{}");
    assert!(
        text.contains("no MNIST to train on") && text.contains("--data-dir DIR"),
        "{text}"
    );
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

/// The events of `/api/events` until `playground-done`, as (name, data).
fn playground_events(server: &Server, limit: Duration) -> Vec<(String, Value)> {
    let mut s = TcpStream::connect(&server.addr).unwrap();
    s.set_read_timeout(Some(limit)).unwrap();
    write!(s, "GET /api/events HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr).unwrap();
    let (mut events, mut name) = (Vec::new(), String::new());
    let start = Instant::now();
    for line in BufReader::new(s).lines() {
        let line = line.expect("the event stream ended before `playground-done`");
        if let Some(n) = line.strip_prefix("event: ") {
            name = n.to_string();
        } else if let Some(d) = line.strip_prefix("data: ") {
            events.push((name.clone(), serde_json::from_str(d).unwrap()));
            if name == "playground-done" {
                return events;
            }
        }
        assert!(start.elapsed() < limit, "no `playground-done` within {limit:?}");
    }
    panic!("the event stream ended early: {events:?}");
}

#[test]
fn a_playground_run_on_the_circle_streams_surfaces_and_its_test_loss_falls() {
    let server = Server::start(&[]);
    let form = json!({"dataset": "circle", "features": ["x", "y", "x2", "y2"], "hidden": [4, 4],
                      "eta": 0.1, "epochs": 60, "epochs_per_second": 30});
    let started = Instant::now();
    let (status, answer) = server.json("POST", "/api/playground/train", &form);
    assert_eq!(status, 202, "{answer}");
    let (status, _) = server.json("POST", "/api/playground/train", &form);
    assert_eq!(status, 409, "one run at a time");
    let events = playground_events(&server, Duration::from_secs(60));
    let seconds = started.elapsed().as_secs_f64();
    let of =
        |name: &str| -> Vec<&Value> { events.iter().filter(|(n, _)| n == name).map(|(_, d)| d).collect() };
    let start = of("playground-start");
    assert_eq!(start[0]["train"].as_array().unwrap().len(), 200);
    assert_eq!(start[0]["test"].as_array().unwrap().len(), 200);
    let epochs = of("playground-epoch");
    assert_eq!(epochs.len(), 60);
    let loss = |e: &Value| e["test_loss"].as_f64().unwrap();
    let (first, last) = (loss(epochs[0]), loss(epochs[59]));
    assert!(last < 0.7 * first, "test loss {first} → {last}");
    assert!(
        epochs[59]["test_accuracy"].as_f64().unwrap() > 0.9,
        "{}",
        epochs[59]
    );
    let surfaces = of("playground-surface");
    let rate = surfaces.len() as f64 / seconds;
    // Paced at 30 epochs a second, 60 epochs take ~2 s; surfaces come every 25 ms or so.
    assert!(rate >= 20.0, "{} surfaces in {seconds:.1} s", surfaces.len());
    let s = surfaces.last().unwrap();
    assert_eq!(s["class"].as_array().unwrap().len(), 48 * 48);
    assert_eq!(s["level"].as_array().unwrap().len(), 48 * 48);
    let neurons = s["neurons"].as_array().unwrap();
    assert_eq!(neurons.len(), 3, "both hidden layers and the output");
    assert_eq!(neurons[2].as_array().unwrap().len(), 1);
    assert_eq!(neurons[0].as_array().unwrap().len(), 4);
    assert_eq!(neurons[0][0].as_array().unwrap().len(), 16 * 16);
    // One scale per layer, its largest |z|: the layer's strongest map reaches full colour
    // (0 or 255); the others keep their own magnitude under it (src/serve/playground.rs's test).
    let scales = s["neuron_scales"].as_array().unwrap();
    assert_eq!(scales.len(), 3);
    for (l, (maps, scale)) in neurons.iter().zip(scales).enumerate() {
        let scale = scale.as_f64().unwrap();
        // tanh hidden layers and a sigmoid output: |z| ≤ 1.
        assert!(scale > 0.0 && scale <= 1.0, "layer {}: scale {scale}", l + 1);
        let reach: Vec<f64> = maps
            .as_array()
            .unwrap()
            .iter()
            .map(|map| {
                let values = map.as_array().unwrap().iter().map(|v| v.as_f64().unwrap());
                values.map(|v| (v - 127.5).abs()).fold(0.0, f64::max)
            })
            .collect();
        let top = reach.iter().copied().fold(0.0, f64::max);
        assert!(
            top >= 127.0,
            "layer {}: the largest map reaches full colour: {reach:?}",
            l + 1
        );
    }
    assert_eq!(s["weights"].as_array().unwrap().len(), 3);
    assert_eq!(of("playground-done")[0]["status"], "finished");
    // The exported model reads the four features and gives p(class 1).
    let (status, bytes) = server.raw_bytes(
        format!(
            "GET /api/playground/model.safetensors HTTP/1.1\r\nHost: {}\r\n\r\n",
            server.addr
        )
        .as_bytes(),
    );
    assert_eq!(status, 200);
    let model = Model::from_bytes(&bytes, Path::new("playground.st")).unwrap();
    assert_eq!(model.net.sizes(), [4, 4, 4, 1]);
    assert_eq!(model.features, ["x/6", "y/6", "(x/6)^2", "(y/6)^2"]);
    // The centre of the circle is class 1, a point on the ring class 0.
    let x = ndarray::array![[0.0f32, 0.0, 0.0, 0.0], [0.7, 0.0, 0.49, 0.0]];
    let p = model.outputs(x.view()).unwrap();
    assert!(p[[0, 0]] > 0.5 && p[[1, 0]] < 0.5, "{p}");
}

#[test]
fn a_playground_csv_upload_trains_and_bad_playground_requests_get_a_4xx() {
    let server = Server::start(&[]);
    let mut csv = String::from("x,y,label\n");
    for i in 0..60 {
        let (x, y) = ((i % 10) as f32 - 4.5, (i / 10) as f32 - 2.5);
        csv.push_str(&format!(
            "{x},{y},{}\n",
            usize::from(x > 0.0) + usize::from(y > 0.0)
        ));
    }
    let (status, answer) = server.request("POST", "/api/playground/csv", csv.as_bytes());
    assert_eq!(status, 200, "{answer}");
    let answer: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(
        (answer["rows"].as_u64(), answer["classes"].as_u64()),
        (Some(60), Some(3))
    );
    let form = json!({"dataset": "csv", "output": "softmax", "epochs": 5, "epochs_per_second": 100});
    let (status, answer) = server.json("POST", "/api/playground/train", &form);
    assert_eq!(status, 202, "{answer}");
    let events = playground_events(&server, Duration::from_secs(60));
    assert_eq!(events.last().unwrap().1["status"], "finished", "{events:?}");
    let huge = format!("x,y,label\n{}", "1,2,1\n".repeat(200_000));
    let many = format!("x,y,label\n{}", "1,2,1\n0,0,0\n".repeat(6000));
    let train = |body: &str| ("/api/playground/train", body.to_string());
    let cases: Vec<(u16, (&str, String), &str)> = vec![
        (400, train("{\"hidden\": \"4,4\"}"), "expected a sequence"),
        (400, train("{\"hidden\": [4, 0]}"), "neurons"),
        (400, train("{\"hidden\": [65]}"), "64"),
        (
            400,
            train("{\"hidden\": [1, 1, 1, 1, 1, 1, 1, 1, 1]}"),
            "8 hidden layers",
        ),
        (400, train("{\"epochs\": 1001}"), "epochs"),
        (400, train("{\"epochs\": 0}"), "epochs"),
        (400, train("{\"eta\": -1}"), "eta"),
        (400, train("{\"dropout\": 1}"), "dropout"),
        (400, train("{\"features\": []}"), "features"),
        (400, train("{\"features\": [\"z\"]}"), "unknown variant"),
        (400, train("{\"dataset\": \"moons\"}"), "dataset"),
        (400, train("{\"output\": \"many\"}"), "output"),
        (400, train("{\"cost\": \"log-likelihood\"}"), "binary"),
        (400, train("{\"samples\": 100000}"), "samples"),
        (400, train("{\"batch_size\": 100000}"), "batch_size"),
        (400, train("{\"dataset\": \"csv\"}"), "single output"),
        (400, train("{\"noise\": 7}"), "noise"),
        (400, train("not json"), "JSON"),
        (
            422,
            ("/api/playground/csv", "1,2,0\n3,oops,1\n".into()),
            "line 2, column 2",
        ),
        (
            422,
            ("/api/playground/csv", "1,2,0\n3,4,11\n".into()),
            "line 2, column 3",
        ),
        (422, ("/api/playground/csv", "1,2\n".into()), "line 1"),
        (
            422,
            ("/api/playground/csv", "1,2,0\n1,2,0\n".into()),
            "two classes",
        ),
        (422, ("/api/playground/csv", many), "10000 rows"),
        (413, ("/api/playground/csv", huge), "1048576"),
    ];
    for (expected, (path, body), says) in &cases {
        let (status, text) = server.request("POST", path, body.as_bytes());
        let what = format!("{path} {}", &body[..body.len().min(50)]);
        assert_eq!(status, *expected, "{what}: {text}");
        let error: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: {e}: {text}"));
        let message = error["error"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{what}: {message}");
    }
    // A bad table leaves the good one in place.
    let (status, answer) = server.json("POST", "/api/playground/train", &form);
    assert_eq!(status, 202, "{answer}");
}

#[test]
fn a_paused_playground_run_steps_one_mini_batch_at_a_time() {
    let server = Server::start(&[]);
    // Every surface as (epoch, step), read on a thread of its own while the test drives the run.
    let (tx, rx) = std::sync::mpsc::channel::<(u64, u64, bool)>();
    let mut s = TcpStream::connect(&server.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(s, "GET /api/events HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr).unwrap();
    std::thread::spawn(move || {
        let mut name = String::new();
        for line in BufReader::new(s).lines().map_while(Result::ok) {
            if let Some(n) = line.strip_prefix("event: ") {
                name = n.to_string();
            } else if let Some(d) = line.strip_prefix("data: ") {
                let v: Value = serde_json::from_str(d).unwrap();
                let done = name == "playground-done";
                if name == "playground-surface" || done {
                    let at = |k: &str| v[k].as_u64().unwrap_or(0);
                    if tx.send((at("epoch"), at("step"), done)).is_err() || done {
                        return;
                    }
                }
            }
        }
    });
    let form = json!({"epochs": 1000, "epochs_per_second": 1});
    let (status, answer) = server.json("POST", "/api/playground/train", &form);
    assert_eq!(status, 202, "{answer}");
    std::thread::sleep(Duration::from_millis(400));
    let (status, _) = server.json("POST", "/api/train/pause", &json!(null));
    assert_eq!(status, 200);
    std::thread::sleep(Duration::from_millis(400));
    let before: Vec<_> = rx.try_iter().collect();
    let &(epoch, step, _) = before.last().expect("surfaces before the pause");
    for k in 1..=2u64 {
        let (status, answer) = server.json("POST", "/api/train/step", &json!(null));
        assert_eq!((status, answer["mode"].as_str()), (200, Some("step")));
        let first = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("a surface after the step");
        // And no more while paused.
        std::thread::sleep(Duration::from_millis(300));
        let after: Vec<_> = std::iter::once(first).chain(rx.try_iter()).collect();
        assert_eq!(after.len(), 1, "one surface per step: {after:?}");
        // 200 training points in mini-batches of 10: 20 steps an epoch.
        let moved = (after[0].0 * 20 + after[0].1) - (epoch * 20 + step);
        assert_eq!(moved, k, "{:?} after ({epoch}, {step})", after[0]);
    }
    let (status, _) = server.json("POST", "/api/train/stop", &json!(null));
    assert_eq!(status, 200);
    let done = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(done.2, "{done:?}");
}
