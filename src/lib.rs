//! `mlp`: multilayer perceptrons from first principles.
//!
//! The parts follow the lecture: [`perceptron`] (step neurons and gates), [`network`]
//! (sigmoid layers, feedforward, backpropagation), [`cost`] and [`activation`] (each with its
//! derivative), [`optim`] (gradient descent), [`train`] (epochs of mini-batches), [`data`]
//! (MNIST's IDX files), [`model_io`] (safetensors model files) and [`gradcheck`].

pub mod activation;
pub mod autoencoder;
pub mod budget;
pub mod checkpoint;
pub mod cost;
pub mod data;
pub mod error;
pub mod estimator;
pub mod files;
pub mod gradcheck;
pub mod init;
pub mod lbfgs;
pub mod linalg;
#[cfg(feature = "linfa")]
pub mod linfa;
pub mod model;
pub mod model_io;
mod named;
pub mod network;
#[cfg(feature = "onnx")]
pub mod onnx;
pub mod optim;
pub mod perceptron;
pub mod picture;
pub mod plot;
pub mod reference;
mod seed;
#[cfg(feature = "serve")]
pub mod serve;
pub mod state_dict;
pub mod train;

pub use activation::Activation;
pub use cost::Cost;
pub use data::Dataset;
pub use error::{Error, Result};
pub use estimator::{MlpClassifier, MlpRegressor};
pub use model::Model;
pub use network::{Architecture, Init, Layer, Network, Workspace};
pub use train::{History, TrainConfig};

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
