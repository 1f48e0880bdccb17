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
/// package.json: `solc`, `solc-0.5.16`, `solc-0.6.6`); `roots` are source unit names whose
/// imports are followed; `outputs` maps artifact name -> source unit name of the contract.
const JOBS = [
  {
    npm: 'solc',
    evmVersion: 'prague',
    roots: ['contracts/src/TestToken.sol', 'contracts/src/Events.sol', 'contracts/src/Storage.sol', 'contracts/src/Reverter.sol'],
    outputs: {
      TestToken: 'contracts/src/TestToken.sol',
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
];

/// Reads a source unit: `contracts/...` from this repo, `@scope/pkg/...` from the top-level
/// node_modules. @uniswap/v2-periphery pins @uniswap/v2-core 1.0.0 (nested) while the root
/// installs 1.0.1; their contracts/ trees are identical, so one copy serves both.
function readUnit(unit) {
  const file = unit.startsWith('@') ? path.join(nodeModules, unit) : path.join(repoRoot, unit);
  return readFileSync(file, 'utf8');
}

/// Collects `roots` and everything they import (transitively) into a standard-JSON `sources`
/// map, with `patch(unit, content)` applied to each file's content.
function collectSources(roots, patch) {
  const sources = {};
  const pending = [...roots];
  while (pending.length > 0) {
    const unit = pending.pop();
    if (sources[unit]) continue;
    const content = patch(unit, readUnit(unit));
    sources[unit] = { content };
    for (const m of content.matchAll(/^\s*import\s+(?:[^'";]*\s+from\s+)?["']([^"']+)["']/gm)) {
      const imp = m[1];
      pending.push(imp.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(unit), imp)) : imp);
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
  const input = {
    language: 'Solidity',
    sources: collectSources(job.roots, patch),
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: job.evmVersion,
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
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
