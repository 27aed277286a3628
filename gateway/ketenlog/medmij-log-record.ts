/**
 * @module The MedMij log record (Logging interface, afsprakenstelsel 2.2.4B) derived from one
 * audit event. The field list follows the government PGO's public implementation
 * (minvws/nl-mgo-dvp-proxy, app/medmij_logging/schemas.py), because the normative table could not
 * be read: `event` {type, location, datetime, session_id, trace_id}, `request` {id, method,
 * client_id, server_id, uri (+ grant_type, initiated_by on token requests; provider_id, service_id
 * on resource requests)}, `response` {id, status}, `error` {code, description, request_id?, status?}.
 *
 * Only identifiers of the exchange travel: never the BSN, the EHR's patient reference, names,
 * resource types, counts or contents, nor a query string.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEvent, MedMijEventType } from '../observability/index.js';

export interface MedMijLogEvent {
  readonly type: MedMijEventType;
  /** Our own host name (the DVA node). */
  readonly location: string;
  /** ISO 8601 with the offset of the Dutch clock (MedMij's examples: +01:00 / +02:00). */
  readonly datetime: string;
  /** X-Correlation-ID. */
  readonly session_id: string;
  /** MedMij-Request-ID. */
  readonly trace_id: string;
}

export interface MedMijLogRequest {
  readonly id: string;
  readonly method: string;
  readonly client_id: string;
  /** Host name of the peer. */
  readonly server_id: string;
  readonly uri: string;
  readonly grant_type?: 'authorization_code' | 'refresh_token';
  readonly initiated_by?: 'person';
  readonly provider_id?: string;
  readonly service_id?: string;
}

export interface MedMijLogResponse {
  readonly id: string;
  readonly status: number;
}

export interface MedMijLogError {
  /** The OAuth error code, else `other`. */
  readonly code: string;
  readonly description: string;
  readonly request_id?: string;
  readonly status?: number;
}

export interface MedMijLogRecord {
  readonly event: MedMijLogEvent;
  readonly request?: MedMijLogRequest;
  readonly response?: MedMijLogResponse;
  readonly error?: MedMijLogError;
}

/** Which blocks each event carries: a request received, an answer sent, an error, or the event alone. */
export type RecordShape = 'request' | 'response' | 'error' | 'error_response' | 'event';

export const RECORD_SHAPES: Readonly<Record<MedMijEventType, RecordShape>> = {
  receive_authorization_request: 'request',
  show_landing_page: 'event',
  authorization_request_error: 'error',
  show_authorization_request_error_page: 'event',
  send_authorization_request_error: 'error',
  send_authentication_request: 'event',
  send_authorization_cancellation: 'event',
  receive_authentication_response: 'event',
  receive_authorization_cancellation: 'event',
  receive_authentication_error: 'error',
  send_artifact_resolution_request: 'event',
  receive_artifact_resolution_response: 'event',
  show_consent_page: 'event',
  show_confirmation_page: 'event',
  send_authorization_response: 'event',
  receive_token_request: 'request',
  send_token_response: 'response',
  send_token_request_error: 'error',
  receive_resource_request: 'request',
  send_resource_response: 'response',
  send_resource_request_error: 'error',
  send_resource_error_response: 'error_response',
};

/** OAuth 2.0 error codes (RFC 6749 §4.1.2.1, §5.2) pass as the code; anything else is `other`. */
const OAUTH_ERRORS = new Set([
  'invalid_request',
  'unauthorized_client',
  'access_denied',
  'unsupported_response_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
  'invalid_client',
  'invalid_grant',
  'unsupported_grant_type',
  'invalid_token',
  'insufficient_scope',
]);

/** Stable, content-free descriptions: a reason code of ours, never free text that could hold input. */
const SAFE_TEXT = /^[a-z0-9_]{1,64}$/;

export interface RecordContext {
  readonly location: string;
  readonly now: () => Date;
}

export function toMedMijLogRecord(type: MedMijEventType, e: AuditEvent, ctx: RecordContext): MedMijLogRecord {
  const when = e.occurredAt === undefined ? ctx.now() : new Date(e.occurredAt);
  const traceId = e.traceId ?? e.requestId ?? randomUUID();
  const event: MedMijLogEvent = {
    type,
    location: ctx.location,
    datetime: withDutchOffset(when),
    // MedMij requires both ids; a request that came without X-Correlation-ID is its own session.
    session_id: e.sessionId ?? traceId,
    trace_id: traceId,
  };
  const requestId = e.requestId ?? traceId;
  const shape = RECORD_SHAPES[type];
  if (shape === 'event') return { event };
  if (shape === 'request') return { event, request: requestBlock(type, e, requestId, ctx.location) };
  if (shape === 'response') return { event, response: { id: requestId, status: e.status ?? 200 } };
  const error = errorBlock(e, requestId);
  return shape === 'error' ? { event, error } : { event, error: { code: error.code, description: error.description }, response: { id: requestId, status: e.status ?? 500 } };
}

function requestBlock(type: MedMijEventType, e: AuditEvent, id: string, location: string): MedMijLogRequest {
  const peer = e.peerHost?.split(',')[0] ?? e.clientId ?? location;
  const base = { id, method: (e.method ?? 'GET').toLowerCase(), client_id: e.clientId ?? peer, server_id: peer, uri: safeUri(e.uri, location) };
  if (type === 'receive_token_request') {
    const g = e.grantType;
    const grant: Pick<MedMijLogRequest, 'grant_type'> = g === 'authorization_code' || g === 'refresh_token' ? { grant_type: g } : {};
    return { ...base, ...grant, initiated_by: 'person' };
  }
  if (type === 'receive_resource_request') {
    return { ...base, ...(e.providerId ? { provider_id: e.providerId } : {}), ...(e.serviceId ? { service_id: e.serviceId } : {}) };
  }
  return base;
}

/**
 * The request URI as MedMij may see it: never the query string (search parameters, OAuth state),
 * and never a Host header we did not vet (the client sends it): an unusual host becomes our own.
 * The path keeps only URL-safe characters, so no record is one the log API would refuse.
 */
function safeUri(uri: string | undefined, location: string): string {
  const m = /^(https?):\/\/([^/?#]*)([^?#]*)/.exec(uri ?? '');
  const host = m?.[2] !== undefined && /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/.test(m[2]) ? m[2] : location;
  const path = (m?.[3] || '/').replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/g, (c) => encodeURIComponent(c));
  return `${m?.[1] ?? 'https'}://${host}${path}`;
}

function errorBlock(e: AuditEvent, requestId: string): MedMijLogError {
  const oauth = [e.oauthError, e.reason].find((c) => c !== undefined && OAUTH_ERRORS.has(c));
  const code = oauth ?? 'other';
  // Only our stable reason code, never `detail`: free text may hold input (house rule 6).
  const description = e.reason !== undefined && SAFE_TEXT.test(e.reason) ? e.reason : 'error';
  return { code, description, request_id: requestId, ...(e.status === undefined ? {} : { status: e.status }) };
}

/**
 * ISO 8601 in Europe/Amsterdam time with its offset, e.g. 2026-12-01T22:15:03.120+01:00, as in
 * MedMij's example log lines (the government PGO writes +01:00 likewise).
 */
export function withDutchOffset(d: Date): string {
  const parts = Object.fromEntries(DUTCH_CLOCK.formatToParts(d).map((p) => [p.type, p.value])) as Record<string, string>;
  const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  const offsetMin = Math.round((local - Math.floor(d.getTime() / 1000) * 1000) / 60_000);
  const sign = offsetMin >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMin);
  const ms = String(d.getUTCMilliseconds()).padStart(3, '0');
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}.${ms}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Built once: constructing an Intl.DateTimeFormat costs far more than formatting with one. */
const DUTCH_CLOCK = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Amsterdam',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});
