import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { directLineWriter, type LineWriter, type Logger } from './logger.js';
import type { GatewayMetrics } from './metrics.js';
import { parseTraceId } from './trace-id.js';
import { stageHeader } from '../staged-head-response.js';

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
   * Hands the end of the request to the layer that knows most about it (FHIR: provider, service,
   * interaction, count): when the response closes, `hook` runs first, in the same 'close'
   * listener that then writes the request's one access-log line, and the fields it returns are
   * in that line. One hook per request (a second replaces the first); no patient data (house rule 6).
   */
  atEnd(hook: EndHook): void;
}

/** What closes a request: `finished` is false when the client went away first (status 499). */
export type EndHook = (status: number, finished: boolean) => Readonly<Record<string, unknown>> | undefined;


// Kept on the response itself (not Express's res.locals): the lean FHIR edge has no Express.
// Symbol-keyed properties, not WeakMaps: a WeakMap entry per young response is an ephemeron the
// collector must treat specially on every scavenge (issue 14: visible in the FHIR search's profile).
const CONTEXT = Symbol('medmij.requestContext');
const ROUTE_LABEL = Symbol('medmij.routeLabel');
type TrackedResponse = ServerResponse & { [CONTEXT]?: RequestContext; [ROUTE_LABEL]?: () => string | undefined };

/**
 * Lets the protocol code that knows what a request was (FHIR: provider, data service, interaction
 * and resource type) name its metric/log route, read when the response finishes. Express's own
 * matched route is too coarse for the FHIR listener (every request was `/demoziekenhuis`, so no
 * latency per data service). The label must be built from validated, bounded values only.
 */
export function labelRoute(res: ServerResponse, label: () => string | undefined): void {
  (res as TrackedResponse)[ROUTE_LABEL] = label;
}

/** The status logged for a request whose client went away before the answer was sent (nginx's 499). */
const CLIENT_CLOSED = 499;

/** The status a closed response is recorded with: its own when it was finished, else 499. */
export function closedStatus(res: ServerResponse): number {
  return res.writableFinished ? res.statusCode : CLIENT_CLOSED;
}

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
  endHook: EndHook | undefined;
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

  atEnd(hook: EndHook): void {
    this.endHook = hook;
  }

  ids(): Record<string, unknown> {
    return { requestId: this.requestId, listener: this.listener, traceId: this.traceId, sessionId: this.sessionId };
  }

  /** `write` is the parent logger's info line 'request' (directLineWriter): made once per listener. */
  writeAccessLine(write: LineWriter, method: string, route: string, status: number, ms: number, fields: Readonly<Record<string, unknown>> | undefined): void {
    // One object per line, built in place (no spread copies of the ids and the end hook's fields).
    const line: Record<string, unknown> = { requestId: this.requestId, listener: this.listener, traceId: this.traceId, sessionId: this.sessionId, method, route, status, ms };
    if (fields) Object.assign(line, fields);
    write(line);
  }
}

/**
 * First middleware on each listener: gives the request an id, reads the MedMij correlation
 * headers, and writes the request's one access-log line and its duration metric when the answer
 * is finished or abandoned. The route label is the matched Express route (bounded), never the raw URL (which
 * may carry ids).
 */
export function requestContext(listener: ListenerName, log: Logger, metrics?: GatewayMetrics) {
  const track = requestTracker(listener, log, metrics);
  return (req: Request, res: Response, next: NextFunction): void => {
    track(req, res);
    next();
  };
}

/**
 * The same without a framework, for the lean FHIR edge (gateway/fhir/node-edge.ts): starts the
 * context of one request on a plain node:http request/response pair.
 */
export function requestTracker(listener: ListenerName, log: Logger, metrics?: GatewayMetrics): (req: IncomingMessage, res: ServerResponse) => RequestContext {
  const durations = new Map<string, { observe(seconds: number): void }>();
  const writeAccessLine = directLineWriter(log, 'info', 'request');
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
  return (req, res) => {
    const context = startRequestContext(req, listener, log);
    (res as TrackedResponse)[CONTEXT] = context;
    if (context.traceId) stageHeader(res, 'MedMij-Request-ID', context.traceId);
    // The request's one 'close' listener (answered or abandoned): the end hook first (the FHIR
    // edge's audit records and fields), then the metric and the access line. Issue 14: a second
    // listener of the FHIR edge and a microtask to order the two were a cost of every request.
    res.once('close', () => {
      const status = closedStatus(res);
      const fields = runEndHook(context, status, res.writableFinished);
      const ms = performance.now() - context.started;
      // Read after the hook: the FHIR edge refines its label when its answer is known.
      const route = (res as TrackedResponse)[ROUTE_LABEL]?.() ?? routeLabel(req as Request);
      observe(route, status, ms / 1000);
      context.writeAccessLine(writeAccessLine, req.method ?? 'GET', route, status, Math.round(ms), fields);
    });
    return context;
  };
}

/** The end hook's fields; a hook that throws costs its fields, never the access line (nor the process: this runs in an emit). */
function runEndHook(context: LiveRequestContext, status: number, finished: boolean): Readonly<Record<string, unknown>> | undefined {
  const hook = context.endHook;
  if (hook === undefined) return undefined;
  try {
    return hook(status, finished);
  } catch (err) {
    context.log.error({ err: err instanceof Error ? { name: err.name, stack: err.stack } : typeof err }, 'request end hook failed');
    return undefined;
  }
}

function startRequestContext(req: IncomingMessage, listener: ListenerName, log: Logger): LiveRequestContext {
  // node:http gives header names in lower case; a repeated custom header arrives joined with ", ",
  // which the id shape refuses.
  return new LiveRequestContext(listener, log, parseTraceId(req.headers['medmij-request-id']), parseTraceId(req.headers['x-correlation-id']));
}

export function contextOf(res: ServerResponse): RequestContext | undefined {
  return (res as TrackedResponse)[CONTEXT];
}

function routeLabel(req: Request): string {
  const route = (req as Request & { route?: { path?: unknown } }).route?.path;
  const base = req.baseUrl || '';
  if (typeof route === 'string') return `${base}${route}`;
  // A route on several configured paths (the endpoint path templates): the one this request
  // matched, else the first; either way a configured, bounded value, never the raw URL.
  // A route on a pattern of configured paths (oauth: the endpoint path templates, anchored): the
  // path it matched, as received (handlers may rewrite req.url for the library they call).
  if (route instanceof RegExp && !route.global && !route.sticky) {
    const full = (req.originalUrl || '').split('?')[0] ?? '';
    if (full.startsWith(base) && route.test(full.slice(base.length))) return full;
  }
  if (Array.isArray(route)) {
    const paths = route.filter((p): p is string => typeof p === 'string');
    const matched = paths.find((p) => p === req.path) ?? paths[0];
    if (matched !== undefined) return `${base}${matched}`;
  }
  // Unmatched or handled outside Express routing (oidc-provider): keep only the first segment.
  // (`req.path` is Express's; a plain node:http request has only its URL.)
  const path = req.path ?? (req.url ?? '').split('?')[0] ?? '';
  const first = path.split('/')[1] ?? '';
  return `/${first.replace(/[^a-z0-9._-]/gi, '').slice(0, 32)}`;
}
