//! The committed Solidity artifacts (`contracts/artifacts/*.json`, compiled by
//! `contracts/compile.mjs`), embedded in the crates that deploy them with [`artifact!`].

use alloy_primitives::Bytes;

/// A compiled contract: its name and its artifact's JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Artifact {
    /// The contract's name.
    pub name: &'static str,
    json: &'static str,
}

/// The [`Artifact`] of the contract named `$name`, embedded from `contracts/artifacts/` (the
/// calling crate sits two directories below the repository root, as every crate here does).
#[macro_export]
macro_rules! artifact {
    ($name:ident) => {
        $crate::artifact::Artifact::new(
            stringify!($name),
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../contracts/artifacts/",
                stringify!($name),
                ".json"
            )),
        )
    };
}

impl Artifact {
    /// The artifact `json` of contract `name` (see [`artifact!`]).
    pub const fn new(name: &'static str, json: &'static str) -> Self {
        Self { name, json }
    }

    /// The creation code followed by the ABI-encoded constructor `args`.
    pub fn deploy_code(&self, args: &[u8]) -> Bytes {
        [self.code("bytecode").as_ref(), args].concat().into()
    }

    /// The runtime code, as the compiler left it (immutables still zero).
    pub fn runtime_code(&self) -> Bytes {
        self.code("deployedBytecode")
    }

    fn code(&self, field: &str) -> Bytes {
        let artifact: serde_json::Value =
            serde_json::from_str(self.json).expect("committed artifacts are JSON");
        artifact[field]
            .as_str()
            .and_then(|hex| hex.parse().ok())
            .unwrap_or_else(|| panic!("the committed artifact of {} carries {field}", self.name))
    }
}
