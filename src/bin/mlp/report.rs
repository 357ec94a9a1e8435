//! What `mlp train` prints: a header, epoch lines (all, or every few, by [`Verbosity`]), a
//! progress bar on a terminal, the summary and the one-line result.

use crate::flags::Verbosity;
use crate::source::{Source, Table};
use mlp::Network;
use mlp::train::{EpochReport, Progress, RunSpec, Sets, TrainConfig, r_squared};
use std::path::Path;

pub struct Report {
    verbosity: Verbosity,
    epochs: usize,
    /// The test targets' variance (regression), in the units the network learns, for R².
    test_variance: Option<f64>,
    /// What one squared unit the network learns is in the target's own units (`s²` of a
    /// standardised target, else 1): the MSE is reported in the target's units.
    mse_unit: f64,
    bar: EpochBar,
    /// The last epoch reported and whether its line was printed.
    last: Option<(EpochReport, bool)>,
}

impl Report {
    pub fn new(verbosity: Verbosity, spec: &RunSpec, table: Option<&Table>) -> Report {
        let scale = table
            .and_then(|t| t.target_standardizer.as_ref())
            .map_or(1.0, |s| s.scale[0]);
        Report {
            verbosity,
            epochs: spec.epochs,
            test_variance: table.and_then(|t| t.test_variance),
            mse_unit: f64::from(scale).powi(2),
            bar: EpochBar::new(verbosity.chatty()),
            last: None,
        }
    }

    pub fn header(
        &self,
        source: &Source,
        table: Option<&Table>,
        net: &Network<f32>,
        spec: &RunSpec,
        sets: Sets<'_>,
        eta: f64,
    ) {
        if !self.verbosity.chatty() {
            return;
        }
        if let Some(t) = table {
            println!(
                "Data: {} ({} rows{} of {} features; target '{}'; task {}{}), testing on {}",
                source.path().display(),
                spec.train_samples,
                if t.dropped > 0 {
                    format!(", {} with missing values left out", t.dropped)
                } else {
                    String::new()
                },
                spec.features,
                t.target,
                t.task.name(),
                if t.task_inferred {
                    " (inferred; --task to choose)"
                } else {
                    ""
                },
                sets.test
                    .map_or("nothing".into(), |t| format!("{} rows", t.len())),
            );
        }
        let layers: Vec<String> = spec.sizes.iter().map(usize::to_string).collect();
        let mut extras = String::new();
        if spec.alpha > 0.0 {
            extras.push_str(&format!(", alpha {}", spec.alpha));
        }
        if table.is_some_and(|t| t.standardizer.is_some()) {
            extras.push_str(", features standardised");
        }
        // Bits are reproducible for a seed on one kernel path; say which one ran.
        extras.push_str(&format!("; kernels: {}", mlp::linalg::kernel_path()));
        println!(
            "Training {} ({} parameters; {} hidden, {} output, {} cost, {} init) on {} {}{}, testing on {}: \
             {}{} epochs, mini-batch {}, {} eta {}, seed {}{extras}",
            layers.join("-"),
            net.n_parameters(),
            spec.hidden,
            spec.output,
            spec.cost,
            spec.init,
            sets.train.len(),
            source.samples(),
            sets.validation
                .map_or(String::new(), |v| format!(" (validating on {})", v.len())),
            sets.test.map_or(0, |t| t.len()),
            if spec.early_stopping.is_some() {
                "up to "
            } else {
                ""
            },
            spec.epochs,
            spec.batch_size.min(sets.train.len()),
            spec.optimizer,
            eta,
            spec.seed
        );
    }

    pub fn resumed(&mut self, path: &Path, progress: &Progress) {
        if self.verbosity.chatty() {
            println!(
                "Resuming {} after epoch {}, mini-batch {}",
                path.display(),
                progress.epoch,
                progress.step
            );
            progress.history.epochs.iter().for_each(|r| self.epoch(r));
        }
    }

    pub fn batches(&mut self, epoch: usize, done: usize, total: usize) {
        self.bar.update(epoch, done, total);
    }

    pub fn epoch(&mut self, r: &EpochReport) {
        self.bar.finish();
        let shown = self.verbosity.shows_epoch(r.epoch, self.epochs, r.seconds);
        if shown {
            println!("{}", self.epoch_line(r));
        }
        self.last = Some((r.clone(), shown));
    }

    fn epoch_line(&self, r: &EpochReport) -> String {
        let mut line = format!("Epoch {:>3}: cost {:.5}", r.epoch, r.train_cost);
        match (r.test_accuracy, r.test_error) {
            (Some(acc), _) => line.push_str(&format!(
                ", test {}/{} ({:.2}%)",
                r.test_correct.unwrap_or(0),
                r.test_total,
                100.0 * acc
            )),
            (None, Some(mse)) => line.push_str(&self.error_text(mse)),
            (None, None) => {}
        }
        match (r.validation_accuracy, r.validation_error) {
            (Some(acc), _) => line.push_str(&format!(", validation {:.2}%", 100.0 * acc)),
            (None, Some(mse)) => {
                line.push_str(&format!(", validation MSE {}", significant(mse * self.mse_unit)))
            }
            (None, None) => {}
        }
        line.push_str(&format!(", {:.2} s", r.seconds));
        line
    }

    /// A regressor's test score (R² and the mean squared error), or an autoencoder's.
    fn error_text(&self, mse: f64) -> String {
        match self.test_variance {
            Some(var) => format!(
                ", test R² {:.4} (MSE {})",
                r_squared(mse, var),
                significant(mse * self.mse_unit)
            ),
            None => format!(", test reconstruction error {mse:.5} per pixel"),
        }
    }

    /// After training: the last epoch if its line was skipped, why training stopped, the
    /// result, where the model went. `-q` prints the result alone, on standard error.
    pub fn summary(&self, progress: &Progress, config: &TrainConfig, saved: Option<&Path>) {
        let Some((last, shown)) = &self.last else {
            return;
        };
        let result = self.result(progress, last);
        match self.verbosity {
            Verbosity::Silent => return,
            Verbosity::Result => {
                eprintln!("{result}");
                return;
            }
            Verbosity::Normal | Verbosity::EveryEpoch => {}
        }
        if !shown {
            println!("{}", self.epoch_line(last));
        }
        if let Some(patience) = config.early_stopping {
            if progress.stopped_early {
                println!(
                    "Stopped after epoch {}: no improvement of more than {} in {patience} epochs",
                    progress.epoch, config.tol
                );
            } else {
                println!(
                    "Reached the last epoch ({}) before the score stopped improving; more --epochs may help",
                    progress.epoch
                );
            }
        }
        println!("{result}");
        if let Some(path) = saved {
            println!("Saved the model to {}", path.display());
        }
    }

    /// The model chosen by its validation score (`--save-best`): its epoch, its validation
    /// score and its test score, reported once.
    pub fn selected(&self, progress: &Progress, epoch: usize, path: &Path) {
        if matches!(self.verbosity, Verbosity::Silent) {
            return;
        }
        let Some(r) = progress.history.epochs.iter().find(|r| r.epoch == epoch) else {
            return;
        };
        let percent = |a: Option<f64>| a.map_or("–".to_string(), |a| format!("{:.2}%", 100.0 * a));
        let scores = match (r.validation_accuracy, r.validation_error) {
            (Some(_), _) => format!(
                "validation accuracy {}, test accuracy {}",
                percent(r.validation_accuracy),
                percent(r.test_accuracy)
            ),
            (None, Some(v)) => format!(
                "validation error {v:.5}, test error {}",
                r.test_error.map_or("–".to_string(), |e| format!("{e:.5}"))
            ),
            (None, None) => String::new(),
        };
        println!(
            "Chosen by validation: epoch {epoch} ({scores}); saved to {}",
            path.display()
        );
    }

    /// One line: the final test score and, for a classifier, the best epoch's.
    fn result(&self, progress: &Progress, last: &EpochReport) -> String {
        match (last.test_accuracy, last.test_error, progress.history.best()) {
            (Some(acc), _, Some(best)) => format!(
                "Test accuracy {}/{} ({:.2}%) after epoch {}; best: epoch {}, {}/{} ({:.2}%)",
                last.test_correct.unwrap_or(0),
                last.test_total,
                100.0 * acc,
                last.epoch,
                best.epoch,
                best.test_correct.unwrap_or(0),
                best.test_total,
                100.0 * best.test_accuracy.unwrap_or(0.0)
            ),
            (None, Some(mse), _) => match self.test_variance {
                Some(var) => {
                    let r2 = r_squared(mse, var);
                    let mut line = format!(
                        "Test R² {r2:.4} (MSE {}) after epoch {}",
                        significant(mse * self.mse_unit),
                        last.epoch
                    );
                    if r2 < 0.0 {
                        line.push_str(
                            "; below 0: the model predicts worse than the mean of the test targets would",
                        );
                    }
                    line
                }
                None => format!(
                    "Test reconstruction error {mse:.5} per pixel after epoch {}",
                    last.epoch
                ),
            },
            _ => format!("After epoch {}: training cost {:.5}", last.epoch, last.train_cost),
        }
    }
}

/// A progress bar with the ETA of the current epoch, on standard error when it is a terminal
/// (hidden otherwise and with --quiet); cleared before each epoch's line.
struct EpochBar {
    on: bool,
    bar: Option<indicatif::ProgressBar>,
}

impl EpochBar {
    fn new(chatty: bool) -> Self {
        use std::io::IsTerminal;
        EpochBar {
            on: chatty && std::io::stderr().is_terminal(),
            bar: None,
        }
    }

    fn update(&mut self, epoch: usize, done: usize, total: usize) {
        if !self.on {
            return;
        }
        let bar = self.bar.get_or_insert_with(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "Epoch {prefix:>3} [{bar:40}] {pos}/{len} mini-batches, {elapsed} elapsed, ETA {eta}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar
        });
        bar.set_prefix(epoch.to_string());
        bar.set_position(done as u64);
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// A mean squared error to five significant digits, whatever the target's units (prices
/// around 500 have errors in the thousands, standardised targets below 1).
fn significant(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let decimals = (4 - v.abs().log10().floor() as i64).clamp(0, 12) as usize;
    format!("{v:.decimals$}")
}
