import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditLog, Logger, RequestContext } from '../observability/index.js';
import { closedStatus, deferredLogger, isoNow, labelRoute } from '../observability/index.js';
import { accessFields, handle, recordRequest, type Answer, type CoreContext, type CorePeer, type RequestRecord } from './core/index.js';
import { createDeadline } from './deadline.js';
import { buildCoreRequest } from './edge-request.js';
import { findBase, type BasePath, type ServiceDirectory } from './resolve-base.js';
import { fhirRouteLabel } from './route-label.js';
import { writeAnswer } from './write-answer.js';

export interface ServeDeps {
  readonly core: CoreContext;
  readonly directory: ServiceDirectory;
  readonly audit: AuditLog;
  /** The FHIR component's logger, for requests without a request context. */
  readonly log: Logger;
  /** gateway/tls `peerOf`: the checked TLS peer of the request. */
  readonly peerOf: (req: IncomingMessage) => CorePeer | undefined;
}

/** The configured base a path belongs to, or undefined (the core answers 404). */
export function lookupBase(directory: ServiceDirectory, pathname: string): BasePath | undefined {
  return findBase(directory, pathname);
}

/** Scheme and host as the client addressed us; a Host header of unusual shape is not repeated. */
function originOf(req: IncomingMessage): string {
  const host = req.headers.host ?? '';
  const scheme = (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
  return `${scheme}://${/^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/.test(host) ? host : 'localhost'}`;
}

/**
 * One FHIR request from either edge: build the typed request, call the core, write its answer,
 * and when the answer is finished (or the client went away) write the two audit records and put
 * the FHIR fields into the request's one access-log line. The deadline is made here, once; a
 * client that goes away aborts it, and the records of that request are written when the core
 * has stopped, with status 499.
 */
export function serveFhir(deps: ServeDeps, req: IncomingMessage, res: ServerResponse, context: RequestContext | undefined, base: BasePath | undefined, rawQuery: string): Promise<void> {
  const requestId = context?.requestId ?? randomUUID();
  // The moment it arrived, to the millisecond (the audit's occurredAt): the logger's per-millisecond text.
  const received = { at: isoNow(), origin: originOf(req) };
  // The child logger is made only when something logs: most requests write only the access line.
  const log = deferredLogger(() => (context ? context.log.child({ component: 'fhir' }) : deps.log.child({ requestId })));
  const logOf = (): Logger => log;
  const deadline = base ? createDeadline(base.service.timeoutMs) : undefined;
  const request = buildCoreRequest(req, { requestId, base, rawQuery, peer: deps.peerOf(req), signal: deadline?.signal, log });
  let sent: Answer | undefined;
  // Until the answer is known the record says what the edge knew (a client gone mid-request).
  const early: RequestRecord = { requestId, method: request.method, ...(base ? { service: base.service } : {}), route: fhirRouteLabel(base?.service, base?.rest, undefined) };
  labelRoute(res, () => (sent?.record ?? early).route);
  // Set when the client went away before the core had answered: the audit records wait for it.
  let abandonedStatus: number | undefined;
  // When the response closes: abort what still runs when the client went away, then record.
  const end = (status: number, finished: boolean): Record<string, unknown> => {
    if (!finished) deadline?.clientGone();
    const record = sent?.record ?? early;
    if (sent === undefined && !finished) {
      // The abort ends the core's work at once (withDeadline); its record then says all the core
      // had learnt (trace and session ids, client, interaction), not only what the edge knew.
      abandonedStatus = status;
    } else {
      recordRequest(deps.audit, record, status, received);
    }
    return accessFields(record, status);
  };
  // With a request context, in its one 'close' listener, whose access line gets the FHIR fields;
  // without one (a caller that made none), a listener of its own and a line of its own.
  if (context) {
    context.atEnd(end);
  } else {
    res.once('close', () => {
      const status = closedStatus(res);
      log.info({ status, ...end(status, res.writableFinished) }, 'fhir request');
    });
  }
  return handle(request, deps.core).then((answer) => {
    sent = answer;
    if (abandonedStatus !== undefined) {
      recordRequest(deps.audit, answer.record, abandonedStatus, received);
      deadline?.dispose();
      return;
    }
    let written: Answer | Promise<Answer>;
    try {
      written = writeAnswer(req, res, answer, logOf);
    } catch (err) {
      deadline?.dispose();
      throw err;
    }
    if (!(written instanceof Promise)) {
      sent = written;
      deadline?.dispose();
      return;
    }
    // A streamed document runs under the deadline until its last byte.
    return written.then(
      (final) => {
        sent = final;
        deadline?.dispose();
      },
      (err: unknown) => {
        deadline?.dispose();
        throw err;
      },
    );
  });
}
