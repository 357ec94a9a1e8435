//! Model files: safetensors (readable by any safetensors library) with the architecture in the
//! metadata, and atomic writes.
//!
//! Tensors are named `layers.{l}.weights` (`n_out × n_in`) and `layers.{l}.biases` (`n_out`).
//! The `__metadata__` map holds `format = "mlp"`, `format_version`, `sizes` ("784,30,10"),
//! `activations` (one per weight layer), `cost`, and `data_sha256`, the SHA-256 of every byte
//! after the header, so a changed byte is caught on load; and `header_sha256`, the SHA-256 of
//! the header itself as written with that value's 64 digits as zeros, so a changed byte in the
//! metadata (a batch size, a class name) is caught too. Files written before `header_sha256`
//! existed have none and are read as before.
//!
//! The writer is ours, not the safetensors crate's: the crate writes the metadata map in hash
//! order, which differs from run to run, and two runs with the same seed must give the same
//! bytes. Files are read with the crate, which checks the header and offsets.

use crate::activation::Activation;
use crate::cost::Cost;
use crate::error::{Error, Result};
use crate::linalg::Float;
use crate::network::{Layer, Network, validate_sizes};
use ndarray::{Array1, Array2};
use safetensors::SafeTensors;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

pub const FORMAT: &str = "mlp";
pub const FORMAT_VERSION: &str = "1";
/// The largest model or checkpoint file read: a 784-800-800-10 checkpoint with Adam is 23 MB.
pub const MAX_FILE_BYTES: u64 = 16 << 30;

/// The metadata key of the header's own checksum.
const HEADER_SHA256: &str = "header_sha256";
/// What `header_sha256`'s value is while the header is hashed.
const UNSET_DIGEST: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Where the 64 digits of `header_sha256` are in a header (JSON as written: no spaces), if the
/// key is there exactly once.
fn header_digest_at(header: &[u8]) -> Option<usize> {
    let key = format!("\"{HEADER_SHA256}\":\"");
    let mut found = header
        .windows(key.len())
        .enumerate()
        .filter(|(_, w)| *w == key.as_bytes())
        .map(|(i, _)| i + key.len());
    let at = found.next()?;
    let complete = header.get(at + 64) == Some(&b'"');
    (found.next().is_none() && complete).then_some(at)
}

/// Checks `header_sha256` against the header it is in; a file without one (written before it
/// existed) passes, unless another metadata value is a 64-digit hex digest, as a
/// `header_sha256` with a damaged name would be.
fn check_header_digest(bytes: &[u8], meta: &HashMap<String, String>) -> Result<(), String> {
    let is_digest = |v: &str| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit());
    let Some(claimed) = meta.get(HEADER_SHA256) else {
        if let Some(key) = meta.keys().find(|k| *k != "data_sha256" && is_digest(&meta[*k])) {
            return Err(format!(
                "metadata '{}' holds a checksum but there is no '{HEADER_SHA256}': the header is corrupted",
                crate::error::quote(key)
            ));
        }
        return Ok(());
    };
    let n = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
    let mut header = bytes[8..8 + n].to_vec();
    let at = header_digest_at(&header)
        .ok_or_else(|| format!("the header does not hold '{HEADER_SHA256}' as written"))?;
    header[at..at + 64].copy_from_slice(UNSET_DIGEST.as_bytes());
    let digest = hex(&Sha256::digest(&header));
    if &digest != claimed {
        return Err(format!(
            "the header does not match its checksum (SHA-256 {digest}, metadata says {}): the file is corrupted",
            crate::error::quote(claimed)
        ));
    }
    Ok(())
}

/// The bytes of a model file for `net`.
pub fn to_bytes<T: Float>(net: &Network<T>) -> Vec<u8> {
    to_bytes_with(net, &BTreeMap::new(), &Extras::new())
}

/// Tensors besides the network's, by name (only names under `optim.` and `input.` are
/// accepted on load).
pub type Extras<T> = BTreeMap<String, (Vec<usize>, Vec<T>)>;

/// The bytes of a model file for `net` with `extra` entries in its metadata and `extra_tensors`
/// (checkpoints keep their training state and optimizer state there).
pub fn to_bytes_with<T: Float>(
    net: &Network<T>,
    extra: &BTreeMap<String, String>,
    extra_tensors: &Extras<T>,
) -> Vec<u8> {
    // Tensors in name order, data laid out in that same order.
    let mut tensors: Extras<T> = extra_tensors.clone();
    for (l, layer) in net.layers.iter().enumerate() {
        let w = &layer.weights;
        tensors.insert(
            format!("layers.{l}.weights"),
            (vec![w.nrows(), w.ncols()], w.iter().copied().collect()),
        );
        tensors.insert(
            format!("layers.{l}.biases"),
            (vec![layer.biases.len()], layer.biases.to_vec()),
        );
    }
    let mut data = Vec::new();
    let mut entries = Map::new();
    for (name, (shape, values)) in &tensors {
        let start = data.len();
        for &v in values {
            v.write_le(&mut data);
        }
        entries.insert(
            name.clone(),
            json!({"dtype": T::DTYPE, "shape": shape, "data_offsets": [start, data.len()]}),
        );
    }

    let sizes = net
        .sizes()
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let activations = net
        .layers
        .iter()
        .map(|l| l.activation.name())
        .collect::<Vec<_>>()
        .join(",");
    let mut metadata: BTreeMap<String, String> = extra.clone();
    metadata.extend([
        ("activations".to_string(), activations),
        ("cost".to_string(), net.cost.name().to_string()),
        ("data_sha256".to_string(), hex(&Sha256::digest(&data))),
        ("format".to_string(), FORMAT.to_string()),
        ("format_version".to_string(), FORMAT_VERSION.to_string()),
        (HEADER_SHA256.to_string(), UNSET_DIGEST.to_string()),
        ("sizes".to_string(), sizes),
    ]);
    let mut header = Map::new();
    header.insert("__metadata__".into(), json!(metadata));
    header.extend(entries);
    let mut header = serde_json::to_vec(&Value::Object(header)).expect("JSON of strings and numbers");
    // Pad with spaces so the data starts 8-byte aligned, as the format recommends.
    header.resize(header.len().next_multiple_of(8), b' ');
    let at = header_digest_at(&header).expect("written once, just above");
    let digest = hex(&Sha256::digest(&header));
    header[at..at + 64].copy_from_slice(digest.as_bytes());

    let mut out = Vec::with_capacity(8 + header.len() + data.len());
    out.extend_from_slice(&(header.len() as u64).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&data);
    out
}

/// Reads a model from the bytes of a file; `path` is named in errors. Nothing in the file is
/// trusted: the header, every shape, the checksum and every value are checked.
pub fn from_bytes<T: Float>(bytes: &[u8], path: &Path) -> Result<Network<T>> {
    from_bytes_with(bytes, path).map(|(net, _, _)| net)
}

/// A loaded file: the network, the whole metadata map, and the `optim.` and `input.` tensors.
pub type Loaded<T> = (Network<T>, HashMap<String, String>, Extras<T>);

/// [`from_bytes`], also returning the file's whole metadata map and its extra tensors.
pub fn from_bytes_with<T: Float>(bytes: &[u8], path: &Path) -> Result<Loaded<T>> {
    let bad = |msg: String| Error::model(path, msg);
    let (_, header) =
        SafeTensors::read_metadata(bytes).map_err(|e| bad(format!("safetensors header: {e}")))?;
    let tensors = SafeTensors::deserialize(bytes).map_err(|e| bad(format!("safetensors: {e}")))?;
    let meta = header
        .metadata()
        .as_ref()
        .ok_or_else(|| bad("no __metadata__ in the header (not written by mlp?)".into()))?;
    let field = |key: &str| -> Result<&String> {
        meta.get(key)
            .ok_or_else(|| bad(format!("metadata has no '{key}'")))
    };

    // First, so that every other message is about a header known to be as written.
    check_header_digest(bytes, meta).map_err(bad)?;
    if field("format")? != FORMAT {
        return Err(bad(format!(
            "metadata 'format' is '{}', expected '{FORMAT}'",
            field("format")?
        )));
    }
    let version = field("format_version")?;
    if version != FORMAT_VERSION {
        return Err(bad(format!(
            "format_version '{version}' is not supported (this mlp reads version {FORMAT_VERSION})"
        )));
    }
    let sizes_text = field("sizes")?;
    let sizes: Vec<usize> = sizes_text
        .split(',')
        .map(|s| s.trim().parse::<usize>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            bad(format!(
                "metadata 'sizes' is '{sizes_text}', expected numbers like 784,30,10"
            ))
        })?;
    validate_sizes(&sizes).map_err(|e| bad(format!("metadata 'sizes': {e}")))?;
    let activations: Vec<Activation> = field("activations")?
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .map_err(|e| bad(format!("metadata 'activations': {e}")))?;
    if activations.len() != sizes.len() - 1 {
        return Err(bad(format!(
            "metadata names {} activations for {} weight layers",
            activations.len(),
            sizes.len() - 1
        )));
    }
    let cost: Cost = field("cost")?
        .parse()
        .map_err(|e| bad(format!("metadata 'cost': {e}")))?;

    let header_end = bytes.len() - data_len(&tensors);
    let digest = hex(&Sha256::digest(&bytes[header_end..]));
    if &digest != field("data_sha256")? {
        return Err(bad(format!(
            "tensor data does not match its checksum (SHA-256 {digest}, metadata says {}): the file is corrupted",
            field("data_sha256")?
        )));
    }

    let expected_names = 2 * (sizes.len() - 1);
    let extra_names: Vec<String> = tensors
        .names()
        .into_iter()
        // The optimizer's state (checkpoints), the input and target standardisations (models).
        .filter(|n| ["optim.", "input.", "target."].iter().any(|p| n.starts_with(p)))
        .map(String::from)
        .collect();
    if tensors.len() != expected_names + extra_names.len() {
        return Err(bad(format!(
            "holds {} tensors, expected {expected_names} for sizes {sizes:?}",
            tensors.len() - extra_names.len()
        )));
    }
    let read = |name: String, shape: &[usize]| -> Result<Vec<T>> {
        let t = tensors
            .tensor(&name)
            .map_err(|_| bad(format!("tensor '{name}' is missing")))?;
        if format!("{:?}", t.dtype()) != T::DTYPE {
            return Err(bad(format!(
                "tensor '{name}' has dtype {:?}, expected {}",
                t.dtype(),
                T::DTYPE
            )));
        }
        if t.shape() != shape {
            return Err(bad(format!(
                "tensor '{name}' has shape {:?}, expected {shape:?} for sizes {sizes:?}",
                t.shape()
            )));
        }
        let values: Vec<T> = t.data().chunks_exact(size_of::<T>()).map(T::read_le).collect();
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(bad(format!(
                "tensor '{name}' holds a non-finite value at index {i}"
            )));
        }
        Ok(values)
    };
    let mut layers = Vec::with_capacity(sizes.len() - 1);
    for (l, (w, activation)) in sizes.windows(2).zip(activations).enumerate() {
        let (n_in, n_out) = (w[0], w[1]);
        let weights = read(format!("layers.{l}.weights"), &[n_out, n_in])?;
        let biases = read(format!("layers.{l}.biases"), &[n_out])?;
        layers.push(Layer {
            weights: Array2::from_shape_vec((n_out, n_in), weights).expect("shape checked"),
            biases: Array1::from(biases),
            activation,
        });
    }
    let mut extras = Extras::new();
    for name in extra_names {
        let shape = tensors
            .tensor(&name)
            .map_err(|e| bad(format!("tensor '{name}': {e}")))?
            .shape()
            .to_vec();
        extras.insert(name.clone(), (shape.clone(), read(name, &shape)?));
    }
    Ok((Network { layers, cost }, meta.clone(), extras))
}

fn data_len(tensors: &SafeTensors) -> usize {
    tensors.iter().map(|(_, t)| t.data().len()).sum()
}

/// Writes `net` to `path` atomically.
pub fn save<T: Float>(net: &Network<T>, path: &Path) -> Result<()> {
    crate::files::write_atomic(path, &to_bytes(net))
}

/// Writes `net` to `path` atomically, with extra metadata entries (how it was trained).
pub fn save_with<T: Float>(net: &Network<T>, path: &Path, metadata: &[(&str, &str)]) -> Result<()> {
    let extra = metadata
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    crate::files::write_atomic(path, &to_bytes_with(net, &extra, &Extras::new()))
}

/// Reads the model file at `path`.
pub fn load<T: Float>(path: &Path) -> Result<Network<T>> {
    let bytes = crate::files::read_regular(path, MAX_FILE_BYTES)?;
    from_bytes(&bytes, path)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Init;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn net() -> Network<f32> {
        Network::new(
            &[4, 3, 2],
            Init::StandardNormal,
            &mut ChaCha8Rng::seed_from_u64(1),
        )
        .unwrap()
    }

    #[test]
    fn round_trip_and_readable_by_the_safetensors_crate() {
        let n = net();
        let bytes = to_bytes(&n);
        assert_eq!(from_bytes::<f32>(&bytes, Path::new("m")).unwrap(), n);
        let st = SafeTensors::deserialize(&bytes).unwrap();
        assert_eq!(st.tensor("layers.1.weights").unwrap().shape(), &[2, 3]);
        assert_eq!(to_bytes(&n), bytes, "deterministic bytes");
    }

    #[test]
    fn every_flipped_byte_and_every_truncation_is_rejected() {
        let bytes = to_bytes(&net());
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x01;
            assert!(from_bytes::<f32>(&b, Path::new("m")).is_err(), "byte {i} flipped");
        }
        for len in 0..bytes.len() {
            assert!(
                from_bytes::<f32>(&bytes[..len], Path::new("m")).is_err(),
                "truncated to {len}"
            );
        }
    }

    fn splice(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
        assert_eq!(from.len(), to.len());
        let at = bytes
            .windows(from.len())
            .position(|w| w == from.as_bytes())
            .expect("present");
        let mut out = bytes.to_vec();
        out[at..at + to.len()].copy_from_slice(to.as_bytes());
        out
    }

    /// `bytes` with `from` replaced by `to` and the header's checksum made to match again: an
    /// edit, not a corruption.
    fn replace(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
        let mut out = splice(bytes, from, to);
        let n = u64::from_le_bytes(out[..8].try_into().unwrap()) as usize;
        let at = 8 + header_digest_at(&out[8..8 + n]).unwrap();
        out[at..at + 64].copy_from_slice(UNSET_DIGEST.as_bytes());
        let digest = hex(&Sha256::digest(&out[8..8 + n]));
        out[at..at + 64].copy_from_slice(digest.as_bytes());
        out
    }

    /// `bytes` as written before `header_sha256` existed: the entry blanked out (JSON allows
    /// spaces between entries, so no offset moves).
    fn without_header_digest(bytes: &[u8]) -> Vec<u8> {
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let at = header_digest_at(&bytes[8..8 + n]).unwrap();
        let entry = format!("\"{HEADER_SHA256}\":\"");
        let start = 8 + at - entry.len();
        let mut out = bytes.to_vec();
        // The entry, its closing quote and the comma after it.
        out[start..8 + at + 66].fill(b' ');
        out
    }

    #[test]
    fn files_without_a_header_checksum_still_load_and_a_flip_in_its_name_is_caught() {
        let n = net();
        let legacy = without_header_digest(&to_bytes(&n));
        assert_eq!(from_bytes::<f32>(&legacy, Path::new("m")).unwrap(), n);
        let bytes = to_bytes(&n);
        let renamed = splice(&bytes, "\"header_sha256\"", "\"header_sha257\"");
        let e = from_bytes::<f32>(&renamed, Path::new("m"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("header_sha257") && e.contains("corrupted"), "{e}");
    }

    #[test]
    fn wrong_version_and_shape_are_named() {
        let n = net();
        let bytes = to_bytes(&n);
        let swapped = replace(&bytes, "\"format_version\":\"1\"", "\"format_version\":\"9\"");
        let e = from_bytes::<f32>(&swapped, Path::new("m"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("format_version '9'"), "{e}");
        let resized = replace(&bytes, "\"sizes\":\"4,3,2\"", "\"sizes\":\"3,4,2\"");
        let e = from_bytes::<f32>(&resized, Path::new("m"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("has shape"), "{e}");
    }
}
