//! What the server holds between requests: the model the canvas uses, the training run (one
//! at a time), and the feed of training events the pages listen to.

use crate::data::Dataset;
use crate::data::toy::Points;
use crate::model::Model;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};

/// The model predictions use, and where it came from ("digits.st", "trained here, epoch 3").
#[derive(Clone)]
pub struct Slot {
    pub model: Arc<Model>,
    pub source: String,
}

pub struct State {
    model: RwLock<Option<Slot>>,
    /// The run going on, if any: holding it is what makes a second start a 409.
    job: Mutex<Option<Arc<Control>>>,
    feed: Mutex<Feed>,
    pub data_dir: Option<PathBuf>,
    /// Said after "no MNIST" (see `Options::no_data_hint`).
    pub no_data_hint: String,
    /// MNIST, read once on the first training run.
    mnist: Mutex<Option<Arc<(Dataset, Dataset)>>>,
    /// The Playground's uploaded table, and the network it trained last (its own slot, as the
    /// canvas reads 784 pixels).
    playground_points: Mutex<Option<Arc<Points>>>,
    playground_model: Mutex<Option<Arc<Model>>>,
}

/// Every event of the current run, so that a page opened mid-run draws its curves whole.
#[derive(Default)]
struct Feed {
    log: Vec<String>,
    listeners: Vec<Sender<String>>,
}

/// Lock a mutex even if a thread panicked while holding it: the data here (a log, a slot) stays
/// usable, and the server must keep answering.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl State {
    pub fn new(model: Option<Slot>, data_dir: Option<PathBuf>, no_data_hint: String) -> State {
        State {
            model: RwLock::new(model),
            job: Mutex::new(None),
            feed: Mutex::new(Feed::default()),
            data_dir,
            no_data_hint,
            mnist: Mutex::new(None),
            playground_points: Mutex::new(None),
            playground_model: Mutex::new(None),
        }
    }

    pub fn model(&self) -> Option<Slot> {
        self.model.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set_model(&self, slot: Slot) {
        *self.model.write().unwrap_or_else(|p| p.into_inner()) = Some(slot);
    }

    /// Claims the one training slot; `None` when a run is going on.
    pub fn claim_job(&self) -> Option<Arc<Control>> {
        let mut job = lock(&self.job);
        if job.is_some() {
            return None;
        }
        let control = Arc::new(Control::default());
        *job = Some(control.clone());
        Some(control)
    }

    pub fn release_job(&self) {
        *lock(&self.job) = None;
    }

    pub fn job(&self) -> Option<Arc<Control>> {
        lock(&self.job).clone()
    }

    pub fn playground_points(&self) -> Option<Arc<Points>> {
        lock(&self.playground_points).clone()
    }

    pub fn set_playground_points(&self, points: Points) {
        *lock(&self.playground_points) = Some(Arc::new(points));
    }

    pub fn playground_model(&self) -> Option<Arc<Model>> {
        lock(&self.playground_model).clone()
    }

    pub fn set_playground_model(&self, model: Model) {
        *lock(&self.playground_model) = Some(Arc::new(model));
    }

    /// MNIST's training and test sets, read from `data_dir` the first time.
    pub fn mnist(&self, dir: &std::path::Path) -> crate::Result<Arc<(Dataset, Dataset)>> {
        let mut cached = lock(&self.mnist);
        if let Some(sets) = &*cached {
            return Ok(sets.clone());
        }
        let sets = Arc::new(crate::data::mnist::load(dir)?);
        *cached = Some(sets.clone());
        Ok(sets)
    }

    /// Sends an event to every listener. `start` (either tab's) begins a new log; `batches` (a
    /// hundred an epoch) is sent but not kept; `weights` and `playground-surface` (forty a
    /// second) replace the previous one, so the log stays small.
    pub fn publish(&self, event: &str, data: &Value) {
        let text = format!("event: {event}\ndata: {data}\n\n");
        let mut feed = lock(&self.feed);
        match event {
            "start" | "playground-start" => {
                feed.log.clear();
                feed.log.push(text.clone());
            }
            "batches" => {}
            "weights" | "playground-surface" => {
                let head = format!("event: {event}\n");
                feed.log.retain(|e| !e.starts_with(&head));
                feed.log.push(text.clone());
            }
            _ => feed.log.push(text.clone()),
        }
        feed.listeners.retain(|l| l.send(text.clone()).is_ok());
    }

    /// The events so far and a receiver of those to come.
    pub fn subscribe(&self) -> (Vec<String>, Receiver<String>) {
        let (tx, rx) = channel();
        let mut feed = lock(&self.feed);
        feed.listeners.push(tx);
        (feed.log.clone(), rx)
    }
}

/// Pause, resume and stop for a training run, read by its thread between mini-batches.
#[derive(Default)]
pub struct Control {
    mode: Mutex<Mode>,
    changed: Condvar,
}

#[derive(Default, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    #[default]
    Running,
    Paused,
    /// One mini-batch, then paused again.
    Step,
    Stopping,
}

impl Control {
    /// The mode as set (a stop stays), read under the lock: a step is reported as such even
    /// when the run has taken it and paused again before the reply is written.
    pub fn set(&self, mode: Mode) -> Mode {
        let mut m = lock(&self.mode);
        // A stop is final: a resume after it must not restart the run.
        if *m != Mode::Stopping {
            *m = mode;
        }
        self.changed.notify_all();
        *m
    }

    pub fn mode(&self) -> Mode {
        *lock(&self.mode)
    }

    /// Blocks while paused; `false` once a stop is asked for.
    pub fn proceed(&self) -> bool {
        let mut m = lock(&self.mode);
        while *m == Mode::Paused {
            m = self.changed.wait(m).unwrap_or_else(|p| p.into_inner());
        }
        if *m == Mode::Step {
            *m = Mode::Paused;
            return true;
        }
        *m == Mode::Running
    }
}

/// The model's description for the page: its layers and where it came from.
pub fn describe(slot: Option<&Slot>) -> Value {
    match slot {
        None => json!({ "loaded": false }),
        Some(s) => json!({
            "loaded": true,
            "source": s.source,
            "sizes": s.model.net.sizes(),
            "activations": s.model.net.layers.iter().map(|l| l.activation.name()).collect::<Vec<_>>(),
            "classes": s.model.classes,
        }),
    }
}
