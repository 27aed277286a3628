import type * as fhir3 from 'fhir/r3';
import type { Resource } from '../../../adapters/types.js';
import type { GrantContext } from '../../oauth/index.js';
import { authenticateBearer } from '../authenticate.js';
import { buildCapabilityStatement } from '../capability-statement.js';
import { recordCompartmentAlarms } from '../compartment-alarm.js';
import type { CompartmentViolation } from '../compartment.js';
import { dispatchBinaryRead, dispatchRead, dispatchSearch, type AdapterCall } from '../dispatch.js';
import type { FhirExchange, ServiceBase } from '../exchange.js';
import { negotiateBinaryFormat, negotiateFormat, type BinaryFormat, type FhirFormat } from '../format.js';
import { FhirError } from '../outcome.js';
import { authorizeService, decideAccess, type AccessDecision } from '../policy.js';
import { parseFhirRequest, type FhirRequest } from '../request.js';
import { NO_HEADERS, respondRead, respondSearch, type Rendered } from '../respond.js';
import { fhirRouteLabel } from '../route-label.js';
import { streamBinary } from '../stream-binary.js';
import { parseTraceHeaders } from '../trace-headers.js';
import { answerError } from './answer-error.js';
import type { CoreContext, ServiceSetup } from './context.js';
import { formatParamOf } from './query-format.js';
import { serializeResource } from './serialize.js';
import type { Answer, AnswerBody, CoreRequest, CoreResource, RequestRecord } from './types.js';
import { callReceiveWrite } from './write-call.js';

/** Every FHIR answer: health data is never cached by intermediaries. */
const NO_STORE = { 'Cache-Control': 'no-store' } as const;

/**
 * The FHIR resource server without a framework: one typed request in, one answer out; never
 * throws (every error is answered by answer-error.ts). Read top to bottom, the steps below are
 * the request walk-through (STYLE.md §6.3; README "A request, step by step"). Each step returns
 * its typed value to the next; what the audit record and the access line need comes back in
 * `answer.record`.
 */
export async function handle(request: CoreRequest, context: CoreContext): Promise<Answer> {
  const head = request.method === 'HEAD';
  const service = request.base?.service;
  // What is known so far, for the record of a refusal at any step: one object per request,
  // filled in as the steps learn more (issue 14: a spread copy per step was a visible share of
  // the pipeline's own time). It becomes the answer's record.
  const known: WorkingRecord = { requestId: request.requestId, method: request.method, route: fhirRouteLabel(service, request.base?.rest, undefined) };
  const peerHost = request.peer?.hostnames[0];
  if (peerHost !== undefined) known.peerHost = peerHost;
  if (service) known.service = service;
  let fhirRequest: FhirRequest | undefined;
  try {
    const trace = parseTraceHeaders(request.headers); //                  MedMij-Request-ID / X-Correlation-ID; 400
    if (trace.traceId !== undefined) known.traceId = trace.traceId;
    if (trace.sessionId !== undefined) known.sessionId = trace.sessionId;
    if (!request.base) throw new FhirError(404, 'not-found', 'no FHIR base at this address', { reason: 'unknown_base' });
    const setup = context.setupOf(request.base.service);
    const { rest } = request.base;
    if (rest.length === 1 && rest[0] === 'metadata') return serveMetadata(request, context, setup, known, head); // no token
    const grant = await authenticate(request, context, rest); //         Bearer header only; 401/400 + WWW-Authenticate
    known.grant = grant;
    authorizeBase(grant, setup.service); //                               the grant covers this provider and service; 403
    // The exchange (what the write path and the compartment alarm record) is made when one needs it.
    let exchange: FhirExchange | undefined;
    const exchangeOf = (): FhirExchange => (exchange ??= exchangeFor(request, known, grant, setup.service));
    if (isWrite(request.method, rest)) return await write(request, context, setup, exchangeOf(), known); // Delen POST {base} or {base}/{type}
    fhirRequest = parseFhirRequest({ method: request.method, segments: rest, rawQuery: request.rawQuery }, setup.service.fhirVersion); // 400/405
    known.interaction = fhirRequest.interaction;
    known.resourceType = fhirRequest.resourceType;
    known.route = fhirRouteLabel(setup.service, rest, fhirRequest);
    const format = negotiate(request, fhirRequest, setup.service); //     JSON or XML (or raw Binary); 406
    const decision = decideAccess({ grant, service: setup.access, request: fhirRequest }); // the one access decision: template, patient, post-check; 400
    const violations: CompartmentViolation[] = [];
    const call: AdapterCall = {
      requestId: request.requestId,
      log: request.log, // a deferred logger: made only if something logs
      signal: request.signal,
      patientRef: grant.patientRef,
      onViolation: (v) => violations.push(...v),
    };
    if (fhirRequest.interaction === 'read' && fhirRequest.resourceType === 'Binary' && format === 'raw' && setup.adapter.streamBinary) {
      return streamDocument(call, setup, fhirRequest.id, known, exchangeOf, violations, context, head); // piped by the edge; 404
    }
    let rendered: Rendered;
    try {
      rendered = await fetchAndRender(call, setup, context, fhirRequest, decision, format, violations); // adapter under the deadline; post-check; Bundle/resource
    } finally {
      raiseAlarm(context, exchangeOf, violations); // also when the read then ends in a 404
    }
    known.count = rendered.count;
    return { status: rendered.status, headers: rendered.headers === NO_HEADERS ? NO_STORE : { ...NO_STORE, ...rendered.headers }, body: rendered.body, head, record: known };
  } catch (err) {
    return answerError(
      err,
      { accept: request.headers.accept, formatParam: fhirRequest?.format ?? formatParamOf(request.rawQuery), fhirVersion: service?.fhirVersion ?? 'STU3', head, log: request.log },
      known,
    );
  }
}

/** The request's record while the steps fill it in (core/types.ts RequestRecord, writable). */
type WorkingRecord = { -readonly [K in keyof RequestRecord]: RequestRecord[K] };

function serveMetadata(request: CoreRequest, context: CoreContext, setup: ServiceSetup, known: WorkingRecord, head: boolean): Answer {
  if (request.method !== 'GET' && request.method !== 'HEAD') throw new FhirError(405, 'not-supported', 'only GET is supported', { headers: { Allow: 'GET, HEAD' } });
  const { service } = setup;
  const format = negotiateFormat(request.headers.accept, formatParamOf(request.rawQuery), service.fhirVersion);
  return {
    status: 200,
    headers: NO_STORE,
    body: capabilityBody(setup, context.startedAt, format),
    head,
    record: Object.assign(known, { interaction: 'metadata', count: 1 } as const),
  };
}

/**
 * The CapabilityStatement of a service depends only on its configuration and the core's start:
 * built and serialised once per service and format, not per request (it was 3 % of a metadata
 * answer's CPU in the bench's profile, plus its serialisation).
 */
const CAPABILITY_BODIES = new WeakMap<ServiceSetup, Map<FhirFormat, AnswerBody>>();

function capabilityBody(setup: ServiceSetup, startedAt: string, format: FhirFormat): AnswerBody {
  let byFormat = CAPABILITY_BODIES.get(setup);
  if (!byFormat) CAPABILITY_BODIES.set(setup, (byFormat = new Map()));
  let body = byFormat.get(format);
  if (!body) {
    const { service } = setup;
    const resource = buildCapabilityStatement(service, setup.catalogue, setup.readable, startedAt) as unknown as fhir3.CapabilityStatement;
    let serialized: string | undefined;
    try {
      serialized = serializeResource(resource, format, service.fhirVersion);
    } catch {
      serialized = undefined; // the edge serialises it per answer and answers its own error (write-answer.ts)
    }
    body = { kind: 'resource', resource, format, fhirVersion: service.fhirVersion, ...(serialized === undefined ? {} : { serialized }) };
    byFormat.set(format, body);
  }
  return body;
}

function authenticate(request: CoreRequest, context: CoreContext, rest: readonly string[]): Promise<GrantContext> {
  return authenticateBearer(
    {
      authorization: request.headers.authorization,
      tokenInQuery: /(^|&)access_token(=|&|$)/.test(request.rawQuery),
      // Only a Delen POST to the base carries a body (write/receive-write.ts).
      hasBody: !isWrite(request.method, rest) && request.headers.hasBody,
      peer: request.peer,
    },
    { verifier: context.verifier, requireCertificateBinding: context.requireCertificateBinding },
  );
}

function authorizeBase(grant: GrantContext, service: ServiceBase): void {
  // The token's scope names the provider and the granted data services (digest §2, §3); before
  // the Delen write path, which needs no query decision. decideAccess checks it again.
  authorizeService(grant, service);
}

/** Delen: a POST to the base (a batch/transaction Bundle) or to `{base}/{type}` (a plain create; write/receive-write.ts). */
function isWrite(method: string, rest: readonly string[]): boolean {
  return method === 'POST' && (rest.length === 0 || (rest.length === 1 && /^[A-Z][A-Za-z]{1,63}$/.test(rest[0]!)));
}

function exchangeFor(request: CoreRequest, known: WorkingRecord, grant: GrantContext, service: ServiceBase): FhirExchange {
  return {
    requestId: request.requestId,
    log: request.log,
    ...(known.traceId === undefined ? {} : { traceId: known.traceId }),
    ...(known.sessionId === undefined ? {} : { sessionId: known.sessionId }),
    ...(known.peerHost === undefined ? {} : { peerHost: known.peerHost }),
    service,
    grant,
  };
}

async function write(request: CoreRequest, context: CoreContext, setup: ServiceSetup, exchange: FhirExchange, known: WorkingRecord): Promise<Answer> {
  const answer = await callReceiveWrite(request, exchange, setup, request.base?.rest ?? [], { audit: context.audit, ...(context.store ? { store: context.store } : {}) });
  return {
    status: answer.status,
    headers: { ...NO_STORE, ...answer.headers },
    // The write path's OperationOutcome is its own read-only shape of the same resource.
    body: { kind: 'resource', resource: answer.resource as unknown as CoreResource, format: answer.format, fhirVersion: setup.service.fhirVersion },
    head: false,
    record: { ...known, interaction: 'write', ...(exchange.count === undefined ? {} : { count: exchange.count }), ...(exchange.reason === undefined ? {} : { reason: exchange.reason }) },
  };
}

function negotiate(request: CoreRequest, fhirRequest: FhirRequest, service: ServiceBase): BinaryFormat {
  return fhirRequest.interaction === 'read' && fhirRequest.resourceType === 'Binary'
    ? negotiateBinaryFormat(request.headers.accept, fhirRequest.format, service.fhirVersion)
    : negotiateFormat(request.headers.accept, fhirRequest.format, service.fhirVersion);
}

/**
 * The adapter for the token's patient under the request's deadline (Binary: binary-access.ts),
 * then the access decision's post-check on the final answer (compartment and BSN masking in one
 * walk; the adapter guard is the other place of the compartment rule), then the Bundle or the
 * resource. A search of more than one page is stored once and paged from the store.
 */
async function fetchAndRender(
  call: AdapterCall,
  setup: ServiceSetup,
  context: CoreContext,
  fhirRequest: FhirRequest,
  decision: AccessDecision,
  format: BinaryFormat,
  violations: CompartmentViolation[],
): Promise<Rendered> {
  const { service, adapter } = setup;
  if (fhirRequest.interaction === 'search-type' && decision.kind === 'search') {
    const paging = context.store ? { store: context.store, ttlMs: context.searchPagesTtlMs ?? 300_000, owner: decision.owner } : undefined;
    const outcome = await dispatchSearch(call, service, adapter, fhirRequest, paging);
    const { answer, violations: dropped } = decision.postCheck(outcome);
    violations.push(...dropped);
    return respondSearch(service, fhirRequest, answer, format === 'xml' ? 'xml' : 'json');
  }
  if (fhirRequest.interaction !== 'read' || decision.kind !== 'read') throw new Error('pipeline order: the request does not fit the access decision');
  const read: Resource | undefined =
    fhirRequest.resourceType === 'Binary'
      ? await dispatchBinaryRead(call, service, adapter, fhirRequest.id, setup.documentIndexes)
      : await dispatchRead(call, service, adapter, fhirRequest);
  const { answer, violations: dropped } = decision.postCheck(read);
  violations.push(...dropped);
  return respondRead(service, fhirRequest, answer, format);
}

function streamDocument(
  call: AdapterCall,
  setup: ServiceSetup,
  id: string,
  answerRecord: WorkingRecord,
  exchange: () => FhirExchange,
  violations: CompartmentViolation[],
  context: CoreContext,
  head: boolean,
): Answer {
  return {
    status: 200,
    headers: NO_STORE,
    body: {
      kind: 'stream',
      pipe: async (target) => {
        try {
          await streamBinary(call, target, setup.service, setup.adapter, id, setup.documentIndexes);
          answerRecord.count = 1;
        } finally {
          raiseAlarm(context, exchange, violations);
        }
      },
    },
    head,
    record: answerRecord,
  };
}

/** A resource of another patient reached the gateway: never served, always an alarm (house rule 5). */
function raiseAlarm(context: CoreContext, exchangeOf: () => FhirExchange, violations: readonly CompartmentViolation[]): void {
  if (violations.length === 0) return;
  const exchange = exchangeOf();
  recordCompartmentAlarms(context.audit, exchange, violations.map((v) => v.resourceType), 'foreign_patient_resource');
  exchange.log.warn({ dropped: violations.length, adapter: exchange.service?.adapterId }, 'compartment violation: resources of another patient dropped');
}
