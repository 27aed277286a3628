import type { FhirVersion, Resource, SearchParam } from '../../../adapters/types.js';
import { compileCriterion, valuesAt, type Criterion, type ResolveReference } from './criterion.js';

/**
 * @module Compiles the filter parameters once (so a malformed value fails before any data is
 * touched) and applies them: all criteria must hold (repeated parameters are AND, commas are OR).
 * A criterion with `alsoAdmit` (MP9 period-of-use, MP 9.0.7 periodofuse) also lets through what
 * it picks from the resources that pass every other criterion, knowing which of them pass all.
 */
export type { ResolveReference, Criterion } from './criterion.js';
export type ResourcePredicate = Criterion['test'];
export { compileCriterion };

export function compileFilters(version: FhirVersion, resourceType: string, params: readonly SearchParam[], now: number = Date.now()): Criterion[] {
  return params.map((p) => compileCriterion(version, resourceType, p, now));
}

export async function applyFilters(resources: readonly Resource[], criteria: readonly Criterion[], resolve: ResolveReference): Promise<Resource[]> {
  if (criteria.length === 0) return [...resources];
  const passed: boolean[][] = [];
  for (const r of resources) {
    const row: boolean[] = [];
    for (const c of criteria) row.push(await c.test(r, resolve));
    passed.push(row);
  }
  // A parameter given twice (a ge/le window) admits as one: its pool ignores both occurrences.
  for (const name of new Set(criteria.filter((c) => c.alsoAdmit).map((c) => c.name))) {
    const group = criteria.map((c, i) => (c.name === name ? i : -1)).filter((i) => i >= 0);
    const admit = criteria[group[0] ?? 0]?.alsoAdmit;
    if (!admit) continue;
    const pool = resources.filter((_, k) => passed[k]?.every((ok, j) => ok || group.includes(j)));
    const matched = new Set(resources.filter((_, k) => passed[k]?.every(Boolean)));
    const admitted = admit(pool, matched);
    resources.forEach((r, k) => {
      const row = passed[k];
      if (row && admitted.has(r)) for (const j of group) row[j] = true;
    });
  }
  return resources.filter((_, k) => passed[k]?.every(Boolean));
}

export { valuesAt };
