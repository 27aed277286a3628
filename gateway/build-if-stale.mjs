// `npm start`'s prestart: runs the build only when a source is newer than the compiled output.
// Plain JavaScript on purpose: it must run before anything is compiled. Without it every
// `npm start` recompiled the whole gateway (about 100 s on a small machine) even with a fresh dist/.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outputs = ['dist/gateway/main.js', 'dist/gateway/cli.js'].map((f) => path.join(root, f));
const inputs = ['gateway', 'adapters'].map((d) => path.join(root, d));
const configs = ['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => path.join(root, f));

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (/\.(ts|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const built = outputs.map(mtime);
const oldestOutput = built.some((t) => t === undefined) ? undefined : Math.min(...built);
const newestInput = Math.max(...inputs.map(newestSource), ...configs.map((f) => mtime(f) ?? 0));

if (oldestOutput !== undefined && oldestOutput >= newestInput) {
  process.stdout.write('dist/ is up to date with the sources: not rebuilding\n');
} else {
  process.stdout.write(oldestOutput === undefined ? 'no build yet: building\n' : 'sources changed since the last build: rebuilding\n');
  const npm = process.env.npm_execpath;
  const result = npm
    ? spawnSync(process.execPath, [npm, 'run', 'build'], { cwd: root, stdio: 'inherit' })
    : spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
