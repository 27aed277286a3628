import type { SearchQuery } from '../types.js';
import type { FhirPassthroughConfig } from './fhir-passthrough-config.js';

/**
 * The upstream search for one patient. The PGO must not steer whose data is read, nor what the
 * upstream returns beyond the match set, so patient-ish parameters (on any chain or modifier)
 * and result parameters are dropped before the patient filter is added by the adapter itself.
 */
const NEVER_FORWARD = new Set(['patient', 'subject', 'beneficiary', 'performer', 'requester', 'author', 'actor', 'participant']);
const ALLOWED_UNDERSCORE = new Set(['_id', '_lastUpdated', '_tag', '_profile', '_security']);
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function forwardableParams(query: SearchQuery, forward: readonly string[]): Array<[string, string]> {
  const all = forward.includes('*');
  const out: Array<[string, string]> = [];
  for (const p of query.params) {
    const base = p.name.split(/[.:]/)[0] ?? '';
    if (base.startsWith('_') ? !ALLOWED_UNDERSCORE.has(base) : NEVER_FORWARD.has(base)) continue;
    if (/patient/i.test(p.name) || /(^|[,/])Patient\//.test(p.value)) continue;
    if (!all && !forward.includes(p.name)) continue;
    out.push([p.name, p.value]);
  }
  return out;
}

export function buildSearchUrl(query: SearchQuery, patientRef: string, config: FhirPassthroughConfig): string {
  if (!FHIR_ID.test(patientRef)) throw new Error('patient reference is not a FHIR id');
  const type = query.resourceType;
  const params = new URLSearchParams();
  let path = type;
  if (type === 'Patient') {
    params.append('_id', patientRef);
  } else if (config.patientParamByType[type] !== undefined) {
    params.append(config.patientParamByType[type], patientRef);
  } else if (config.patientFilter === 'compartment') {
    path = `Patient/${encodeURIComponent(patientRef)}/${type}`;
  } else if (config.patientFilter === 'subject') {
    params.append('subject', `Patient/${patientRef}`);
  } else {
    params.append('patient', patientRef);
  }
  for (const [name, value] of forwardableParams(query, config.forwardParams)) {
    if (type === 'Patient' && name === '_id') continue;
    params.append(name, value);
  }
  if (config.forwardIncludes) {
    const iterate = config.fhirVersion === 'R4' ? '_include:iterate' : '_include:recurse';
    for (const include of query.includes ?? []) params.append(include.iterate ? iterate : '_include', include.value);
  }
  params.append('_count', String(config.pageSize));
  return `${path}?${params.toString()}`;
}
