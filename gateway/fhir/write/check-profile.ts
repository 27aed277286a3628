import type { FhirVersion, Resource } from '../../../adapters/types.js';
import type { AcceptRule } from '../catalogue/index.js';
import { validateStructure } from './validate-structure.js';

/**
 * The structure check of one shared resource against the profiles its service accepts
 * (config/standards/*.yaml `accepts`): the resource claims an accepted profile in meta.profile
 * (FHIR resource.html#Meta), has every element the profile makes required (min 1), at least one
 * of its `oneOf` elements, a status and other primitive values from the allowed sets, and the
 * fixed category and code. Before that, the base structure of the resource type
 * (validate-structure.ts: known elements, cardinality, types). The answer names the element,
 * never its value (house rule 6).
 */
export function checkProfile(resource: Resource, accepts: readonly AcceptRule[], version: FhirVersion = 'STU3'): { readonly rule: AcceptRule } | { readonly problems: readonly string[] } {
  const claimed = Array.isArray(resource.meta?.profile) ? resource.meta.profile : [];
  const rule = accepts.find((r) => r.resourceType === resource.resourceType && (r.profile === undefined || claimed.includes(r.profile)));
  if (!rule) {
    const types = accepts.some((r) => r.resourceType === resource.resourceType);
    return { problems: [types ? `${resource.resourceType}: meta.profile names no profile this data service accepts` : `${resource.resourceType} is not accepted by this data service`] };
  }
  const problems: string[] = validateStructure(resource, version).map((p) => `${p.element}: ${p.message}`);
  const profile = rule.profile ?? `the ${rule.resourceType} this data service accepts`;
  for (const element of rule.required) {
    if (!present(resource, element)) problems.push(`${resource.resourceType}.${element} is required by ${profile} (min 1)`);
  }
  if (rule.oneOf.length > 0 && !rule.oneOf.some((e) => present(resource, e))) {
    problems.push(`${resource.resourceType} needs one of ${rule.oneOf.join(', ')} (${profile})`);
  }
  if (rule.status && typeof resource['status'] === 'string' && !rule.status.includes(resource['status'])) {
    problems.push(`${resource.resourceType}.status is not one of ${rule.status.join(', ')}`);
  } else if (rule.status && resource['status'] !== undefined && typeof resource['status'] !== 'string') {
    problems.push(`${resource.resourceType}.status must be a code`);
  }
  for (const [element, allowed] of Object.entries(rule.values)) {
    const v = resource[element];
    if (v !== undefined && (typeof v !== 'string' || !allowed.includes(v))) problems.push(`${resource.resourceType}.${element} is not one of ${allowed.join(', ')} (${profile})`);
  }
  if (rule.category && !hasCoding(resource['category'], rule.category)) {
    problems.push(`${resource.resourceType}.category must hold ${rule.category.system}|${rule.category.code} (fixed by ${profile})`);
  }
  if (rule.code && !hasCoding(resource['code'], rule.code)) {
    problems.push(`${resource.resourceType}.code must hold ${rule.code.system}|${rule.code.code} (fixed by ${profile})`);
  }
  return problems.length > 0 ? { problems } : { rule };
}

/** A choice element `x[x]` is present when any `xSomething` key holds a value. */
function present(resource: Resource, element: string): boolean {
  if (element.endsWith('[x]')) {
    const stem = element.slice(0, -3);
    return Object.keys(resource).some((k) => k.startsWith(stem) && /^[A-Z]/.test(k.slice(stem.length)) && nonEmpty(resource[k]));
  }
  return nonEmpty(resource[element]);
}

function nonEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (Array.isArray(v)) return v.some(nonEmpty);
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

/** CodeableConcept or a list of them (STU3 category is 0..*) holding the coding. */
function hasCoding(value: unknown, want: { readonly system: string; readonly code: string }): boolean {
  const concepts = Array.isArray(value) ? value : [value];
  return concepts.some((c) => {
    const codings = (c as { coding?: unknown } | undefined)?.coding;
    return Array.isArray(codings) && codings.some((x) => (x as Record<string, unknown>)['system'] === want.system && (x as Record<string, unknown>)['code'] === want.code);
  });
}
