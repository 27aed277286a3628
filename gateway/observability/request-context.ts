import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from './logger.js';
import type { GatewayMetrics } from './metrics.js';
import { parseTraceId } from './trace-id.js';

export type ListenerName = 'node' | 'patient';

export interface RequestContext {
  /** Our own id for this request: in every log line and in 5xx answers. */
  readonly requestId: string;
  /** MedMij-Request-ID (the trace id), when the caller sent a well-formed one. */
  readonly traceId?: string;
  /** X-Correlation-ID (the session id), when the caller sent a well-formed one. */
  readonly sessionId?: string;
  readonly listener: ListenerName;
  /** A logger bound to this request's ids (made on first use). */
  readonly log: Logger;
  /**
   * Adds fields to this request's one access-log line (written when the answer is finished), so
   * a layer with more to say (FHIR: provider, service, interaction, count) need not write a line
   * of its own. Later fields win. No patient data (house rule 6).
   */
  annotate(fields: Readonly<Record<string, unknown>>): void;
}


const CONTEXT = Symbol('requestContext');

/** The status logged for a request whose client went away before the answer was sent (nginx's 499). */
const CLIENT_CLOSED = 499;

/** Label children of the duration histogram, kept per route and status (bounded: see routeLabel). */
const MAX_CACHED_LABELS = 512;

/**
 * One request's context. The child logger is made only when something asks for it: pino
 * serialises a child's bindings when it is made, which is wasted on the many requests whose only
 * line is the access line (written from the parent logger with the same fields).
 */
class LiveRequestContext implements RequestContext {
  readonly requestId: string = randomUUID();
  readonly traceId?: string;
  readonly sessionId?: string;
  readonly started = performance.now();
  fields: Record<string, unknown> | undefined;
  #log: Logger | undefined;

  constructor(
    readonly listener: ListenerName,
    private readonly parentLog: Logger,
    traceId: string | undefined,
    sessionId: string | undefined,
  ) {
    if (traceId !== undefined) this.traceId = traceId;
    if (sessionId !== undefined) this.sessionId = sessionId;
  }

  get log(): Logger {
    this.#log ??= this.parentLog.child(this.ids());
    return this.#log;
  }

  annotate(fields: Readonly<Record<string, unknown>>): void {
    this.fields = this.fields ? { ...this.fields, ...fields } : { ...fields };
  }

  ids(): Record<string, unknown> {
    return { requestId: this.requestId, listener: this.listener, traceId: this.traceId, sessionId: this.sessionId };
  }

  writeAccessLine(method: string, route: string, status: number, ms: number): void {
    this.parentLog.info({ ...this.ids(), method, route, status, ms, ...this.fields }, 'request');
  }
}

/**
 * First middleware on each listener: gives the request an id, reads the MedMij correlation
 * headers, and writes the request's one access-log line and its duration metric when the answer
 * is finished or abandoned. The route label is the matched Express route (bounded), never the raw URL (which
 * may carry ids).
 */
export function requestContext(listener: ListenerName, log: Logger, metrics?: GatewayMetrics) {
  const durations = new Map<string, { observe(seconds: number): void }>();
  const observe = (route: string, status: number, seconds: number) => {
    if (!metrics) return;
    const key = `${status} ${route}`;
    let child = durations.get(key);
    if (!child) {
      child = metrics.httpDuration.labels({ listener, route, status: String(status) });
      if (durations.size < MAX_CACHED_LABELS) durations.set(key, child);
    }
    child.observe(seconds);
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    const context = startRequestContext(req, listener, log);
    (res.locals as Record<symbol, RequestContext>)[CONTEXT] = context;
    if (context.traceId) res.setHeader('MedMij-Request-ID', context.traceId);
    // On 'close' (answered or abandoned), after every other 'close' listener of this response has
    // run: the line is written from a microtask, so a layer that annotates on close is in it.
    res.once('close', () =>
      queueMicrotask(() => {
        const ms = performance.now() - context.started;
        const route = routeLabel(req);
        const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED;
        observe(route, status, ms / 1000);
        context.writeAccessLine(req.method, route, status, Math.round(ms));
      }),
    );
    next();
  };
}

function startRequestContext(req: IncomingMessage, listener: ListenerName, log: Logger): LiveRequestContext {
  // node:http gives header names in lower case; a repeated custom header arrives joined with ", ",
  // which the id shape refuses.
  return new LiveRequestContext(listener, log, parseTraceId(req.headers['medmij-request-id']), parseTraceId(req.headers['x-correlation-id']));
}

export function contextOf(res: Response): RequestContext | undefined {
  return (res.locals as Record<symbol, RequestContext | undefined>)[CONTEXT];
}

function routeLabel(req: Request): string {
  const route = (req as Request & { route?: { path?: unknown } }).route?.path;
  const base = req.baseUrl || '';
  if (typeof route === 'string') return `${base}${route}`;
  // Unmatched or handled outside Express routing (oidc-provider): keep only the first segment.
  const first = req.path.split('/')[1] ?? '';
  return `/${first.replace(/[^a-z0-9._-]/gi, '').slice(0, 32)}`;
}
