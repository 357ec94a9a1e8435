//! Nothing: this crate holds only its test (tests/agreement.rs).
