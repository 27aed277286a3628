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
  const tokens = values.flatMap((v) => tokensOf(v));
  return criteria.some((c) =>
    tokens.some((t) => {
      if (c.code !== undefined && t.code !== c.code) return false;
      if (c.system === undefined) return true;
      if (c.system === '') return t.system === undefined;
      return t.system === c.system;
    }),
  );
}
