import { SearchParamError } from './search-param-error.js';

/**
 * Token search (FHIR R4 §3.1.1.5.5 / STU3 §2.21.1.5.5): `code`, `system|code`, `|code` (no
 * system) and `system|` (any code in the system); a comma separates alternatives (OR).
 */
export interface TokenCriterion {
  /** undefined: any system; '': the value must have no system. */
  readonly system: string | undefined;
  /** undefined: any code in the system. */
  readonly code: string | undefined;
}

export function parseTokenValue(param: string, raw: string): TokenCriterion[] {
  return splitOr(raw).map((part) => {
    if (part === '') throw new SearchParamError(param, `parameter "${param}" has an empty token`);
    const bar = indexOfUnescaped(part, '|');
    if (bar < 0) return { system: undefined, code: unescape(part) };
    const system = unescape(part.slice(0, bar));
    const code = unescape(part.slice(bar + 1));
    if (system === '' && code === '') throw new SearchParamError(param, `parameter "${param}" has a token with neither system nor code`);
    return { system, code: code === '' ? undefined : code };
  });
}

/** A comma separates alternatives, a backslash escapes a comma, bar or backslash (FHIR §3.1.1.5.7). */
export function splitOr(raw: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === '\\' && i + 1 < raw.length) {
      current += ch + raw[i + 1];
      i++;
    } else if (ch === ',') {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function indexOfUnescaped(s: string, ch: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === ch) return i;
  }
  return -1;
}

function unescape(s: string): string {
  return s.replace(/\\([\\,|$])/g, '$1');
}

interface SystemCode {
  readonly system: string | undefined;
  readonly code: string;
}

/** Every (system, code) pair an element holds: Coding, CodeableConcept, Identifier, code or string. */
export function tokensOf(value: unknown): SystemCode[] {
  if (typeof value === 'string') return [{ system: undefined, code: value }];
  if (typeof value === 'boolean') return [{ system: undefined, code: String(value) }];
  if (typeof value !== 'object' || value === null) return [];
  const v = value as Record<string, unknown>;
  if (Array.isArray(v['coding'])) return v['coding'].flatMap((c) => tokensOf(c));
  const system = typeof v['system'] === 'string' ? v['system'] : undefined;
  if (typeof v['code'] === 'string') return [{ system, code: v['code'] }];
  if (typeof v['value'] === 'string') return [{ system, code: v['value'] }];
  return [];
}

export function matchesToken(values: readonly unknown[], criteria: readonly TokenCriterion[]): boolean {
  for (const v of values) if (someTokenMatches(v, criteria)) return true;
  return false;
}

/**
 * Whether one of the (system, code) pairs `tokensOf` gives for `value` meets one of `criteria`,
 * compared during the same walk, without building the list or a closure: a search tests every
 * candidate (10,000 Observations for a `$lastn`).
 */
function someTokenMatches(value: unknown, criteria: readonly TokenCriterion[]): boolean {
  if (typeof value === 'string') return anyCriterion(criteria, undefined, value);
  if (typeof value === 'boolean') return anyCriterion(criteria, undefined, String(value));
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const coding = v['coding'];
  if (Array.isArray(coding)) {
    for (const c of coding) if (someTokenMatches(c, criteria)) return true;
    return false;
  }
  const system = typeof v['system'] === 'string' ? v['system'] : undefined;
  if (typeof v['code'] === 'string') return anyCriterion(criteria, system, v['code']);
  if (typeof v['value'] === 'string') return anyCriterion(criteria, system, v['value']);
  return false;
}

function anyCriterion(criteria: readonly TokenCriterion[], system: string | undefined, code: string): boolean {
  for (const c of criteria) {
    if (c.code !== undefined && code !== c.code) continue;
    if (c.system === undefined || (c.system === '' ? system === undefined : system === c.system)) return true;
  }
  return false;
}

/** Case- and accent-insensitive form for text matching (FHIR R4 §3.1.1.5.13 string search). */
export function normalizeText(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

/** The human text of a token element: CodeableConcept.text, Coding.display, Identifier.type.text. */
export function textsOf(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return [];
  const v = value as Record<string, unknown>;
  const out: string[] = [];
  if (typeof v['text'] === 'string') out.push(v['text']);
  if (typeof v['display'] === 'string') out.push(v['display']);
  if (Array.isArray(v['coding'])) out.push(...v['coding'].flatMap((c) => textsOf(c)));
  if (v['type'] !== undefined) out.push(...textsOf(v['type']));
  return out;
}

/**
 * `:text` (FHIR R4 §3.1.1.5.5): the value is tested against the text of the code: the text, or
 * one of its words, starts with it, ignoring case and accents. A comma separates alternatives.
 */
export function matchesTokenText(values: readonly unknown[], wanted: readonly string[]): boolean {
  const texts = values.flatMap((v) => textsOf(v)).map(normalizeText);
  return wanted.some((w) => {
    const n = normalizeText(w);
    return texts.some((t) => t.startsWith(n) || t.split(/[^\p{L}\p{N}]+/u).some((word) => word.startsWith(n)));
  });
}

/** `identifier:of-type=system|code|value` (FHIR R4 §3.1.1.5.5): Identifier.type holds system|code, and the value is equal. */
export interface OfTypeCriterion {
  readonly system: string;
  readonly code: string;
  readonly value: string;
}

export function parseOfTypeValue(param: string, raw: string): OfTypeCriterion[] {
  return splitOr(raw).map((part) => {
    const pieces: string[] = [];
    let current = '';
    for (let i = 0; i < part.length; i++) {
      if (part[i] === '\\' && i + 1 < part.length) {
        current += part[i + 1];
        i++;
      } else if (part[i] === '|') {
        pieces.push(current);
        current = '';
      } else current += part[i];
    }
    pieces.push(current);
    const [system, code, value] = pieces;
    if (pieces.length !== 3 || !system || !code || !value) {
      throw new SearchParamError(param, `parameter "${param}" must be system|code|value`);
    }
    return { system, code, value };
  });
}

export function matchesOfType(values: readonly unknown[], criteria: readonly OfTypeCriterion[]): boolean {
  return values.some((v) => {
    if (typeof v !== 'object' || v === null) return false;
    const id = v as { type?: unknown; value?: unknown };
    const types = tokensOf(id.type);
    return criteria.some((c) => id.value === c.value && types.some((t) => t.system === c.system && t.code === c.code));
  });
}
