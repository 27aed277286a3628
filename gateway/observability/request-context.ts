import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from './logger.js';
import type { GatewayMetrics } from './metrics.js';

export type ListenerName = 'node' | 'patient';

export interface RequestContext {
  /** Our own id for this request: in every log line and in 5xx answers. */
  readonly requestId: string;
  /** MedMij-Request-ID (the trace id), when the caller sent a well-formed one. */
  readonly traceId?: string;
  /** X-Correlation-ID (the session id), when the caller sent a well-formed one. */
  readonly sessionId?: string;
  readonly listener: ListenerName;
  readonly log: Logger;
}

/**
 * MedMij ids are UUIDs; anything else of bounded, harmless shape is still accepted for tracing
 * (some PGOs send other opaque ids), but never copied into logs unchecked.
 */
const TRACE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function parseTraceId(value: unknown): string | undefined {
  return typeof value === 'string' && TRACE_ID.test(value) ? value : undefined;
}

const CONTEXT = Symbol('requestContext');
const ROUTE_LABEL = Symbol('routeLabel');

/**
 * Lets the protocol code that knows what a request was (FHIR: provider, data service, interaction
 * and resource type) name its metric/log route, read when the response finishes. Express's own
 * matched route is too coarse for the FHIR listener (every request was `/demoziekenhuis`, so no
 * latency per data service). The label must be built from validated, bounded values only.
 */
export function labelRoute(res: Response, label: () => string | undefined): void {
  (res.locals as Record<symbol, () => string | undefined>)[ROUTE_LABEL] = label;
}

/**
 * First middleware on each listener: gives the request an id, reads the MedMij correlation
 * headers, binds a child logger and times the request for the metrics. The route label is the
 * matched Express route (bounded), never the raw URL (which may carry ids).
 */
export function requestContext(listener: ListenerName, log: Logger, metrics?: GatewayMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const traceId = parseTraceId(req.get('medmij-request-id'));
    const sessionId = parseTraceId(req.get('x-correlation-id'));
    const requestId = randomUUID();
    const context: RequestContext = {
      requestId,
      listener,
      log: log.child({ requestId, listener, ...(traceId ? { traceId } : {}), ...(sessionId ? { sessionId } : {}) }),
      ...(traceId ? { traceId } : {}),
      ...(sessionId ? { sessionId } : {}),
    };
    (res.locals as Record<symbol, RequestContext>)[CONTEXT] = context;
    if (traceId) res.setHeader('MedMij-Request-ID', traceId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labelled = (res.locals as Record<symbol, (() => string | undefined) | undefined>)[ROUTE_LABEL]?.();
      const route = labelled ?? routeLabel(req);
      metrics?.httpDuration.observe({ listener, route, status: String(res.statusCode) }, seconds);
      context.log.info({ method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'request');
    });
    next();
  };
}

export function contextOf(res: Response): RequestContext | undefined {
  return (res.locals as Record<symbol, RequestContext | undefined>)[CONTEXT];
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
  const first = req.path.split('/')[1] ?? '';
  return `/${first.replace(/[^a-z0-9._-]/gi, '').slice(0, 32)}`;
}
