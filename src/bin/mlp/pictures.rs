//! `mlp plot` and `mlp draw`: learning curves from a history file, a network like the lecture's
//! figures.

use mlp::plot::{self, Highlight, LearningCurves, NetworkDiagram};
use mlp::train::EpochReport;
use mlp::{Error, Model};
use serde_json::Value;
use std::path::Path;

pub fn plot_history(history: &Path, output: &Path) -> Result<(), Error> {
    let bytes = mlp::files::read_regular(history, 1 << 30)?;
    let bad = |m: String| Error::Invalid(format!("{}: {m}", history.display()));
    let json: Value = serde_json::from_slice(&bytes)
        .map_err(|e| bad(format!("expected the JSON written by `mlp train --history`: {e}")))?;
    let epochs: Vec<EpochReport> = serde_json::from_value(json["epochs"].clone()).map_err(|e| {
        bad(format!(
            "expected {{\"epochs\": [{{\"epoch\", \"train_cost\", ...}}]}}: {e}"
        ))
    })?;
    if epochs.is_empty() {
        return Err(bad("the history has no epochs to plot".into()));
    }
    let subtitle = describe(&json["config"], history);
    plot::save(
        &LearningCurves {
            epochs: &epochs,
            subtitle,
        },
        output,
    )?;
    println!("Drew {} epochs into {}", epochs.len(), output.display());
    Ok(())
}

/// One line about the run, from the history's `config`.
fn describe(config: &Value, path: &Path) -> String {
    let field = |k: &str| {
        config
            .get(k)
            .filter(|v| !v.is_null())
            .map(|v| v.to_string().trim_matches('"').to_string())
    };
    if let Some(sizes) = config.get("sizes").and_then(Value::as_array) {
        let sizes: Vec<String> = sizes.iter().map(Value::to_string).collect();
        format!(
            "MNIST, {} ({} hidden, {} output, {} cost), {} η {}, mini-batch {}",
            sizes.join("-"),
            field("hidden").unwrap_or_default(),
            field("output").unwrap_or_default(),
            field("cost").unwrap_or_default(),
            field("optimizer").unwrap_or_default(),
            field("eta").unwrap_or_default(),
            field("batch_size").unwrap_or_default(),
        )
    } else if let Some(data) = field("data") {
        format!(
            "{} → {} ({}), hidden {} {}, {} η {}",
            data,
            field("target").unwrap_or_default(),
            field("task").unwrap_or_default(),
            field("hidden").unwrap_or_default(),
            field("activation").unwrap_or_default(),
            field("optimizer").unwrap_or_default(),
            field("eta").unwrap_or_default(),
        )
    } else {
        path.display().to_string()
    }
}

pub fn draw(
    sizes: Option<&[usize]>,
    model: Option<&Path>,
    weights: bool,
    highlight: Option<Highlight>,
    output: &Path,
) -> Result<(), Error> {
    let model = model.map(Model::load).transpose()?;
    let sizes = match (sizes, &model) {
        (Some(s), Some(m)) if s != m.net.sizes() => {
            return Err(Error::Mismatch(format!(
                "--layers {:?} differs from the model's layers {:?}; give one or the other",
                s,
                m.net.sizes()
            )));
        }
        (Some(s), _) => s.to_vec(),
        (None, Some(m)) => m.net.sizes(),
        (None, None) => {
            return Err(Error::Invalid(
                "give --layers (like 2,3,3,2) or --model FILE".into(),
            ));
        }
    };
    if weights && model.is_none() {
        return Err(Error::Invalid(
            "--weights labels the connections with a model's weights: give --model FILE".into(),
        ));
    }
    if let Some(Highlight::Layer(l)) = highlight
        && l >= sizes.len()
    {
        return Err(Error::Invalid(format!(
            "--highlight layer:{l}: a {}-layer network has weight layers 1 to {}",
            sizes.len(),
            sizes.len() - 1
        )));
    }
    let diagram = NetworkDiagram {
        sizes,
        net: model.as_ref().map(|m| &m.net),
        weight_labels: weights,
        highlight: highlight.unwrap_or(Highlight::None),
    };
    plot::save(&diagram, output)?;
    println!("Drew the network into {}", output.display());
    Ok(())
}
