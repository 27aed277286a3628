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
  if (!criteria.some((c) => c.alsoAdmit)) return passingAll(resources, criteria, resolve);
  const passed: boolean[][] = [];
  for (const r of resources) {
    const row: boolean[] = [];
    for (const c of criteria) row.push(c.testNow ? c.testNow(r) : await c.test(r, resolve));
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

/**
 * Without an `alsoAdmit` criterion nothing needs to know which other criteria a resource passed:
 * the first that fails settles it, and no table of every test is kept (a search over 10,000
 * Observations otherwise tests and records each criterion on each of them).
 */
async function passingAll(resources: readonly Resource[], criteria: readonly Criterion[], resolve: ResolveReference): Promise<Resource[]> {
  const out: Resource[] = [];
  next: for (const r of resources) {
    for (const c of criteria) {
      if (!(c.testNow ? c.testNow(r) : await c.test(r, resolve))) continue next;
    }
    out.push(r);
  }
  return out;
}
