import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AuditEvent, AuditLog } from '../observability/index.js';
import type { Logger } from '../observability/index.js';
import { bindNew, contextOf, labelRoute } from '../observability/index.js';
import { setExchange, type FhirExchange } from './exchange.js';
import { parseTraceHeaders } from './trace-headers.js';
import { fhirRouteLabel } from './route-label.js';

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
    const exchange: FhirExchange = {
      requestId,
      started: process.hrtime.bigint(),
      violations: [],
      log: context ? context.log.child({ component: 'fhir' }) : deps.log.child({ requestId, component: 'fhir' }),
      ...(peer?.hostnames[0] === undefined ? {} : { peerHost: peer.hostnames[0] }),
    };
    setExchange(res, exchange);
    res.setHeader('Cache-Control', 'no-store'); // health data: never cached by intermediaries
    res.once('close', () => finish(deps, exchange, res));
    const trace = parseTraceHeaders((name) => req.get(name));
    if (trace.traceId !== undefined) {
      exchange.traceId = trace.traceId;
      res.setHeader('MedMij-Request-ID', trace.traceId);
    }
    if (trace.sessionId !== undefined) exchange.sessionId = trace.sessionId;
    exchange.log = bindNew(exchange.log, { traceId: trace.traceId, sessionId: trace.sessionId });
    labelRoute(res, () => fhirRouteLabel(exchange));
    next();
  };
}

function outcomeOf(status: number): AuditEvent['outcome'] {
  if (status < 400) return 'success';
  return status === 401 || status === 403 ? 'refused' : 'failure';
}

function finish(deps: StartExchangeDeps, ex: FhirExchange, res: Response): void {
  const status = res.writableFinished ? res.statusCode : 499;
  const resourceType = ex.request?.resourceType;
  const event: AuditEvent = {
    type: status < 400 ? 'send_resource_response' : 'resource_request_error',
    outcome: outcomeOf(status),
    status,
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
  ex.log.info(
    {
      status,
      ms: Math.round(Number(process.hrtime.bigint() - ex.started) / 1e6),
      provider: ex.service?.providerName,
      service: ex.service?.serviceId,
      interaction: ex.request?.interaction,
      resourceType,
      count: ex.count,
      reason: status >= 400 ? ex.reason : undefined,
    },
    'fhir request',
  );
}
