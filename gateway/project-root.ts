import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder that holds package.json, found from this module's own location so that built-in data
 * (query catalogues, demo patients, development lists) is found from `src` under jest and from
 * `dist/` after `tsc` alike, whatever the working directory.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const inDist = path.basename(path.dirname(here)) === 'dist';

export const projectRoot: string = path.resolve(here, inDist ? '../..' : '..');

export function fromProjectRoot(...segments: string[]): string {
  return path.join(projectRoot, ...segments);
}
