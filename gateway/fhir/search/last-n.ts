import type { Resource } from '../../../adapters/types.js';
import { elementValues } from './element-values.js';
import { tokensOf } from './token-match.js';
import { rangeOf } from './date-match.js';

/**
 * `Observation/$lastn` (FHIR R4 Observation-lastn; BgZ uses it on STU3 too): for every distinct
 * code, the `max` most recent observations by effective time (issued when there is none).
 * Observations with the same set of codings count as one code.
 */
function codeKey(obs: Resource): string {
  const tokens = elementValues(obs, 'code').flatMap((v) => tokensOf(v.value));
  return tokens
    .map((t) => `${t.system ?? ''}|${t.code}`)
    .sort()
    .join(',');
}

function effectiveTime(obs: Resource): number {
  for (const v of elementValues(obs, 'effective[x]')) {
    const r = rangeOf(v.value);
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
