import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AuditEvent, AuditLog } from '../observability/index.js';
import type { Logger } from '../observability/index.js';
import { contextOf } from '../observability/index.js';
import { setExchange, type FhirExchange } from './exchange.js';
import { parseTraceHeaders } from './trace-headers.js';

/** The TLS peer as gateway/tls describes it (structural: only the names are read here). */
export interface PeerNames {
  readonly hostnames: readonly string[];
  readonly fingerprintSha256: string;
}

export interface StartExchangeDeps {
  readonly peerOf: (req: Request) => PeerNames | undefined;
  readonly audit: AuditLog;
  readonly log: Logger;
}

/**
 * First step of every FHIR request: gives it an exchange (requestId, child logger), checks and
 * echoes the MedMij trace headers (digest §3, core.rscint.201), and arranges the ONE audit record
 * and access-log line written when the answer is finished (or the client went away). Neither
 * carries patient data beyond the EHR's patient reference in the audit record (house rule 6).
 */
export function startExchange(deps: StartExchangeDeps) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const context = contextOf(res);
    const requestId = context?.requestId ?? randomUUID();
    const peer = deps.peerOf(req);
    const trace = parseTraceHeaders((name) => req.get(name));
    const exchange: FhirExchange = {
      requestId,
      started: process.hrtime.bigint(),
      violations: [],
      // One child logger per request (pino serialises a child's bindings when it is made).
      log: deps.log.child({ requestId, listener: context?.listener, component: 'fhir', traceId: trace.traceId, sessionId: trace.sessionId }),
      ...(peer?.hostnames[0] === undefined ? {} : { peerHost: peer.hostnames[0] }),
    };
    setExchange(res, exchange);
    res.setHeader('Cache-Control', 'no-store'); // health data: never cached by intermediaries
    const received = { at: new Date().toISOString(), method: req.method, origin: originOf(req) };
    res.once('close', () => finish(deps, exchange, res, received));
    if (trace.traceId !== undefined) {
      exchange.traceId = trace.traceId;
      res.setHeader('MedMij-Request-ID', trace.traceId);
    }
    if (trace.sessionId !== undefined) exchange.sessionId = trace.sessionId;
    next();
  };
}

function outcomeOf(status: number): AuditEvent['outcome'] {
  if (status < 400) return 'success';
  return status === 401 || status === 403 ? 'refused' : 'failure';
}

/** Scheme and host as the client addressed us; a Host header of unusual shape is not repeated. */
function originOf(req: Request): string {
  const host = req.get('host') ?? '';
  return `${req.protocol}://${/^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/.test(host) ? host : 'localhost'}`;
}

/**
 * The request URI for the audit records: the base and resource type the pipeline resolved, never
 * the raw path or query (a read id or a search parameter can carry a BSN, house rule 6).
 */
function uriOf(origin: string, ex: FhirExchange): string {
  if (!ex.service) return `${origin}/`;
  return `${ex.service.url}${ex.request?.resourceType ? `/${ex.request.resourceType}` : ''}`;
}

/** 2xx/3xx: an answer; 4xx: the request was refused; 5xx or the client gone: we failed to answer. */
function answerTypeOf(status: number): AuditEvent['type'] {
  if (status < 400) return 'send_resource_response';
  return status < 499 ? 'send_resource_request_error' : 'send_resource_error_response';
}

function finish(deps: StartExchangeDeps, ex: FhirExchange, res: Response, received: { at: string; method: string; origin: string }): void {
  const status = res.writableFinished ? res.statusCode : 499;
  const resourceType = ex.request?.resourceType;
  const ids = {
    requestId: ex.requestId,
    ...(ex.sessionId === undefined ? {} : { sessionId: ex.sessionId }),
    ...(ex.traceId === undefined ? {} : { traceId: ex.traceId }),
    ...(ex.grant ? { clientId: ex.grant.clientId } : {}),
    ...(ex.peerHost === undefined ? {} : { peerHost: ex.peerHost }),
    ...(ex.service ? { providerId: ex.service.providerName, serviceId: ex.service.serviceId } : {}),
  };
  // MedMij's receive_resource_request, written with its answer so that it carries the provider
  // and service the pipeline resolved; occurredAt keeps the moment it arrived.
  deps.audit.record({ type: 'receive_resource_request', outcome: 'success', ...ids, method: received.method, uri: uriOf(received.origin, ex), occurredAt: received.at });
  const event: AuditEvent = {
    type: answerTypeOf(status),
    outcome: outcomeOf(status),
    status,
    requestId: ex.requestId,
    ...(ex.sessionId === undefined ? {} : { sessionId: ex.sessionId }),
    ...(ex.traceId === undefined ? {} : { traceId: ex.traceId }),
    ...(ex.grant ? { clientId: ex.grant.clientId, patientRef: ex.grant.patientRef } : {}),
    ...(ex.peerHost === undefined ? {} : { peerHost: ex.peerHost }),
    ...(ex.service ? { providerId: ex.service.providerName, serviceId: ex.service.serviceId } : {}),
    ...(resourceType === undefined ? {} : { resourceType }),
    ...(ex.count === undefined ? {} : { count: ex.count }),
    ...(status >= 400 && ex.reason !== undefined ? { reason: ex.reason } : {}),
  };
  deps.audit.record(event);
  const line = {
    status,
    ms: Math.round(Number(process.hrtime.bigint() - ex.started) / 1e6),
    provider: ex.service?.providerName,
    service: ex.service?.serviceId,
    interaction: ex.request?.interaction,
    resourceType,
    count: ex.count,
    reason: status >= 400 ? ex.reason : undefined,
  };
  // One log line per request: the FHIR fields go into the request's access line when there is one.
  const context = contextOf(res);
  if (context) context.annotate({ component: 'fhir', ...line });
  else ex.log.info(line, 'fhir request');
}
