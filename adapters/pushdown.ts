/**
 * @module What a SQL or XML adapter may hand its backend of the PGO's filters, and in which form.
 *
 * The gateway re-applies every criterion to what an adapter returns (adapters/types.ts), so a
 * backend filter must only ever narrow to a SUPERSET of the matches: never a value the backend
 * could read differently from FHIR. Each pushed value is derived from the parsed criterion, so an
 * OR list (`status=booked,pending`) and a prefixed date (`whenhandedover=ge2024-01-01`) reach
 * the backend as what they mean (FHIR R4 §3.1.1.5.2, §3.1.1.4.1.1), not as their text.
 *
 * Forms (`as`):
 * - `text`: the value as sent, only when the parameter came once with one alternative
 *   (e.g. `system|code` as the catalogue fixes it); otherwise nothing (no backend filter).
 * - `codes`: the codes of all alternatives (OR), optionally mapped to the backend's own codes;
 *   nothing when an alternative has no code or a code is not in the map.
 * - `from`: the earliest instant (ISO, UTC) a matching element may END at; `to`: the latest
 *   instant a matching element may START at. Over repeated parameters (AND) the narrowest window,
 *   over alternatives (OR) the widest; nothing when the prefix gives no bound (`ne`, `ap`).
 */
import { z } from 'zod';
import type { DateAlternative, SearchCriterion } from './types.js';

const fhirParamName = z.string().regex(/^[a-z][a-z0-9.:-]*$/);

export const pushdownFormSchema = z.enum(['text', 'codes', 'from', 'to']);
export type PushdownForm = z.output<typeof pushdownFormSchema>;

export const pushdownSpecSchema = z.strictObject({
  /** The FHIR search parameter the value comes from. */
  param: fhirParamName,
  as: pushdownFormSchema.default('text'),
  /** `codes` only: FHIR code → the backend's code (a code not listed disables the filter). */
  map: z.record(z.string().min(1), z.string().min(1)).optional(),
});

export interface PushdownSpec {
  readonly param: string;
  readonly as: PushdownForm;
  readonly map?: Readonly<Record<string, string>> | undefined;
}

/** A pushed value: one text, a list of codes, or null (no backend filter for this request). */
export type PushdownValue = string | readonly string[] | null;

export function pushdownValue(spec: PushdownSpec, criteria: readonly SearchCriterion[]): PushdownValue {
  const mine = criteria.filter((c) => c.name === spec.param);
  if (mine.length === 0) return null;
  switch (spec.as) {
    case 'text':
      return mine.length === 1 && mine[0]?.kind === 'token' && mine[0].any.length === 1 ? mine[0].raw : null;
    case 'codes':
      return codesOf(mine, spec.map);
    case 'from':
    case 'to':
      return instantOf(windowOf(mine)[spec.as]);
  }
}

function codesOf(criteria: readonly SearchCriterion[], map: Readonly<Record<string, string>> | undefined): readonly string[] | null {
  // Any one occurrence narrows to a superset of the AND of all: take the first token criterion.
  const first = criteria.find((c) => c.kind === 'token');
  if (first?.kind !== 'token') return null;
  const codes: string[] = [];
  for (const alt of first.any) {
    if (alt.code === undefined) return null;
    const code = map === undefined ? alt.code : Object.hasOwn(map, alt.code) ? map[alt.code] : undefined;
    if (code === undefined) return null;
    codes.push(code);
  }
  return [...new Set(codes)];
}

interface Window {
  readonly from: number;
  readonly to: number;
}

/** The bounds one alternative puts on a matching element's range [start, end]. */
function boundsOf(alt: DateAlternative): Window {
  switch (alt.prefix) {
    case 'eq':
      return { from: alt.low, to: alt.high };
    case 'ge':
      return { from: alt.low, to: Infinity };
    case 'gt':
    case 'sa':
      return { from: alt.high, to: Infinity };
    case 'le':
      return { from: -Infinity, to: alt.high };
    case 'lt':
    case 'eb':
      return { from: -Infinity, to: alt.low };
    case 'ne':
    case 'ap':
      return { from: -Infinity, to: Infinity };
  }
}

function windowOf(criteria: readonly SearchCriterion[]): Window {
  let from = -Infinity;
  let to = Infinity;
  for (const c of criteria) {
    if (c.kind !== 'date' || c.any.length === 0) continue;
    // OR: the widest window of the alternatives; AND over occurrences: the narrowest.
    const bounds = c.any.map(boundsOf);
    from = Math.max(from, Math.min(...bounds.map((b) => b.from)));
    to = Math.min(to, Math.max(...bounds.map((b) => b.to)));
  }
  return { from, to };
}

function instantOf(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}
