//! Dev-mode helpers with anvil's names and answers, and Hardhat's aliases where Hardhat has
//! the method: state edits (`anvil_setBalance`, `anvil_setCode`, `anvil_setNonce`,
//! `anvil_setStorageAt`), mining on demand (`anvil_mine`, `evm_mine`), snapshots
//! (`evm_snapshot`, `evm_revert`) and the clock (`evm_setNextBlockTimestamp`,
//! `evm_increaseTime`).

use crate::{
    context::{Args, Module, RpcContext, blocking},
    error::{EthError, EthResult},
};
use alloy_primitives::{Address, Bytes, U256};
use alloy_serde::JsonStorageKey;
use jsonrpsee::core::RegisterMethodError;
use serde::Deserialize;

/// Registers the methods of this module and their aliases.
pub(crate) fn register(module: &mut Module) -> Result<(), RegisterMethodError> {
    blocking(module, "anvil_setBalance", |ctx, args| {
        let (address, balance) = (args.req::<Address>()?, args.req::<Quantity>()?.0);
        ctx.node
            .chain()
            .edit_overrides(|o| o.accounts.entry(address).or_default().balance = Some(balance));
        refresh_pool(ctx, address)?;
        Ok(())
    })?;
    blocking(module, "anvil_setCode", |ctx, args| {
        let (address, code) = (args.req::<Address>()?, args.req::<Bytes>()?);
        ctx.node
            .chain()
            .edit_overrides(|o| o.accounts.entry(address).or_default().code = Some(code));
        Ok(())
    })?;
    blocking(module, "anvil_setNonce", |ctx, args| {
        let address = args.req::<Address>()?;
        let nonce = u64_of(args.req::<Quantity>()?.0, "nonce")?;
        ctx.node
            .chain()
            .edit_overrides(|o| o.accounts.entry(address).or_default().nonce = Some(nonce));
        refresh_pool(ctx, address)?;
        Ok(())
    })?;
    blocking(module, "anvil_setStorageAt", |ctx, args| {
        let address = args.req::<Address>()?;
        let slot = args.req::<JsonStorageKey>()?.as_b256();
        let value = U256::from_be_bytes(args.req::<JsonStorageKey>()?.as_b256().0);
        ctx.node.chain().edit_overrides(|o| {
            o.storage.insert((address, slot), value);
        });
        Ok(true)
    })?;
    blocking(module, "anvil_mine", anvil_mine)?;
    blocking(module, "evm_mine", evm_mine)?;
    blocking(module, "evm_snapshot", |ctx, _| Ok(U256::from(ctx.node.snapshot())))?;
    blocking(module, "evm_revert", |ctx, args| {
        let id = args.req::<Quantity>()?.0;
        Ok(match u64::try_from(id) {
            Ok(id) => ctx.node.revert(id)?,
            Err(_) => false,
        })
    })?;
    blocking(module, "evm_setNextBlockTimestamp", |ctx, args| {
        let timestamp = u64_of(args.req::<Quantity>()?.0, "timestamp")?;
        ctx.node.set_next_timestamp(timestamp)?;
        Ok(())
    })?;
    blocking(module, "evm_increaseTime", |ctx, args| {
        let seconds = args.req::<Seconds>()?.0;
        Ok(ctx.node.increase_time(seconds))
    })?;

    for (alias, method) in [
        ("hardhat_setBalance", "anvil_setBalance"),
        ("hardhat_setCode", "anvil_setCode"),
        ("hardhat_setNonce", "anvil_setNonce"),
        ("hardhat_setStorageAt", "anvil_setStorageAt"),
        ("hardhat_mine", "anvil_mine"),
        ("anvil_snapshot", "evm_snapshot"),
        ("anvil_revert", "evm_revert"),
        ("anvil_increaseTime", "evm_increaseTime"),
        ("anvil_setNextBlockTimestamp", "evm_setNextBlockTimestamp"),
    ] {
        module.register_alias(alias, method)?;
    }
    Ok(())
}

/// `anvil_mine(blocks = 1, interval)`: mines `blocks` blocks, moving the clock `interval`
/// seconds forward before each when given.
fn anvil_mine(ctx: &RpcContext, args: &mut Args) -> EthResult<()> {
    let blocks = args.opt::<Quantity>()?.map_or(Ok(1), |q| u64_of(q.0, "block count"))?;
    let interval = args.opt::<Quantity>()?.map(|q| u64_of(q.0, "interval")).transpose()?;
    mine_blocks(ctx, blocks, interval)
}

fn mine_blocks(ctx: &RpcContext, blocks: u64, interval: Option<u64>) -> EthResult<()> {
    for _ in 0..blocks {
        // As anvil: each block is `interval` seconds after the previous one.
        let timestamp = interval
            .map(|interval| ctx.node.chain().head().header.timestamp.saturating_add(interval));
        ctx.node.mine(timestamp)?;
    }
    Ok(())
}

/// `evm_mine`, with an optional timestamp (a quantity) or anvil's `{timestamp, blocks}`; answers
/// `"0x0"` as anvil does.
fn evm_mine(ctx: &RpcContext, args: &mut Args) -> EthResult<&'static str> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum MineParam {
        Timestamp(Quantity),
        Options { timestamp: Option<Quantity>, blocks: Option<Quantity> },
    }
    let (timestamp, blocks) = match args.opt::<MineParam>()? {
        None => (None, 1),
        Some(MineParam::Timestamp(timestamp)) => (Some(timestamp), 1),
        Some(MineParam::Options { timestamp, blocks }) => {
            (timestamp, blocks.map_or(Ok(1), |b| u64_of(b.0, "block count"))?)
        }
    };
    let timestamp = timestamp.map(|t| u64_of(t.0, "timestamp")).transpose()?;
    for index in 0..blocks {
        ctx.node.mine(if index == 0 { timestamp } else { None })?;
    }
    Ok("0x0")
}

/// Tells the pool that `address`'s nonce or balance may have changed outside a block.
fn refresh_pool(ctx: &RpcContext, address: Address) -> EthResult<()> {
    Ok(ctx.node.refresh_pool_accounts(&[address])?)
}

fn u64_of(value: U256, what: &str) -> EthResult<u64> {
    u64::try_from(value)
        .map_err(|_| EthError::InvalidParams(format!("{what} does not fit in 64 bits")))
}

/// A quantity as dev tools send it: a hex string (`"0x10"`), a decimal string or a JSON
/// number.
#[derive(Debug, Clone, Copy)]
struct Quantity(U256);

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::Number(number) => number
                .as_u64()
                .map(|n| Self(U256::from(n)))
                .ok_or_else(|| D::Error::custom("expected a non-negative integer")),
            serde_json::Value::String(text) => {
                let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                    Some(hex) => U256::from_str_radix(hex, 16),
                    None => U256::from_str_radix(&text, 10),
                };
                parsed
                    .map(Self)
                    .map_err(|err| D::Error::custom(format!("invalid quantity {text}: {err}")))
            }
            other => Err(D::Error::custom(format!("expected a quantity, got {other}"))),
        }
    }
}

/// Seconds for `evm_increaseTime`: a JSON number (possibly negative) or a quantity.
#[derive(Debug, Clone, Copy)]
struct Seconds(i64);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(deserializer)?;
        if let Some(seconds) = value.as_i64() {
            return Ok(Self(seconds));
        }
        let Quantity(quantity) = serde_json::from_value(value).map_err(D::Error::custom)?;
        i64::try_from(quantity).map(Self).map_err(|_| D::Error::custom("seconds out of range"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_accept_hex_decimal_and_numbers() {
        let parse = |json: &str| serde_json::from_str::<Quantity>(json).map(|q| q.0);
        assert_eq!(parse(r#""0x10""#).unwrap(), U256::from(16));
        assert_eq!(parse(r#""16""#).unwrap(), U256::from(16));
        assert_eq!(parse("16").unwrap(), U256::from(16));
        assert!(parse("-1").is_err());
        assert!(parse(r#""0xzz""#).is_err());
        assert_eq!(serde_json::from_str::<Seconds>("-5").unwrap().0, -5);
        assert_eq!(serde_json::from_str::<Seconds>(r#""0x3c""#).unwrap().0, 60);
    }
}
