/**
 * A rule that spans sections (cross-references, production safety). Rules run even when some
 * section failed to parse, so that one error reports every problem at once; they therefore see a
 * possibly half-valid value and must read it through `field`/`items`, never by assumption.
 */
export type ConfigRule = (config: unknown, report: (path: ReadonlyArray<string | number>, message: string) => void) => void;

/** A property of an object-like value, or undefined. */
export function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}

/** The entries of an array value, or none. */
export function items(value: unknown): Array<[number, unknown]> {
  return Array.isArray(value) ? [...value.entries()] : [];
}
