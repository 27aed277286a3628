import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fromProjectRoot } from '../../gateway/project-root.js';

/**
 * `npm start`'s prestart builds only when a source is newer than dist/. Run here on a small
 * project laid out like ours whose `build` script only leaves a mark, so the test sees whether
 * the build ran without paying for a real compile.
 */
let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'medmij-prestart-'));
  await mkdir(path.join(root, 'gateway'), { recursive: true });
  await mkdir(path.join(root, 'adapters'), { recursive: true });
  await mkdir(path.join(root, 'dist', 'gateway'), { recursive: true });
  await copyFile(fromProjectRoot('gateway', 'build-if-stale.mjs'), path.join(root, 'gateway', 'build-if-stale.mjs'));
  await writeFile(path.join(root, 'package.json'), JSON.stringify({ name: 'x', private: true, scripts: { build: "node -e \"require('fs').writeFileSync('built', 'yes')\"" } }));
  for (const f of ['tsconfig.json', 'tsconfig.build.json']) await writeFile(path.join(root, f), '{}');
  await writeFile(path.join(root, 'gateway', 'main.ts'), 'export {};');
  await writeFile(path.join(root, 'adapters', 'a.ts'), 'export {};');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function setTimes(file: string, seconds: number): Promise<void> {
  await utimes(file, seconds, seconds);
}

async function prestart(): Promise<{ code: number | null; out: string }> {
  const env = { ...process.env };
  delete env['npm_execpath'];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'gateway', 'build-if-stale.mjs')], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

async function layOutputs(seconds: number): Promise<void> {
  for (const f of ['main.js', 'cli.js']) {
    const p = path.join(root, 'dist', 'gateway', f);
    await writeFile(p, '');
    await setTimes(p, seconds);
  }
}

async function laySources(seconds: number): Promise<void> {
  for (const f of ['gateway/main.ts', 'adapters/a.ts', 'gateway/build-if-stale.mjs', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) await setTimes(path.join(root, f), seconds);
}

test('dist newer than every source: no build', async () => {
  await laySources(1_000_000);
  await layOutputs(2_000_000);
  const result = await prestart();
  expect(result).toEqual({ code: 0, out: 'dist/ is up to date with the sources: not rebuilding\n' });
  expect(existsSync(path.join(root, 'built'))).toBe(false);
}, 30_000);

test('one adapter source newer than dist: builds', async () => {
  await laySources(1_000_000);
  await layOutputs(2_000_000);
  await setTimes(path.join(root, 'adapters', 'a.ts'), 3_000_000);
  const result = await prestart();
  expect(result.code).toBe(0);
  expect(result.out).toContain('sources changed since the last build: rebuilding');
  expect(existsSync(path.join(root, 'built'))).toBe(true);
}, 30_000);

test('no dist yet: builds', async () => {
  const result = await prestart();
  expect(result.code).toBe(0);
  expect(result.out).toContain('no build yet: building');
  expect(existsSync(path.join(root, 'built'))).toBe(true);
}, 30_000);
