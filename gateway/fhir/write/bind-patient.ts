import type { Resource } from '../../../adapters/types.js';
import type { BatchEntry } from './parse-batch.js';

/**
 * The patient comes from the token, never from the body (MedMij core.rscint.203, DIGEST §3).
 * A Delen batch carries the sender as a Patient entry that the other entries reference by
 * `urn:uuid:`; that entry stands for the token's patient and is never stored. Every other
 * entry gets an id assigned here (FHIR http.html#create: the server assigns the id) and its
 * `urn:uuid:` references rewritten to the targets' new `Type/id` (FHIR http.html#trules). A
 * reference to a Patient other than the token's, or to a urn that is not in the bundle, makes
 * the entry fail. A document's `attachment.url` is a URL, not a Reference, but a PDF/A
 * transaction points it at its Binary entry by `urn:uuid:` (Nictiz PDF/A send examples), so such
 * a url is resolved the same way and becomes the relative `Binary/{id}` the PGO later reads.
 * A shared Binary gets the token's patient as its securityContext: documents are served only
 * to the patient they name (gateway/fhir/binary-access.ts rule 1).
 */
export type BoundEntry =
  | { readonly kind: 'patient' }
  | { readonly kind: 'resource'; readonly resource: Resource }
  | { readonly kind: 'foreign-patient'; readonly resourceType: string }
  | { readonly kind: 'unresolved'; readonly resourceType: string };

export function bindEntries(entries: readonly BatchEntry[], patientRef: string, newId: () => string): BoundEntry[] {
  const targets = new Map<string, string>();
  const ids = entries.map((e) => (e.resource.resourceType === 'Patient' ? patientRef : newId()));
  entries.forEach((e, i) => {
    if (e.fullUrl !== undefined) targets.set(e.fullUrl.toLowerCase(), `${e.resource.resourceType}/${ids[i]!}`);
  });
  return entries.map((e, i): BoundEntry => {
    if (e.resource.resourceType === 'Patient') return { kind: 'patient' };
    let foreign = false;
    let unresolved = false;
    const rewritten = rewriteReferences(e.resource, (ref) => {
      const resolved = ref.toLowerCase().startsWith('urn:uuid:') ? targets.get(ref.toLowerCase()) : ref;
      if (resolved === undefined) {
        unresolved = true;
        return ref;
      }
      const patient = /(?:^|\/)Patient\/([^/]+)(?:\/_history\/[^/]+)?$/.exec(resolved);
      // Only the relative reference to the token's own Patient: an absolute URL may name another server's patient.
      if (patient && !(patient[1] === patientRef && patient.index === 0)) foreign = true;
      return resolved;
    }) as Record<string, unknown>;
    if (foreign) return { kind: 'foreign-patient', resourceType: e.resource.resourceType };
    if (unresolved) return { kind: 'unresolved', resourceType: e.resource.resourceType };
    // Server-assigned id; version and update time are the EHR's (FHIR resource.html#Meta).
    const meta = rewritten['meta'] as Record<string, unknown> | undefined;
    const { versionId: _v, lastUpdated: _l, ...keptMeta } = meta ?? {};
    const owned = e.resource.resourceType === 'Binary' && rewritten['securityContext'] === undefined ? { securityContext: { reference: `Patient/${patientRef}` } } : {};
    return {
      kind: 'resource',
      resource: { ...rewritten, id: ids[i]!, ...(meta ? { meta: keptMeta } : {}), ...owned } as Resource,
    };
  });
}

/** A deep copy with every `reference` string, and every `url` that is a `urn:uuid:`, passed through `map`. */
function rewriteReferences(value: unknown, map: (ref: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteReferences(v, map));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const isRef = typeof v === 'string' && (k === 'reference' || (k === 'url' && /^urn:uuid:/i.test(v)));
    out[k] = isRef ? map(v) : rewriteReferences(v, map);
  }
  return out;
}
