import { readFile } from 'node:fs/promises';
import YAML from 'yaml';

/**
 * Reads a complete texts file: YAML, one `key: sentence` per line (see config/texts/). The
 * content is checked by compileTextBook; here only that it is a flat map.
 */
export async function loadTextsFile(file: string): Promise<Readonly<Record<string, unknown>>> {
  const parsed: unknown = YAML.parse(await readFile(file, 'utf8'));
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${file}: a texts file is a YAML map of text key to sentence`);
  return parsed as Record<string, unknown>;
}
