/**
 * One legacy record as the mapping sees it: a lookup from a record path (column name, XML path)
 * to a raw value, undefined when absent. The xml and sql adapters each build one; the mapping
 * never sees xml2js objects or pg rows.
 */
export interface LegacyRecord {
  /** A stable key for error messages (the record's own id, never patient data). */
  readonly key: string;
  get(path: string): unknown;
}

/** A record over a plain object, e.g. an SQL row (column → value). */
export function recordFromRow(key: string, row: Readonly<Record<string, unknown>>): LegacyRecord {
  return {
    key,
    get: (path) => (Object.hasOwn(row, path) ? row[path] : undefined),
  };
}
