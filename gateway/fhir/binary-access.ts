import type { Resource } from '../../adapters/types.js';

/**
 * Who may have a document (`Binary/{id}`). Documents are the most sensitive data a base serves,
 * and a Binary names its patient only when the source fills `securityContext`, so the rule is
 * deny by default (house rule 5) and decided in this order:
 *
 * 1. `securityContext` names a Patient: that patient, and nobody else, may have it. Another
 *    patient's explicit securityContext is a compartment violation (compartment.ts: alarm).
 * 2. Otherwise (no securityContext, or one naming a non-Patient resource): the Binary is the
 *    patient's only when one of the patient's OWN DocumentReferences (`content.attachment.url`)
 *    or DocumentManifests (STU3 `content.pAttachment.url` / `content.pReference`, R4
 *    `content` references) points at it, relatively (`Binary/{id}`) or absolutely on this base.
 *    Those indexes are searched through the compartment-checked adapter, so they are the
 *    patient's. This is also how the MedMij PDF/A flow reaches a document: the PGO follows
 *    `attachment.url` (QUERIES.md, PDF/A 3.x).
 * 3. Neither: not served. The answer is the same 404 as for an unknown id, so a PGO cannot probe
 *    which documents exist.
 *
 * A streamed document (stream-binary.ts) is decided by rule 2 alone: its securityContext would
 * only be known after downloading it.
 */
export type SecurityContextVerdict = { readonly kind: 'patient'; readonly patientId: string } | { readonly kind: 'none' };

const PATIENT_REF = /^(?:.*\/)?Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** Rule 1: the patient a Binary's securityContext names, if it names one. */
export function securityContextOf(binary: Resource): SecurityContextVerdict {
  const ref = (binary['securityContext'] as { reference?: unknown } | undefined)?.reference;
  if (typeof ref !== 'string') return { kind: 'none' };
  const m = PATIENT_REF.exec(ref);
  return m?.[1] === undefined ? { kind: 'none' } : { kind: 'patient', patientId: m[1] };
}

/** The Binary id a URL or reference names on `baseUrl` (relative or absolute), else undefined. */
export function binaryIdOf(url: string, baseUrl: string): string | undefined {
  const base = `${baseUrl.replace(/\/+$/, '')}/`;
  const rest = url.startsWith(base) ? url.slice(base.length) : url;
  return /^Binary\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(rest)?.[1];
}

function strings(values: unknown[]): string[] {
  return values.filter((v): v is string => typeof v === 'string');
}

/** Every URL or reference in a document index resource that can point at a Binary. */
function documentLinks(r: Resource): string[] {
  const content = Array.isArray(r['content']) ? (r['content'] as Array<Record<string, unknown> | null>) : [];
  const items = content.filter((c): c is Record<string, unknown> => c !== null && typeof c === 'object');
  if (r.resourceType === 'DocumentReference') {
    return strings(items.map((c) => (c['attachment'] as { url?: unknown } | undefined)?.url));
  }
  if (r.resourceType === 'DocumentManifest') {
    return strings(
      items.flatMap((c) => [
        (c['pAttachment'] as { url?: unknown } | undefined)?.url, // STU3
        (c['pReference'] as { reference?: unknown } | undefined)?.reference, // STU3
        c['reference'], // R4: content is Reference(Any)
      ]),
    );
  }
  return [];
}

/** Rule 2: the ids of the Binaries that these (the patient's own) document indexes point at. */
export function linkedBinaryIds(documents: readonly Resource[], baseUrl: string): ReadonlySet<string> {
  const ids = new Set<string>();
  for (const d of documents) {
    for (const link of documentLinks(d)) {
      const id = binaryIdOf(link, baseUrl);
      if (id !== undefined) ids.add(id);
    }
  }
  return ids;
}

/** The resource types whose instances index documents: what rule 2 searches. */
export const DOCUMENT_INDEX_TYPES: readonly string[] = ['DocumentReference', 'DocumentManifest'];
