import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** config/standards/ of the package, found from source (jest) and from dist/ alike. */
const here = path.dirname(fileURLToPath(import.meta.url));
export const standardsFolder: string =
  [path.resolve(here, '../../../config/standards'), path.resolve(here, '../../../../config/standards')].find((p) => existsSync(p)) ??
  path.resolve(here, '../../../config/standards');

const STANDARD_KEY = /^[a-z0-9][a-z0-9.-]*$/;

/**
 * The catalogue file of a standard key such as `bgz-3` or `mp9-3.0`: in the deployment's own
 * folder (config `standards.folder`) when it has one there, else the built-in one. The key is a
 * plain file name (no path separators), so it cannot reach outside either folder.
 */
export function catalogueFile(standard: string, folder?: string): string {
  if (!STANDARD_KEY.test(standard)) throw new Error(`not a standard key: ${standard}`);
  if (folder !== undefined) {
    const own = path.join(folder, `${standard}.yaml`);
    if (existsSync(own)) return own;
  }
  return path.join(standardsFolder, `${standard}.yaml`);
}
