import type { AuditEvent, AuditLog } from '../../observability/index.js';
import type { Mutable } from '../mutable.js';
import type { RequestRecord } from './types.js';

/** When and how the request arrived, taken by the edge before any work. */
export interface Received {
  readonly at: string;
  /** Scheme and host as the client addressed us (validated shape, else `localhost`). */
  readonly origin: string;
}

function outcomeOf(status: number): AuditEvent['outcome'] {
  if (status < 400) return 'success';
  return status === 401 || status === 403 ? 'refused' : 'failure';
}

/** 2xx/3xx: an answer; 4xx: the request was refused; 5xx or the client gone: we failed to answer. */
function answerTypeOf(status: number): AuditEvent['type'] {
  if (status < 400) return 'send_resource_response';
  return status < 499 ? 'send_resource_request_error' : 'send_resource_error_response';
}

/**
 * The request URI for the audit records: the base and resource type the pipeline resolved, never
 * the raw path or query (a read id or a search parameter can carry a BSN, house rule 6).
 */
function uriOf(origin: string, record: RequestRecord): string {
  if (!record.service) return `${origin}/`;
  return `${record.service.url}${record.resourceType ? `/${record.resourceType}` : ''}`;
}

/**
 * The two audit records of one FHIR request, written when its answer is finished (or the client
 * went away): MedMij's receive_resource_request, written with its answer so that it carries the
 * provider and service the pipeline resolved (occurredAt keeps the moment it arrived), and the
 * answer's own record. No patient data beyond the EHR's patient reference (house rule 6).
 */
export function recordRequest(audit: AuditLog, record: RequestRecord, status: number, received: Received): void {
  // Each record built in place, fields only when known (no spread copies: two per FHIR request).
  const request: Mutable<AuditEvent> = { type: 'receive_resource_request', outcome: 'success' };
  const answer: Mutable<AuditEvent> = { type: answerTypeOf(status), outcome: outcomeOf(status), status };
  for (const event of [request, answer]) {
    event.requestId = record.requestId;
    if (record.sessionId !== undefined) event.sessionId = record.sessionId;
    if (record.traceId !== undefined) event.traceId = record.traceId;
    if (record.grant) event.clientId = record.grant.clientId;
    if (record.peerHost !== undefined) event.peerHost = record.peerHost;
    if (record.service) {
      event.providerId = record.service.providerName;
      event.serviceId = record.service.serviceId;
    }
  }
  request.method = record.method;
  request.uri = uriOf(received.origin, record);
  request.occurredAt = received.at;
  if (record.grant) answer.patientRef = record.grant.patientRef;
  if (record.resourceType !== undefined) answer.resourceType = record.resourceType;
  if (record.count !== undefined) answer.count = record.count;
  if (status >= 400 && record.reason !== undefined) answer.reason = record.reason;
  audit.record(request);
  audit.record(answer);
}

/** The FHIR fields of the request's one access-log line (no patient data). */
export function accessFields(record: RequestRecord, status: number): Record<string, unknown> {
  return {
    component: 'fhir',
    provider: record.service?.providerName,
    service: record.service?.serviceId,
    interaction: record.interaction === 'metadata' || record.interaction === 'write' ? undefined : record.interaction,
    resourceType: record.resourceType,
    count: record.count,
    reason: status >= 400 ? record.reason : undefined,
  };
}
