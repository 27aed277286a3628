import type { Resource } from '../../../adapters/types.js';
import { compileFhirPath } from './fhirpath-engine.js';
import { tokensOf } from './token-match.js';
import { rangeOf } from './date-match.js';

/**
 * `Observation/$lastn` (FHIR R4 Observation-lastn; BgZ uses it on STU3 too): for every distinct
 * code, the `max` most recent observations by effective time (issued when there is none).
 * Observations with the same set of codings count as one code.
 */
// Observation.code and .effective have the same shape in STU3 and R4.
const OBSERVATION_CODE = compileFhirPath('R4', 'Observation.code');
const OBSERVATION_EFFECTIVE = compileFhirPath('R4', 'Observation.effective');

function codeKey(obs: Resource): string {
  const tokens = OBSERVATION_CODE(obs).flatMap((v) => tokensOf(v));
  return tokens
    .map((t) => `${t.system ?? ''}|${t.code}`)
    .sort()
    .join(',');
}

function effectiveTime(obs: Resource): number {
  for (const v of OBSERVATION_EFFECTIVE(obs)) {
    const r = rangeOf(v);
    if (r) return Number.isFinite(r.high) ? r.high : r.low;
  }
  const issued = typeof obs['issued'] === 'string' ? rangeOf(obs['issued']) : undefined;
  return issued?.low ?? -Infinity;
}

export function lastN(observations: readonly Resource[], max: number): Resource[] {
  const groups = new Map<string, Resource[]>();
  for (const o of observations) {
    const key = codeKey(o);
    const g = groups.get(key);
    if (g) g.push(o);
    else groups.set(key, [o]);
  }
  const kept = new Set<Resource>();
  for (const g of groups.values()) {
    g.sort((a, b) => effectiveTime(b) - effectiveTime(a));
    for (const o of g.slice(0, max)) kept.add(o);
  }
  // Keep the adapter's order so results are stable.
  return observations.filter((o) => kept.has(o));
}
