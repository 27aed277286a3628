import { readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { catalogueSchema, type QueryCatalogue } from './catalogue-schema.js';

export class CatalogueError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CatalogueError';
  }
}

/** Reads and validates one catalogue file; every problem is reported with its YAML path. */
export async function loadCatalogue(file: string): Promise<QueryCatalogue> {
  let doc: unknown;
  try {
    doc = YAML.parse(await readFile(file, 'utf8'), { maxAliasCount: 0 });
  } catch (err) {
    throw new CatalogueError(`query catalogue ${path.basename(file)} is not readable YAML`, { cause: err });
  }
  const result = catalogueSchema.safeParse(doc);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new CatalogueError(`query catalogue ${path.basename(file)} is invalid: ${issues}`);
  }
  const names = new Set<string>();
  for (const s of result.data.searches) {
    if (names.has(s.name)) throw new CatalogueError(`query catalogue ${path.basename(file)}: search name "${s.name}" occurs twice`);
    names.add(s.name);
  }
  return deepFreeze(result.data);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
