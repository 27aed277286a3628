import { z } from 'zod';
import type { ConfigFields } from './config-fields.js';

/**
 * `standards:` where the query catalogues (one YAML per information standard) come from. The
 * built-in catalogues ship with the package; `folder` names a folder the deployment mounts, looked
 * at first, so a new data service (or a corrected catalogue) needs no new image.
 */
export function standardsSection(f: ConfigFields) {
  return z
    .strictObject({
      folder: f.filePath.optional(),
    })
    .prefault({});
}
