import type { Adapter, BinaryStreamTarget } from '../../adapters/types.js';
import { guardAdapter } from './compartment-guard.js';
import { withDeadline } from './deadline.js';
import { contextFor, type AdapterCall } from './dispatch.js';
import type { ServiceBase } from './exchange.js';
import { isLinkedBinary } from './linked-binary.js';
import { notFound } from './outcome.js';
import { DOCUMENT_HEADERS } from './respond.js';

/**
 * The raw content of `Binary/{id}` from an adapter that streams (the fhir passthrough): piped
 * from the source to the PGO as it arrives, never held whole in memory. The access rule comes
 * first and needs no download: the patient's own DocumentReferences or DocumentManifests must
 * point at this Binary (binary-access.ts, rule 2); otherwise 404, as for an unknown id.
 *
 * The request's deadline bounds the index search and the wait for the source's answer (504 when
 * it passes, 503/502 for source failures, mapped in adapter-errors.ts); once the document flows,
 * the adapter's idle timeout and size cap bound the body, and a client that goes away stops it.
 * Resolves with the number of documents sent (1); rejects before anything was written.
 */
export async function streamBinary(call: AdapterCall, target: BinaryStreamTarget, service: ServiceBase, adapter: Adapter, id: string, indexTypes: readonly string[]): Promise<void> {
  if (!adapter.streamBinary) throw new Error('streamBinary: the adapter does not stream');
  const { res } = target;
  const guarded = guardAdapter(adapter, call.onViolation);
  try {
    const ctx = contextFor(call, service, adapter, call.patientRef, call.signal);
    if (!(await withDeadline(isLinkedBinary(guarded, ctx, id, service.url, indexTypes), call.signal))) {
      throw notFound('no such Binary for this patient');
    }
    for (const [name, value] of Object.entries(DOCUMENT_HEADERS)) res.setHeader(name, value);
    const start = await withDeadline(adapter.streamBinary(id, target, ctx), call.signal);
    if (start === 'not-found') throw notFound('no such Binary for this patient');
  } catch (err) {
    // Nothing of the document was sent: the OperationOutcome must not carry its headers.
    if (!res.headersSent) res.removeHeader('Content-Disposition');
    throw err;
  }
}
