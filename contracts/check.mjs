// Fails (exit 1, naming each file) when a committed artifact in contracts/artifacts/ differs from
// a fresh in-memory compile, is missing, or is left over from a contract that no longer exists.
// Fix with `node contracts/compile.mjs` and commit the result.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { artifactsDir, compileAll, digest } from './compile.mjs';

const fresh = compileAll();
const committed = existsSync(artifactsDir) ? readdirSync(artifactsDir).filter((f) => f.endsWith('.json')) : [];
const problems = [];

for (const [name, text] of Object.entries(fresh)) {
  const file = path.join(artifactsDir, name);
  if (!existsSync(file)) {
    problems.push(`contracts/artifacts/${name}: missing (a fresh compile produces it)`);
    continue;
  }
  const onDisk = readFileSync(file, 'utf8');
  if (onDisk !== text) {
    problems.push(`contracts/artifacts/${name}: differs from a fresh compile (committed sha256 ${digest(onDisk)}, fresh ${digest(text)})`);
  }
}
for (const name of committed) {
  if (!(name in fresh)) problems.push(`contracts/artifacts/${name}: stale (no contract produces it)`);
}

if (problems.length > 0) {
  console.error(`artifact check failed:\n  ${problems.join('\n  ')}\nrun: node contracts/compile.mjs`);
  process.exit(1);
}
console.log(`artifact check: ${Object.keys(fresh).length} artifacts match a fresh compile`);
