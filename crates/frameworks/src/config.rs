//! The framework part of a chain's TOML config: which framework it runs, and the changes of
//! framework scheduled at block heights.
//!
//! ```toml
//! framework = "op-stack"
//!
//! [[framework_schedule]]
//! at_block = 1000
//! framework = "ethereum"
//! ```

use crate::{Schedule, ScheduleError, Step, UnknownFramework, by_name};
use serde::Deserialize;
use std::sync::Arc;
use tephra_chain::Framework;

/// `framework` and `[[framework_schedule]]` of a chain config.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameworkConfig {
    /// The framework from genesis.
    #[serde(default = "default_framework")]
    pub framework: String,
    /// Later changes of framework, by increasing height.
    #[serde(default)]
    pub framework_schedule: Vec<ScheduledChange>,
}

/// One `[[framework_schedule]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledChange {
    /// First block under `framework`.
    pub at_block: u64,
    /// The framework from then on.
    pub framework: String,
}

fn default_framework() -> String {
    "ethereum".to_string()
}

impl Default for FrameworkConfig {
    fn default() -> Self {
        Self { framework: default_framework(), framework_schedule: Vec::new() }
    }
}

/// Why a framework config cannot be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameworkConfigError {
    /// A framework name no profile has.
    #[error(transparent)]
    Unknown(#[from] UnknownFramework),
    /// The schedule is out of order.
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    /// A `BLOCK=NAME` flag that is not one.
    #[error("framework schedule entry {0:?} is not BLOCK=FRAMEWORK (for example 1000=op-stack)")]
    Malformed(String),
}

impl ScheduledChange {
    /// Parses the `--framework-schedule` flag's `BLOCK=FRAMEWORK`.
    pub fn parse_flag(value: &str) -> Result<Self, FrameworkConfigError> {
        let malformed = || FrameworkConfigError::Malformed(value.to_string());
        let (block, framework) = value.split_once('=').ok_or_else(malformed)?;
        let at_block = block.trim().parse().map_err(|_| malformed())?;
        Ok(Self { at_block, framework: framework.trim().to_string() })
    }
}

impl FrameworkConfig {
    /// The framework the chain runs: the one named, or a [`Schedule`] of it and its changes.
    pub fn build(&self) -> Result<Arc<dyn Framework>, FrameworkConfigError> {
        let genesis = by_name(&self.framework)?;
        if self.framework_schedule.is_empty() {
            return Ok(genesis);
        }
        let steps = self
            .framework_schedule
            .iter()
            .map(|change| {
                Ok(Step { at_block: change.at_block, framework: by_name(&change.framework)? })
            })
            .collect::<Result<Vec<_>, FrameworkConfigError>>()?;
        Ok(Arc::new(Schedule::new(genesis, steps)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_toml_and_flags_and_names_what_is_wrong() {
        let config: FrameworkConfig = toml::from_str(
            "framework = \"op-stack\"\n[[framework_schedule]]\nat_block = 10\nframework = \"ethereum\"\n",
        )
        .unwrap();
        assert_eq!(
            config.framework_schedule,
            vec![ScheduledChange::parse_flag("10=ethereum").unwrap()]
        );
        assert_eq!(config.build().unwrap().name(), "op-stack");

        let unknown = FrameworkConfig { framework: "arbitrum".into(), ..Default::default() };
        assert!(
            unknown.build().unwrap_err().to_string().contains("unknown framework \"arbitrum\"")
        );
        let bad_key = toml::from_str::<FrameworkConfig>("framwork = \"op-stack\"\n").unwrap_err();
        assert!(bad_key.to_string().contains("framwork"), "{bad_key}");
        assert!(matches!(
            ScheduledChange::parse_flag("ten=op-stack"),
            Err(FrameworkConfigError::Malformed(_))
        ));
        let backwards = FrameworkConfig {
            framework: "ethereum".into(),
            framework_schedule: vec![
                ScheduledChange { at_block: 20, framework: "op-stack".into() },
                ScheduledChange { at_block: 10, framework: "ethereum".into() },
            ],
        };
        assert_eq!(
            backwards.build().unwrap_err(),
            FrameworkConfigError::Schedule(ScheduleError::NotIncreasing {
                at_block: 10,
                previous: 20
            })
        );
        let at_zero = FrameworkConfig {
            framework: "ethereum".into(),
            framework_schedule: vec![ScheduledChange { at_block: 0, framework: "op-stack".into() }],
        };
        assert_eq!(
            at_zero.build().unwrap_err(),
            FrameworkConfigError::Schedule(ScheduleError::AtGenesis)
        );
    }
}
