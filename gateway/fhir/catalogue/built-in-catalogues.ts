import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** config/standards/, found from source (jest) and from dist/ alike. */
const here = path.dirname(fileURLToPath(import.meta.url));
export const standardsFolder: string =
  [path.resolve(here, '../../../config/standards'), path.resolve(here, '../../../../config/standards')].find((p) => existsSync(p)) ??
  path.resolve(here, '../../../config/standards');

/** The catalogue file of a standard key such as `bgz-3` or `mp9-3.0`. */
export function catalogueFile(standard: string): string {
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(standard)) throw new Error(`not a standard key: ${standard}`);
  return path.join(standardsFolder, `${standard}.yaml`);
}
