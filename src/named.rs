//! Choices written by name in model files, checkpoints and histories (`"sigmoid"`,
//! `"step:10:0.5"`): serde through each type's `Display` and `FromStr`, so the names on disk
//! are the names the command line takes.

/// Implements `Serialize` (the `Display` text) and `Deserialize` (through `FromStr`, whose
/// error message names the expected values) for a type.
macro_rules! serde_by_name {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let name = <String as serde::Deserialize>::deserialize(d)?;
                name.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use serde_by_name;
