import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fromProjectRoot } from '../../gateway/project-root.js';

/** The compiled entry points, as `npm start` and the image run them. */
export const MAIN_JS = fromProjectRoot('dist', 'gateway', 'main.js');
export const CLI_JS = fromProjectRoot('dist', 'gateway', 'cli.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Compiles gateway/ and adapters/ into dist/ when dist is missing or older than a source, so
 * tests that spawn the real processes run today's code. Type errors elsewhere do not stop tsc
 * from emitting, so only the output is checked.
 */
export async function ensureBuilt(): Promise<void> {
  const sources = Math.max(newestSource(fromProjectRoot('gateway')), newestSource(fromProjectRoot('adapters')));
  const stale = [MAIN_JS, CLI_JS].some((f) => !existsSync(f) || statSync(f).mtimeMs < sources);
  if (stale) {
    await new Promise<void>((resolve) => execFile('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: fromProjectRoot() }, () => resolve()));
  }
  if (!existsSync(MAIN_JS) || !existsSync(CLI_JS)) throw new Error('the build produced no dist/gateway/main.js or cli.js');
}
