import type { Request, Response } from 'express';
import { recordCompartmentAlarms } from '../compartment-alarm.js';
import type { Adapter } from '../../../adapters/types.js';
import type { AuditLog } from '../../observability/index.js';
import type { KeyValueStore } from '../../storage/index.js';
import type { AcceptRule } from '../catalogue/index.js';
import { contextFor } from '../dispatch.js';
import { createDeadline, withDeadline } from '../deadline.js';
import type { FhirExchange, ServiceBase } from '../exchange.js';
import { negotiateFormat } from '../format.js';
import { FhirError } from '../outcome.js';
import { sendResource } from '../render.js';
import { handleBatch } from './handle-batch.js';
import { idempotencyFor, type StoredAnswer } from './idempotency.js';
import { parseBatch } from './parse-batch.js';
import { readBody } from './read-body.js';

/** A batch of self-measurements is a few kB; 1 MiB leaves room and caps what one request can hold. */
export const MAX_WRITE_BYTES = 1024 * 1024;

export interface WriteDeps {
  readonly audit: AuditLog;
  /** Where first answers are kept for retries (the gateway's key-value store); absent: no replay. */
  readonly store?: KeyValueStore;
  readonly maxBytes?: number;
}

/**
 * Delen: `POST {base}` with a batch Bundle (MedMij DIGEST §1.2; FHIR http.html#transaction).
 * Runs after the token was checked for this provider and service; refuses a service whose
 * catalogue accepts nothing (405), reads and parses the body under its cap, replays the first
 * answer of a retried request, writes the valid entries for the token's patient under the
 * service deadline, and answers 200 with a `batch-response` Bundle. An unreachable or slow EHR is
 * the whole request's 503/504 (nothing confirmed, so nothing answered as stored).
 */
export async function receiveWrite(req: Request, res: Response, ex: FhirExchange, service: ServiceBase, accepts: readonly AcceptRule[], adapter: Adapter, deps: WriteDeps): Promise<void> {
  if (accepts.length === 0 || !adapter.write) {
    throw new FhirError(405, 'not-supported', 'this data service accepts no data (Verzamelen only)', { reason: 'write_not_supported', headers: { Allow: 'GET, HEAD' } });
  }
  const format = negotiateFormat(req.get('accept'), undefined, service.fhirVersion);
  const body = await readBody(req, deps.maxBytes ?? MAX_WRITE_BYTES);
  const batch = parseBatch(body, req.get('content-type'), service.fhirVersion);
  const patientRef = ex.grant!.patientRef; // from the token, never from the body
  const requestId = ex.traceId;
  if (requestId === undefined) throw new FhirError(400, 'required', 'a Delen request carries a MedMij-Request-ID', { reason: 'request_id_missing' });
  const once = deps.store ? idempotencyFor(deps.store, `${service.providerName}:${service.serviceId}:${patientRef}`, requestId, body) : undefined;
  const started = once ? await once.begin() : ({ kind: 'fresh' } as const);
  if (started.kind === 'replay') {
    ex.count = 0;
    ex.reason = 'replayed';
    sendResource(res, started.answer.status, started.answer.bundle as never, format, service.fhirVersion);
    return;
  }
  let answer: StoredAnswer;
  try {
    const deadline = createDeadline(service.timeoutMs, res);
    try {
      const ctx = contextFor(ex, service, adapter, patientRef, deadline.signal);
      const outcome = await handleBatch(batch, {
        accepts,
        patientRef,
        returnRepresentation: /(^|[;,\s])return=representation($|[;,\s])/.test(req.get('prefer') ?? ''),
        write: (requests) => withDeadline(adapter.write!(requests, ctx), deadline.signal),
      });
      if (outcome.foreignPatient.length > 0) alarm(deps.audit, ex, outcome.foreignPatient);
      ex.count = outcome.stored;
      answer = { status: 200, bundle: { resourceType: 'Bundle', id: ex.requestId, type: 'batch-response', entry: outcome.entries } };
    } finally {
      deadline.dispose();
    }
  } catch (err) {
    // Unreachable EHR (503): nothing was stored, a retry may run as new. A timeout or any other
    // failure leaves the id held: the EHR may have stored it, so a retry must not write again.
    if (once && (err as { code?: unknown }).code === 'ADAPTER_UPSTREAM_UNAVAILABLE') await once.abandon();
    throw err;
  }
  if (once) await once.complete(answer);
  sendResource(res, answer.status, answer.bundle as never, format, service.fhirVersion);
}

/** Shared data naming another patient: refused per entry and raised as an alarm (house rule 5). */
function alarm(audit: AuditLog, ex: FhirExchange, resourceTypes: readonly string[]): void {
  recordCompartmentAlarms(audit, ex, resourceTypes, 'foreign_patient_in_shared_data');
  ex.log.warn({ refused: resourceTypes.length }, 'shared data names another patient: entries refused');
}
