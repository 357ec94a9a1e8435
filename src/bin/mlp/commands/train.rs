//! `mlp train`: one pipeline whatever the data. A data source (MNIST, a CSV file, `.npy`
//! arrays) becomes data sets, the flags over the source's defaults become one `RunSpec`
//! (`spec.rs`), and the same training, report and saving follow.

use crate::flags::TrainArgs;
use crate::report::Report;
use crate::source::{Loaded, Source};
use crate::spec;
use mlp::checkpoint;
use mlp::train::{self, Event, Sets};
use mlp::{Error, model_io};

pub fn run(args: &TrainArgs) -> Result<(), Error> {
    let source = Source::from_flags(args)?;
    let Loaded {
        train: all_train,
        test,
        table,
    } = source.load(args)?;
    let (mut net, spec, mut progress, mut optim) = match &args.resume {
        Some(path) => spec::resume(path, args, all_train.len(), all_train.n_features())?,
        None => spec::fresh(args, &source, &all_train)?,
    };
    let config = spec.config(args.checkpoint_every.map(|n| n as usize));
    config.validate()?;
    let (mut train_set, mut validation) = all_train.split_validation(spec.validation_split, spec.seed)?;
    let mut test = test;
    if spec.autoencoder {
        train_set = train_set.autoencoding();
        validation = validation.map(mlp::Dataset::autoencoding);
        test = test.map(mlp::Dataset::autoencoding);
    }
    train::check_compatible(&net, &train_set, source.name())?;
    let sets = Sets {
        train: &train_set,
        validation: validation.as_ref(),
        test: test.as_ref(),
    };

    let mut report = Report::new(args.verbosity.level(), &spec, table.as_ref());
    report.header(&source, table.as_ref(), &net, &spec, sets, optim.eta);
    if let Some(path) = &args.resume {
        report.resumed(path, &progress);
    }
    if args.save_best.is_some() && validation.is_none() {
        return Err(Error::Invalid(
            "--save-best chooses the model by its validation score; hold some training data out with --validation-split F"
                .into(),
        ));
    }
    let checkpoint_path = args.checkpoint.as_ref().or(args.resume.as_ref());
    // The best epoch by validation score so far, and its network (taken at the checkpoint
    // moment that follows each epoch's report).
    let mut best = Best::default();
    crate::signals::stop_training_on_interrupt();
    let trained = train::train(&mut net, sets, &config, &mut optim, &mut progress, |event| {
        match event {
            Event::Batches { epoch, done, total } => report.batches(epoch, done, total),
            Event::Epoch(r) => {
                report.epoch(r);
                best.consider(r);
            }
            Event::Checkpoint(net, p, o) => {
                if args.save_best.is_some() {
                    best.keep(net);
                }
                if let Some(path) = checkpoint_path {
                    checkpoint::save(path, net, &spec, p, o)?;
                }
            }
        }
        Ok(())
    });
    if let Err(e @ Error::Interrupted { .. }) = trained {
        let kept = match checkpoint_path {
            Some(path) => format!(
                "the checkpoint {} holds the training so far; continue it with --resume {}",
                path.display(),
                path.display()
            ),
            None => "nothing was saved (--checkpoint FILE keeps the training state)".to_string(),
        };
        // Said here, where what was kept is known; `main` gives the signal's exit status.
        eprintln!("{e}: {kept}");
        return Err(e);
    }
    trained?;

    // MNIST's record keeps the run description's field order in the model file.
    let (record, training) = match &table {
        Some(t) => {
            let record = t.record(&spec, source.path());
            let text = record.to_string();
            (record, text)
        }
        None => (
            serde_json::to_value(&spec).expect("plain data"),
            serde_json::to_string(&spec).expect("plain data"),
        ),
    };
    let save = |net: &mlp::Network<f32>, path: &std::path::Path| -> Result<(), Error> {
        let extra = [("training", training.as_str())];
        match &table {
            Some(t) => t.model(net.clone()).save(path, &extra),
            None => model_io::save_with(net, path, &extra),
        }
    };
    if let Some(path) = &args.save {
        save(&net, path)?;
    }
    if let (Some(path), Some((_, best_net))) = (&args.save_best, &best.network) {
        save(best_net, path)?;
    }
    if let Some(path) = &args.history {
        // The kernel path decides the summation order, so which bits a seed gives.
        let mut json = serde_json::json!({
            "config": record,
            "kernels": mlp::linalg::kernel_path(),
            "epochs": &progress.history.epochs,
        });
        if let Some((epoch, _)) = &best.network {
            json["selected_epoch"] = (*epoch).into();
        }
        mlp::files::write_atomic(path, &serde_json::to_vec_pretty(&json).expect("plain data"))?;
    }
    report.summary(&progress, &config, args.save.as_deref());
    if let (Some(path), Some((epoch, _))) = (&args.save_best, &best.network) {
        report.selected(&progress, *epoch, path);
    }
    Ok(())
}

/// The epoch with the best validation score so far and its network.
#[derive(Default)]
struct Best {
    score: Option<f64>,
    /// The epoch just reported beat every earlier one: keep its network at the next moment.
    improved: Option<usize>,
    network: Option<(usize, mlp::Network<f32>)>,
}

impl Best {
    fn consider(&mut self, r: &train::EpochReport) {
        // Higher is better: accuracy, or minus an autoencoder's reconstruction error.
        let score = r.validation_accuracy.or(r.validation_error.map(|e| -e));
        if let Some(score) = score
            && self.score.is_none_or(|best| score > best)
        {
            self.score = Some(score);
            self.improved = Some(r.epoch);
        }
    }

    fn keep(&mut self, net: &mlp::Network<f32>) {
        if let Some(epoch) = self.improved.take() {
            self.network = Some((epoch, net.clone()));
        }
    }
}
