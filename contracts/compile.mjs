// Compiles every contract the end-to-end suites deploy with the solc versions pinned in the
// repo-root package.json, and writes one artifact per contract to contracts/artifacts/.
//
//   node contracts/compile.mjs        (re)write contracts/artifacts/*.json
//
// contracts/check.mjs imports `compileAll` from here and compares its output with the committed
// artifacts, so the artifacts can never drift from the sources and compilers.
//
// Artifact = { contractName, compiler, source, abi, bytecode, deployedBytecode }, hex with 0x,
// keys in that order, two-space JSON and a trailing newline: the output is byte-for-byte
// reproducible for a given package-lock.json.

import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { keccak256 } from 'viem';

const require = createRequire(import.meta.url);
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const artifactsDir = path.join(repoRoot, 'contracts', 'artifacts');
const nodeModules = path.join(repoRoot, 'node_modules');

/// The init code hash hardcoded in @uniswap/v2-periphery's UniswapV2Library.pairFor: keccak256
/// of the UniswapV2Pair creation code as compiled for mainnet in 2020.
const MAINNET_PAIR_INIT_CODE_HASH = '96e8ac4277198ff8b6f785478aa9a39f403cb768dd02cbee326c3e7da348845f';
const PAIR_LIBRARY = '@uniswap/v2-periphery/contracts/libraries/UniswapV2Library.sol';

/// One standard-JSON compilation. `npm` is the package name of the solc build (see
/// package.json: `solc`, `solc-0.5.16`, `solc-0.6.6`, `solc-0.8.15`); `roots` are source unit
/// names whose imports are followed; `outputs` maps artifact name -> source unit name of the
/// contract. Optional: `optimizer` and `metadata` (standard-JSON settings; default
/// `{ enabled: true, runs: 200 }` and solc's own), `remappings` (import prefix -> source unit
/// prefix, passed to solc and applied identically when collecting sources) and `dirs` (source
/// unit prefix -> directory under node_modules to read those units from).
const JOBS = [
  {
    npm: 'solc',
    evmVersion: 'prague',
    roots: [
      'contracts/src/TestToken.sol',
      'contracts/src/Events.sol',
      'contracts/src/Storage.sol',
      'contracts/src/Reverter.sol',
      'contracts/src/TestNFT.sol',
      'contracts/src/Create2Factory.sol',
      'contracts/src/PrecompileCaller.sol',
      'contracts/src/L1MessageSender.sol',
      'contracts/src/TestTokenDecimals.sol',
      'contracts/src/Forwarder.sol',
      'contracts/src/zk/BridgedStandardERC20.sol',
      'contracts/src/zk/Paymasters.sol',
    ],
    outputs: {
      L1MessageSender: 'contracts/src/L1MessageSender.sol',
      TestToken: 'contracts/src/TestToken.sol',
      TestTokenDecimals: 'contracts/src/TestTokenDecimals.sol',
      Forwarder: 'contracts/src/Forwarder.sol',
      BridgedStandardERC20: 'contracts/src/zk/BridgedStandardERC20.sol',
      ApprovalPaymaster: 'contracts/src/zk/Paymasters.sol',
      GeneralPaymaster: 'contracts/src/zk/Paymasters.sol',
      FaultyPaymaster: 'contracts/src/zk/Paymasters.sol',
      TestNFT: 'contracts/src/TestNFT.sol',
      Create2Factory: 'contracts/src/Create2Factory.sol',
      PrecompileCaller: 'contracts/src/PrecompileCaller.sol',
      Events: 'contracts/src/Events.sol',
      Storage: 'contracts/src/Storage.sol',
      Reverter: 'contracts/src/Reverter.sol',
    },
  },
  {
    npm: 'solc-0.5.16',
    evmVersion: 'istanbul',
    roots: ['@uniswap/v2-core/contracts/UniswapV2Factory.sol'],
    outputs: {
      UniswapV2Factory: '@uniswap/v2-core/contracts/UniswapV2Factory.sol',
      UniswapV2Pair: '@uniswap/v2-core/contracts/UniswapV2Pair.sol',
    },
  },
  {
    npm: 'solc-0.6.6',
    evmVersion: 'istanbul',
    roots: ['@uniswap/v2-periphery/contracts/UniswapV2Router02.sol', '@uniswap/v2-periphery/contracts/test/WETH9.sol'],
    outputs: {
      UniswapV2Router02: '@uniswap/v2-periphery/contracts/UniswapV2Router02.sol',
      WETH9: '@uniswap/v2-periphery/contracts/test/WETH9.sol',
    },
  },
  {
    // OP Stack L2 predeploys, from the audited sources of @eth-optimism/contracts-bedrock
    // 0.17.3 (its src/; the forge-artifacts it ships are not used), with the exact settings its
    // own build recorded in its metadata (foundry.toml): solc 0.8.15 (the sources pin
    // `pragma solidity 0.8.15`), optimizer 999999 runs, evmVersion london, bytecodeHash none.
    // Source unit names are the monorepo's (`src/...`, `lib/<submodule>/...`, reached through
    // the same remappings), so the sources list matches the upstream build's; `dirs` says
    // which npm package stands for each of its git submodules. Each package was chosen as the
    // one whose files hash (keccak256) to exactly what the upstream metadata records:
    // openzeppelin-contracts(-upgradeable) 4.7.3 (aliased `-v4`: the root already has 5.x),
    // solmate 7.0.0-alpha.3 (the monorepo's submodule commit), solady 0.0.155. The resulting
    // creation and runtime code is byte-identical to that of the forge-artifacts the package
    // ships (checked when this job was added; bytecodeHash none keeps source paths out of it).
    // An artifact's `source` is the solc source unit name, e.g. `src/L2/L1Block.sol`.
    npm: 'solc-0.8.15',
    evmVersion: 'london',
    optimizer: { enabled: true, runs: 999999 },
    metadata: { bytecodeHash: 'none' },
    remappings: {
      '@openzeppelin/contracts/': 'lib/openzeppelin-contracts/contracts/',
      '@openzeppelin/contracts-upgradeable/': 'lib/openzeppelin-contracts-upgradeable/contracts/',
      '@rari-capital/solmate/': 'lib/solmate/',
      '@solady/': 'lib/solady/src/',
    },
    dirs: {
      'src/': '@eth-optimism/contracts-bedrock/src/',
      'lib/openzeppelin-contracts/contracts/': '@openzeppelin/contracts-v4/',
      'lib/openzeppelin-contracts-upgradeable/contracts/': '@openzeppelin/contracts-upgradeable-v4/',
      'lib/solmate/': '@rari-capital/solmate/',
      'lib/solady/': 'solady/',
    },
    roots: [
      'contracts/src/op/L1BlockIsthmus.sol',
      'contracts/src/op/GasPriceOracleIsthmus.sol',
      'contracts/src/op/OperatorFeeVault.sol',
      'src/universal/Proxy.sol',
      'src/universal/ProxyAdmin.sol',
      'src/L2/L1Block.sol',
      'src/L2/GasPriceOracle.sol',
      'src/L2/L2ToL1MessagePasser.sol',
      'src/L2/SequencerFeeVault.sol',
      'src/L2/BaseFeeVault.sol',
      'src/L2/L1FeeVault.sol',
      'src/L2/L2CrossDomainMessenger.sol',
      'src/L2/L2StandardBridge.sol',
      'src/universal/OptimismMintableERC20Factory.sol',
    ],
    // Every predeploy is a bedrock `Proxy` (no immutables: its runtime code goes into the
    // genesis at the predeploy address) in front of an implementation at the predeploy's code
    // namespace address, as bedrock's L2 genesis lays them out; ProxyAdmin (no immutables, its
    // owner in slot 0) is the predeploy that administers them, itself behind its own proxy. The three fee vaults take
    // constructor arguments that end up as immutables (recipient, min withdrawal amount,
    // withdrawal network), so their deployedBytecode has zero placeholders there and is not
    // usable at genesis as-is; they are compiled for completeness. OperatorFeeVault
    // (contracts/src/op) fixes its arguments in its constructor: its creation code is run to get
    // its runtime code.
    // L1BlockIsthmus and GasPriceOracleIsthmus (contracts/src/op) add Isthmus' operator fee
    // functions, as the OP specification defines them, on top of the audited 0.17.3 contracts:
    // they are the implementations from Isthmus on (in an op-stack chain's genesis, or created by
    // Isthmus' network upgrade deposits), L1Block and GasPriceOracle those before it.
    // L2CrossDomainMessenger, L2StandardBridge and OptimismMintableERC20Factory (the ERC-20
    // bridge's L2 side) are unchanged 0.17.3 contracts without immutables: their runtime code
    // goes into the genesis as-is, with the storage their initializers would set.
    outputs: {
      L1BlockIsthmus: 'contracts/src/op/L1BlockIsthmus.sol',
      GasPriceOracleIsthmus: 'contracts/src/op/GasPriceOracleIsthmus.sol',
      OperatorFeeVault: 'contracts/src/op/OperatorFeeVault.sol',
      Proxy: 'src/universal/Proxy.sol',
      ProxyAdmin: 'src/universal/ProxyAdmin.sol',
      L1Block: 'src/L2/L1Block.sol',
      GasPriceOracle: 'src/L2/GasPriceOracle.sol',
      L2ToL1MessagePasser: 'src/L2/L2ToL1MessagePasser.sol',
      SequencerFeeVault: 'src/L2/SequencerFeeVault.sol',
      BaseFeeVault: 'src/L2/BaseFeeVault.sol',
      L1FeeVault: 'src/L2/L1FeeVault.sol',
      L2CrossDomainMessenger: 'src/L2/L2CrossDomainMessenger.sol',
      L2StandardBridge: 'src/L2/L2StandardBridge.sol',
      OptimismMintableERC20Factory: 'src/universal/OptimismMintableERC20Factory.sol',
    },
  },
  {
    // The L1 settlement core every framework's entry points share, and the registry of rollups
    // (contracts/src/settlement): OpenZeppelin 5.x, the current solc. Cancun is the floor of
    // the L1s a rollup settles on.
    npm: 'solc',
    evmVersion: 'cancun',
    roots: ['contracts/src/settlement/RollupCore.sol', 'contracts/src/settlement/RollupRegistry.sol'],
    outputs: {
      RollupCore: 'contracts/src/settlement/RollupCore.sol',
      RollupRegistry: 'contracts/src/settlement/RollupRegistry.sol',
    },
  },
  {
    // ZK Stack's L1 entry points over the core (contracts/src/settlement/zk): Bridgehub, the
    // chain's main contract (Mailbox and Getters) and the shared bridge / nullifier, with
    // era-contracts' ABI, on OpenZeppelin 5.x and the core's compiler and EVM version.
    npm: 'solc',
    evmVersion: 'cancun',
    roots: [
      'contracts/src/settlement/zk/ZkBridgehub.sol',
      'contracts/src/settlement/zk/ZkChain.sol',
      'contracts/src/settlement/zk/ZkSharedBridge.sol',
    ],
    outputs: {
      ZkBridgehub: 'contracts/src/settlement/zk/ZkBridgehub.sol',
      ZkChain: 'contracts/src/settlement/zk/ZkChain.sol',
      ZkSharedBridge: 'contracts/src/settlement/zk/ZkSharedBridge.sol',
    },
  },
  {
    // OP Stack's L1 entry points over the core (contracts/src/settlement/op), built on the
    // audited bedrock libraries of @eth-optimism/contracts-bedrock 0.17.3 (Types, Hashing,
    // SecureMerkleTrie, SafeCall, AddressAliasHelper, PortalErrors, and the universal
    // CrossDomainMessenger the L1CrossDomainMessenger extends), some of which pin
    // `pragma solidity 0.8.15`: hence solc 0.8.15, with the same source unit names, remappings
    // and package directories as the predeploy job above (OpenZeppelin 4.7.3 for SafeERC20 and
    // the messenger's Initializable).
    // Plain optimizer settings: these are our contracts, not upstream bytecode to reproduce.
    npm: 'solc-0.8.15',
    evmVersion: 'london',
    remappings: {
      '@openzeppelin/contracts/': 'lib/openzeppelin-contracts/contracts/',
      '@openzeppelin/contracts-upgradeable/': 'lib/openzeppelin-contracts-upgradeable/contracts/',
    },
    dirs: {
      'src/': '@eth-optimism/contracts-bedrock/src/',
      'lib/openzeppelin-contracts/contracts/': '@openzeppelin/contracts-v4/',
      'lib/openzeppelin-contracts-upgradeable/contracts/': '@openzeppelin/contracts-upgradeable-v4/',
    },
    roots: [
      'contracts/src/settlement/op/OptimismPortal.sol',
      'contracts/src/settlement/op/L1CrossDomainMessenger.sol',
      'contracts/src/settlement/op/L1StandardBridge.sol',
    ],
    outputs: {
      OptimismPortal: 'contracts/src/settlement/op/OptimismPortal.sol',
      L2OutputOracle: 'contracts/src/settlement/op/L2OutputOracle.sol',
      L1CrossDomainMessenger: 'contracts/src/settlement/op/L1CrossDomainMessenger.sol',
      L1StandardBridge: 'contracts/src/settlement/op/L1StandardBridge.sol',
    },
  },
  {
    // Arbitrum Nitro's L1 entry points over the core (contracts/src/settlement/nitro): Inbox,
    // Bridge, Outbox and a BoLD-shaped rollup, on nitro-contracts 3.2.0's audited libraries and
    // types (MerkleLib, AddressAliasHelper, Messages, MessageTypes, Error, the rollup's
    // Assertion structs), whose pragmas (^0.8.x) take the current solc, as the core does.
    npm: 'solc',
    evmVersion: 'cancun',
    // The ERC20Bridge / ERC20Inbox / ERC20Outbox variants serve a rollup whose native gas token
    // is an L1 ERC-20 (Arbitrum Orbit's custom gas token), with OpenZeppelin 5.x's SafeERC20.
    roots: [
      'contracts/src/settlement/nitro/NitroRollup.sol',
      'contracts/src/settlement/nitro/Inbox.sol',
      'contracts/src/settlement/nitro/Outbox.sol',
      'contracts/src/settlement/nitro/ERC20Inbox.sol',
      'contracts/src/settlement/nitro/ERC20Outbox.sol',
    ],
    outputs: {
      Bridge: 'contracts/src/settlement/nitro/Bridge.sol',
      Inbox: 'contracts/src/settlement/nitro/Inbox.sol',
      Outbox: 'contracts/src/settlement/nitro/Outbox.sol',
      NitroRollup: 'contracts/src/settlement/nitro/NitroRollup.sol',
      ERC20Bridge: 'contracts/src/settlement/nitro/ERC20Bridge.sol',
      ERC20Inbox: 'contracts/src/settlement/nitro/ERC20Inbox.sol',
      ERC20Outbox: 'contracts/src/settlement/nitro/ERC20Outbox.sol',
    },
  },
  {
    // Arbitrum's token bridge (ERC-20 deposits of a Nitro rollup), the audited sources of
    // @arbitrum/token-bridge-contracts 1.2.5 unchanged, compiled as its own build does: solc
    // 0.8.16 (the compiler its shipped bytecode records), on the OpenZeppelin 4.8.3 and
    // nitro-contracts 1.1.1 it pins (nested in its node_modules, reached through remappings;
    // source unit names are the package's own `contracts/tokenbridge/...`). L1: the gateway
    // router and the standard ERC-20 gateway (escrowing deposited tokens itself, as on
    // Arbitrum); L2 (a rollup genesis): the router, the ERC-20 gateway, the StandardArbERC20
    // logic, its UpgradeableBeacon and the BeaconProxyFactory whose ClonableBeaconProxy clones
    // are the L2 tokens (ClonableBeaconProxy: whose creation code hash the L1 gateway is told).
    npm: 'solc-0.8.16',
    evmVersion: 'london',
    optimizer: { enabled: true, runs: 100 },
    remappings: {
      '@openzeppelin/contracts/': 'lib/oz-4.8.3/contracts/',
      '@openzeppelin/contracts-upgradeable/': 'lib/oz-4.8.3/contracts-upgradeable/',
      '@arbitrum/nitro-contracts/': 'lib/nitro-contracts-1.1.1/',
    },
    dirs: {
      'contracts/tokenbridge/': '@arbitrum/token-bridge-contracts/contracts/tokenbridge/',
      'lib/oz-4.8.3/contracts/': '@arbitrum/token-bridge-contracts/node_modules/@openzeppelin/contracts/',
      'lib/oz-4.8.3/contracts-upgradeable/': '@arbitrum/token-bridge-contracts/node_modules/@openzeppelin/contracts-upgradeable/',
      'lib/nitro-contracts-1.1.1/': '@arbitrum/token-bridge-contracts/node_modules/@arbitrum/nitro-contracts/',
    },
    roots: [
      'contracts/tokenbridge/ethereum/gateway/L1GatewayRouter.sol',
      'contracts/tokenbridge/ethereum/gateway/L1ERC20Gateway.sol',
      'contracts/tokenbridge/arbitrum/gateway/L2GatewayRouter.sol',
      'contracts/tokenbridge/arbitrum/gateway/L2ERC20Gateway.sol',
      'contracts/tokenbridge/arbitrum/StandardArbERC20.sol',
      'contracts/tokenbridge/libraries/ClonableBeaconProxy.sol',
      'lib/oz-4.8.3/contracts/proxy/beacon/UpgradeableBeacon.sol',
    ],
    outputs: {
      L1GatewayRouter: 'contracts/tokenbridge/ethereum/gateway/L1GatewayRouter.sol',
      L1ERC20Gateway: 'contracts/tokenbridge/ethereum/gateway/L1ERC20Gateway.sol',
      L2GatewayRouter: 'contracts/tokenbridge/arbitrum/gateway/L2GatewayRouter.sol',
      L2ERC20Gateway: 'contracts/tokenbridge/arbitrum/gateway/L2ERC20Gateway.sol',
      StandardArbERC20: 'contracts/tokenbridge/arbitrum/StandardArbERC20.sol',
      BeaconProxyFactory: 'contracts/tokenbridge/libraries/ClonableBeaconProxy.sol',
      ClonableBeaconProxy: 'contracts/tokenbridge/libraries/ClonableBeaconProxy.sol',
      UpgradeableBeacon: 'lib/oz-4.8.3/contracts/proxy/beacon/UpgradeableBeacon.sol',
    },
  },
  {
    // Metalayer's L1 staking (contracts/src/metalayer): the ERA token and the GuardianRegistry
    // its guardians stake it in, on the root's OpenZeppelin 5.x (not the 4.9.3 Hyperlane's job
    // below remaps to), the current solc; Prague, whose EIP-2537 precompiles the registry
    // calls to check proofs of possession and equivocation evidence.
    npm: 'solc',
    evmVersion: 'prague',
    roots: ['contracts/src/metalayer/EraToken.sol', 'contracts/src/metalayer/GuardianRegistry.sol'],
    outputs: {
      EraToken: 'contracts/src/metalayer/EraToken.sol',
      GuardianRegistry: 'contracts/src/metalayer/GuardianRegistry.sol',
    },
  },
  {
    // Metalayer (contracts/src/metalayer): Tephra's certificate inbox and guardian ISM, and
    // Hyperlane's own messaging contracts from @hyperlane-xyz/core 12.1.0, unchanged: Mailbox,
    // MerkleTreeHook, InterchainGasPaymaster with its StorageGasOracle, and the package's
    // TestRecipient for tests. Hyperlane's sources pin `>=0.8.0`; they
    // are compiled with the settings its published build records (dist/buildArtifact.json:
    // evmVersion cancun, optimizer 3599 runs) by the current solc, on the OpenZeppelin 4.9.3 its
    // package ships under dependencies/ (the root's aliases `-v4.9`, reached by remappings; the
    // root's own @openzeppelin/contracts is 5.x). Source unit names are the package's paths
    // (`@hyperlane-xyz/core/contracts/...`). EIP-2537's precompiles are called, not opcodes, so
    // cancun code runs on the Prague chains that have them.
    npm: 'solc',
    evmVersion: 'cancun',
    optimizer: { enabled: true, runs: 3599 },
    remappings: {
      '@openzeppelin/contracts/': 'lib/oz-4.9.3/contracts/',
      '@openzeppelin/contracts-upgradeable/': 'lib/oz-4.9.3/contracts-upgradeable/',
    },
    dirs: {
      'lib/oz-4.9.3/contracts/': '@openzeppelin/contracts-v4.9/',
      'lib/oz-4.9.3/contracts-upgradeable/': '@openzeppelin/contracts-upgradeable-v4.9/',
    },
    roots: [
      'contracts/src/metalayer/MetalayerInbox.sol',
      'contracts/src/metalayer/GuardianIsm.sol',
      'contracts/src/metalayer/test/BLS12381Harness.sol',
      'contracts/src/metalayer/MetalayerRouter.sol',
      'contracts/src/metalayer/test/ReadRecipient.sol',
      '@hyperlane-xyz/core/contracts/Mailbox.sol',
      '@hyperlane-xyz/core/contracts/hooks/MerkleTreeHook.sol',
      '@hyperlane-xyz/core/contracts/hooks/igp/InterchainGasPaymaster.sol',
      '@hyperlane-xyz/core/contracts/hooks/igp/StorageGasOracle.sol',
      '@hyperlane-xyz/core/contracts/test/TestRecipient.sol',
    ],
    outputs: {
      MetalayerInbox: 'contracts/src/metalayer/MetalayerInbox.sol',
      GuardianIsm: 'contracts/src/metalayer/GuardianIsm.sol',
      BLS12381Harness: 'contracts/src/metalayer/test/BLS12381Harness.sol',
      MetalayerRouter: 'contracts/src/metalayer/MetalayerRouter.sol',
      ReadRecipient: 'contracts/src/metalayer/test/ReadRecipient.sol',
      Mailbox: '@hyperlane-xyz/core/contracts/Mailbox.sol',
      MerkleTreeHook: '@hyperlane-xyz/core/contracts/hooks/MerkleTreeHook.sol',
      InterchainGasPaymaster: '@hyperlane-xyz/core/contracts/hooks/igp/InterchainGasPaymaster.sol',
      StorageGasOracle: '@hyperlane-xyz/core/contracts/hooks/igp/StorageGasOracle.sol',
      TestRecipient: '@hyperlane-xyz/core/contracts/test/TestRecipient.sol',
    },
  },
  {
    // Metalayer's proven reads (contracts/src/metalayer/MetalayerState.sol): account and storage
    // proofs (`eth_getProof`) against certified state roots, verified by the audited
    // SecureMerkleTrie / MerkleTrie / RLPReader of @eth-optimism/contracts-bedrock 0.17.3, whose
    // RLPErrors pins `pragma solidity 0.8.15`: hence solc 0.8.15 (London, as the bedrock jobs
    // above), source units `src/...` read from the package as there. CheckpointTree.sol
    // (`^0.8.15`) is shared with the GuardianIsm of the job above; the MetalayerRouter there
    // reaches this contract through IMetalayerState.
    npm: 'solc-0.8.15',
    evmVersion: 'london',
    dirs: {
      'src/': '@eth-optimism/contracts-bedrock/src/',
    },
    roots: ['contracts/src/metalayer/MetalayerState.sol'],
    outputs: {
      MetalayerState: 'contracts/src/metalayer/MetalayerState.sol',
    },
  },
  {
    // The Metalayer example app (examples/metalayer): a Hyperlane application on Hyperlane's
    // own interfaces, compiled as any app on @hyperlane-xyz/core would be.
    npm: 'solc',
    evmVersion: 'cancun',
    roots: ['contracts/src/examples/CrossRollupCounter.sol'],
    outputs: { CrossRollupCounter: 'contracts/src/examples/CrossRollupCounter.sol' },
  },
];

/// Longest-prefix match of `unit` against the keys of `map` (solc's rule for remappings).
function longestPrefix(map, unit) {
  let best;
  for (const prefix of Object.keys(map ?? {})) {
    if (unit.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best;
}

/// Reads a source unit: `contracts/...` from this repo, `@scope/pkg/...` from the top-level
/// node_modules. @uniswap/v2-periphery pins @uniswap/v2-core 1.0.0 (nested) while the root
/// installs 1.0.1; their contracts/ trees are identical, so one copy serves both.
/// A job's `dirs` take precedence: their units are read from the mapped node_modules directory.
function readUnit(unit, dirs) {
  const dir = longestPrefix(dirs, unit);
  if (dir !== undefined) return readFileSync(path.join(nodeModules, dirs[dir], unit.slice(dir.length)), 'utf8');
  const file = unit.startsWith('@') ? path.join(nodeModules, unit) : path.join(repoRoot, unit);
  return readFileSync(file, 'utf8');
}

/// Collects `roots` and everything they import (transitively) into a standard-JSON `sources`
/// map, with `patch(unit, content)` applied to each file's content. Non-relative imports go
/// through `remappings` the way solc maps them, so the unit names are the ones solc looks up.
function collectSources(roots, patch, { remappings, dirs } = {}) {
  const sources = {};
  const pending = [...roots];
  const remap = (imp) => {
    const prefix = longestPrefix(remappings, imp);
    return prefix === undefined ? imp : remappings[prefix] + imp.slice(prefix.length);
  };
  while (pending.length > 0) {
    const unit = pending.pop();
    if (sources[unit]) continue;
    const content = patch(unit, readUnit(unit, dirs));
    sources[unit] = { content };
    for (const m of content.matchAll(/^\s*import\s+(?:[^'";]*\s+from\s+)?["']([^"']+)["']/gm)) {
      const imp = m[1];
      pending.push(imp.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(unit), imp)) : remap(imp));
    }
  }
  // Stable order: the metadata hash appended to the bytecode covers the source list.
  return Object.fromEntries(Object.keys(sources).sort().map((k) => [k, sources[k]]));
}

function hex(s) {
  return s.startsWith('0x') ? s : `0x${s}`;
}

function runJob(job, patch) {
  const solc = require(job.npm);
  const settings = {
    optimizer: job.optimizer ?? { enabled: true, runs: 200 },
    evmVersion: job.evmVersion,
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  };
  if (job.metadata) settings.metadata = job.metadata;
  if (job.remappings) settings.remappings = Object.entries(job.remappings).map(([from, to]) => `${from}=${to}`);
  const input = {
    language: 'Solidity',
    sources: collectSources(job.roots, patch, job),
    settings,
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    throw new Error(`${job.npm}: compilation failed:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
  }
  const compiler = solc.version().replace(/\.Emscripten\.clang$/, '');
  const artifacts = {};
  for (const [name, unit] of Object.entries(job.outputs)) {
    const c = output.contracts?.[unit]?.[name];
    if (!c || !c.evm.bytecode.object) throw new Error(`${job.npm}: no bytecode for ${unit}:${name}`);
    artifacts[name] = {
      contractName: name,
      compiler,
      source: unit,
      abi: c.abi,
      bytecode: hex(c.evm.bytecode.object),
      deployedBytecode: hex(c.evm.deployedBytecode.object),
    };
  }
  return artifacts;
}

/// Compiles all jobs in order and returns `{ [fileName]: fileContent }` for the artifacts dir.
export function compileAll() {
  const artifacts = {};
  // Core first: its UniswapV2Pair creation code fixes the init code hash the router needs.
  Object.assign(artifacts, runJob(JOBS[0], (_u, c) => c));
  Object.assign(artifacts, runJob(JOBS[1], (_u, c) => c));

  const pair = artifacts.UniswapV2Pair.bytecode;
  // The factory deploys `type(UniswapV2Pair).creationCode` with CREATE2; it must be exactly the
  // Pair bytecode of the same compilation, or the hash below would not match the factory.
  if (!artifacts.UniswapV2Factory.bytecode.includes(pair.slice(2))) {
    throw new Error('UniswapV2Factory does not embed the compiled UniswapV2Pair creation code');
  }
  const initCodeHash = keccak256(pair).slice(2);

  // Router02 finds pairs through UniswapV2Library.pairFor, which hardcodes the *mainnet* Pair
  // init code hash. Our Pair is compiled by us (different metadata hash, so different creation
  // code), so pairFor would compute addresses where no pair exists. We therefore patch the
  // constant, in memory only, in the copy of the library we hand to solc, replacing it with
  // keccak256 of the Pair creation code compiled above. Nothing in node_modules is modified, and
  // the patched hash is recorded in the router bytecode, which check.mjs re-derives.
  const patchPeriphery = (unit, content) => {
    if (unit !== PAIR_LIBRARY) return content;
    const parts = content.split(`hex'${MAINNET_PAIR_INIT_CODE_HASH}'`);
    if (parts.length !== 2) throw new Error(`${PAIR_LIBRARY}: expected the mainnet init code hash exactly once`);
    return parts.join(`hex'${initCodeHash}'`);
  };
  Object.assign(artifacts, runJob(JOBS[2], patchPeriphery));
  if (!artifacts.UniswapV2Router02.deployedBytecode.includes(initCodeHash)) {
    throw new Error('UniswapV2Router02 does not contain the patched pair init code hash');
  }

  for (const job of JOBS.slice(3)) Object.assign(artifacts, runJob(job, (_u, c) => c));

  const files = {};
  for (const name of Object.keys(artifacts).sort()) {
    files[`${name}.json`] = `${JSON.stringify(artifacts[name], null, 2)}\n`;
  }
  return files;
}

/// Short digest for log lines.
export function digest(text) {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const files = compileAll();
  mkdirSync(artifactsDir, { recursive: true });
  for (const f of readdirSync(artifactsDir)) {
    if (f.endsWith('.json') && !(f in files)) rmSync(path.join(artifactsDir, f));
  }
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(path.join(artifactsDir, name), text);
    console.log(`wrote contracts/artifacts/${name} (sha256 ${digest(text)})`);
  }
}
