import { recordCompartmentAlarms } from '../compartment-alarm.js';
import type { Adapter, Resource } from '../../../adapters/types.js';
import type { AuditLog } from '../../observability/index.js';
import type { KeyValueStore } from '../../storage/index.js';
import type { AcceptRule, SubmitRule } from '../catalogue/index.js';
import { contextFor } from '../dispatch.js';
import { withDeadline } from '../deadline.js';
import type { FhirExchange, ServiceBase } from '../exchange.js';
import { negotiateFormat, type FhirFormat } from '../format.js';
import { FhirError, type OperationOutcome } from '../outcome.js';
import { handleBatch, type BatchOutcome } from './handle-batch.js';
import { idempotencyFor, type StoredAnswer } from './idempotency.js';
import { parseBatch, parseCreate, type BatchRequest } from './parse-batch.js';

/** A batch of self-measurements is a few kB; 1 MiB leaves room and caps what one request can hold. */
export const MAX_WRITE_BYTES = 1024 * 1024;

export interface WriteDeps {
  readonly audit: AuditLog;
  /** Where first answers are kept for retries (the gateway's key-value store); absent: no replay. */
  readonly store?: KeyValueStore;
  /** Overrides the catalogue's `submit.maxBytes` (tests). */
  readonly maxBytes?: number;
}

/** What the service takes: its catalogue's `accepts` and `submit` (config/standards/*.yaml). */
export interface WritableService {
  readonly service: ServiceBase;
  readonly accepts: readonly AcceptRule[];
  readonly submit?: SubmitRule;
  readonly adapter: Adapter;
}

/** One Delen request, framework-free: the FHIR core fills it (core/write-call.ts). */
export interface WriteInput {
  /** `base`: a batch or transaction Bundle; `create`: one resource (`POST {base}/{type}`). */
  readonly target: { readonly kind: 'base' } | { readonly kind: 'create'; readonly resourceType: string };
  readonly contentType: string | undefined;
  readonly accept: string | undefined;
  readonly prefer: string | undefined;
  /** Reads the body whole, refusing (413) past `maxBytes`; called only once the service takes writes. */
  readonly readBody: (maxBytes: number) => Promise<Buffer>;
  /** Fires when the client went away (its own reason); the service deadline is added here. */
  readonly clientGone?: AbortSignal;
}

/** The answer to send: status, resource and the negotiated format; headers beside it. */
export interface WriteAnswer {
  readonly status: number;
  readonly resource: Resource | OperationOutcome;
  readonly format: FhirFormat;
  readonly headers: Readonly<Record<string, string>>;
}

const DEFAULT_SUBMIT: SubmitRule = { bundleTypes: ['batch'], create: false, maxBytes: MAX_WRITE_BYTES };

/**
 * Delen: `POST {base}` with a batch or transaction Bundle, or `POST {base}/{type}` with one
 * resource (MedMij DIGEST §1.2; FHIR http.html#transaction, #create). Runs after the token was
 * checked for this provider and service; refuses a service whose catalogue accepts nothing (405)
 * or not this way of sending, reads and parses the body under the service's cap, replays the
 * first answer of a retried request, writes the valid entries for the token's patient under the
 * service deadline, and answers: 200 with a `batch-response`/`transaction-response` Bundle, 201
 * with the created resource, or a refused transaction's OperationOutcome. An unreachable or slow
 * EHR is the whole request's 503/504 (thrown: nothing confirmed, so nothing answered as stored).
 */
export async function receiveWrite(input: WriteInput, ex: FhirExchange, target: WritableService, deps: WriteDeps): Promise<WriteAnswer> {
  const { service, accepts, adapter } = target;
  const submit = target.submit ?? DEFAULT_SUBMIT;
  if (accepts.length === 0 || !adapter.write) {
    throw new FhirError(405, 'not-supported', 'this data service accepts no data (Verzamelen only)', { reason: 'write_not_supported', headers: { Allow: 'GET, HEAD' } });
  }
  if (input.target.kind === 'create') {
    const type = input.target.resourceType;
    if (!submit.create) throw new FhirError(405, 'not-supported', 'this data service takes its data as a Bundle POSTed to the base, not as a single create', { reason: 'create_not_supported', headers: { Allow: 'GET, HEAD' } });
    if (!accepts.some((r) => r.resourceType === type)) throw new FhirError(405, 'not-supported', `this data service accepts no ${type}`, { reason: 'create_not_supported', headers: { Allow: 'GET, HEAD' } });
  }
  const format = negotiateFormat(input.accept, undefined, service.fhirVersion);
  const body = await input.readBody(deps.maxBytes ?? submit.maxBytes);
  const request = input.target.kind === 'create'
    ? parseCreate(body, input.contentType, service.fhirVersion, input.target.resourceType)
    : parseBatch(body, input.contentType, service.fhirVersion);
  if (!submit.bundleTypes.includes(request.type) && input.target.kind === 'base') {
    throw new FhirError(400, 'not-supported', `this data service takes a Bundle of type ${submit.bundleTypes.join(' or ')}`, { reason: 'bundle_type_unsupported' });
  }
  const patientRef = ex.grant!.patientRef; // from the token, never from the body
  const requestId = ex.traceId;
  if (requestId === undefined) throw new FhirError(400, 'required', 'a Delen request carries a MedMij-Request-ID', { reason: 'request_id_missing' });
  const once = deps.store ? idempotencyFor(deps.store, `${service.providerName}:${service.serviceId}:${patientRef}`, requestId, body) : undefined;
  const started = once ? await once.begin() : ({ kind: 'fresh' } as const);
  if (started.kind === 'replay') {
    ex.count = 0;
    ex.reason = 'replayed';
    return { status: started.answer.status, resource: started.answer.bundle as Resource, format, headers: {} };
  }
  let answer: StoredAnswer;
  try {
    const signal = AbortSignal.any([AbortSignal.timeout(service.timeoutMs), ...(input.clientGone ? [input.clientGone] : [])]);
    const ctx = contextFor(ex, service, adapter, patientRef, signal);
    const outcome = await handleBatch(request, {
      accepts,
      fhirVersion: service.fhirVersion,
      patientRef,
      returnRepresentation: input.target.kind === 'create' || /(^|[;,\s])return=representation($|[;,\s])/.test(input.prefer ?? ''),
      write: (requests) => withDeadline(adapter.write!(requests, ctx), signal),
    });
    if (outcome.foreignPatient.length > 0) alarm(deps.audit, ex, outcome.foreignPatient);
    answer = answerOf(outcome, request, input.target.kind, ex.requestId);
    auditWrite(deps.audit, ex, outcome);
    ex.count = outcome.kind === 'answered' ? outcome.stored : 0;
    if (outcome.kind === 'refused') ex.reason = 'transaction_refused';
  } catch (err) {
    auditWrite(deps.audit, ex, undefined, (err as { code?: unknown }).code);
    // Unreachable EHR (503): nothing was stored, a retry may run as new. A timeout or any other
    // failure leaves the id held: the EHR may have stored it, so a retry must not write again.
    if (once && (err as { code?: unknown }).code === 'ADAPTER_UPSTREAM_UNAVAILABLE') await once.abandon();
    throw err;
  }
  if (once) await once.complete(answer);
  const created = input.target.kind === 'create' && answer.status === 201 ? (answer.bundle as { resourceType: string; id: string }) : undefined;
  return { status: answer.status, resource: answer.bundle as Resource, format, headers: created ? { Location: `${created.resourceType}/${created.id}` } : {} };
}

/** The HTTP answer of a handled request: a response Bundle, the one created resource, or an OperationOutcome. */
function answerOf(outcome: BatchOutcome, request: BatchRequest, kind: 'base' | 'create', id: string): StoredAnswer {
  if (outcome.kind === 'refused') return { status: outcome.status, bundle: outcome.outcome };
  if (kind === 'create') {
    const only = outcome.entries[0]!;
    // A single create answers with the entry's own status (FHIR http.html#create): 201 and the resource, or the refusal.
    const status = Number.parseInt(only.response.status, 10);
    return { status, bundle: status === 201 ? only.resource : only.response.outcome };
  }
  return { status: 200, bundle: { resourceType: 'Bundle', id, type: `${request.type}-response`, entry: outcome.entries } };
}

/**
 * Who stored what for whom (house rule 5): client, patient reference, service, and the stored
 * resources by `Type/id` (ids the gateway assigned), never their content.
 */
function auditWrite(audit: AuditLog, ex: FhirExchange, outcome: BatchOutcome | undefined, errorCode?: unknown): void {
  const stored = outcome?.kind === 'answered' ? outcome.storedRefs : [];
  audit.record({
    type: 'delen_write',
    outcome: outcome === undefined ? 'failure' : outcome.kind === 'refused' ? 'refused' : 'success',
    count: stored.length,
    ...(stored.length > 0 ? { detail: stored.join(' ') } : {}),
    ...(outcome?.kind === 'refused' ? { status: outcome.status, reason: 'transaction_refused' } : {}),
    ...(outcome === undefined && typeof errorCode === 'string' ? { reason: errorCode } : {}),
    requestId: ex.requestId,
    ...(ex.grant ? { clientId: ex.grant.clientId, patientRef: ex.grant.patientRef } : {}),
    ...(ex.service ? { providerId: ex.service.providerName, serviceId: ex.service.serviceId } : {}),
    ...(ex.traceId === undefined ? {} : { traceId: ex.traceId }),
    ...(ex.sessionId === undefined ? {} : { sessionId: ex.sessionId }),
  });
}

/** Shared data naming another patient: refused per entry and raised as an alarm (house rule 5). */
function alarm(audit: AuditLog, ex: FhirExchange, resourceTypes: readonly string[]): void {
  recordCompartmentAlarms(audit, ex, resourceTypes, 'foreign_patient_in_shared_data');
  ex.log.warn({ refused: resourceTypes.length }, 'shared data names another patient: entries refused');
}
