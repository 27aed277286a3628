import { normalizeText, splitOr } from './token-match.js';

/**
 * @module String search (FHIR R4 §3.1.1.5.13, STU3 §2.21.1.5.13): by default the element starts
 * with the value, ignoring case and accents; `:contains` anywhere in it; `:exact` the whole
 * element, case and accents included. HumanName and Address match on any of their parts.
 */
export type StringMode = 'starts' | 'contains' | 'exact';

const NAME_PARTS = ['text', 'family', 'given', 'prefix', 'suffix'];
const ADDRESS_PARTS = ['text', 'line', 'city', 'district', 'state', 'postalCode', 'country'];

/** Every string a string-searchable element holds. */
export function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  const v = value as Record<string, unknown>;
  const parts = 'family' in v || 'given' in v ? NAME_PARTS : ADDRESS_PARTS;
  return parts.flatMap((p) => {
    const x = v[p];
    if (typeof x === 'string') return [x];
    return Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : [];
  });
}

export function parseStringValue(raw: string): string[] {
  return splitOr(raw).map((s) => s.replace(/\\([\\,|$])/g, '$1'));
}

export function matchesString(values: readonly unknown[], wanted: readonly string[], mode: StringMode): boolean {
  const strings = values.flatMap((v) => stringsOf(v));
  return wanted.some((w) => {
    if (mode === 'exact') return strings.includes(w);
    const n = normalizeText(w);
    return strings.some((s) => (mode === 'contains' ? normalizeText(s).includes(n) : normalizeText(s).startsWith(n)));
  });
}
