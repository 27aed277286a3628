import type { IncomingMessage, OutgoingHttpHeader, RequestListener, ServerResponse } from 'node:http';
import { labelRoute, type RequestContext } from '../observability/index.js';
import { FixedHeaderLines, stageFixedHeaders } from '../staged-head-response.js';
import { fhirRouteLabel } from './route-label.js';
import type { FhirServer } from './router.js';
import { lookupBase, serveFhir } from './serve-fhir.js';

/** A middleware that may only use node:http's request and response (the peer check, the FHIR rate limit). */
export type PlainMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

export interface NodeEdgeDeps {
  /** The Express app of the node interface: every request that is not for a configured FHIR base. */
  readonly app: RequestListener;
  readonly fhir: FhirServer;
  /** Per request: Whitelist + certificate validity now (tls/require-listed-peer.ts); destroys the socket when refused. */
  readonly checkPeer: PlainMiddleware;
  /** The security headers, worked out once at start (static-headers.ts). */
  readonly securityHeaders: { readonly set: ReadonlyArray<readonly [string, OutgoingHttpHeader]>; readonly removed: readonly string[] };
  /** Starts the request's context: id, correlation headers, the one access-log line and its metric. */
  readonly track: (req: IncomingMessage, res: ServerResponse) => RequestContext;
  /** The FHIR rate limit per client (gateway/rate-limit), when configured. */
  readonly limitFhir?: PlainMiddleware;
}

/**
 * The lean edge of the node interface (issue 14): a node:https request handler that sends a
 * request for a configured FHIR base straight to the framework-free core, with the same
 * guarantees as the Express path and in the same order (peer check → security headers and
 * request context → rate limit → core), and hands everything else (token endpoint, unknown
 * paths) to the Express app, which stays the application's framework.
 */
export function createNodeEdge(deps: NodeEdgeDeps): RequestListener {
  const { directory, serve } = deps.fhir;
  const { set, removed } = deps.securityHeaders;
  // The same lines on every answer: one shared list, staged whole (staged-head-response.ts).
  const fixedLines = new FixedHeaderLines(set);
  return (req, res) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    // Only origin-form targets of a configured base (findBase refuses any other form); anything
    // else goes the way it always went.
    const base = lookupBase(directory, pathname);
    if (!base) {
      deps.app(req, res);
      return;
    }
    deps.checkPeer(req, res, () => {
      for (let i = 0; i < removed.length; i++) res.removeHeader(removed[i]!);
      stageFixedHeaders(res, fixedLines);
      const context = deps.track(req, res);
      // Labelled before the rate limit, so a 429 is counted under its base too (serveFhir refines it).
      const route = fhirRouteLabel(base.service, base.rest, undefined);
      labelRoute(res, () => route);
      const run = (err?: unknown): void => {
        if (err !== undefined) {
          fail(res, context, err);
          return;
        }
        serveFhir(serve, req, res, context, base, q < 0 ? '' : url.slice(q + 1)).catch((e: unknown) => fail(res, context, e));
      };
      if (deps.limitFhir) deps.limitFhir(req, res, run);
      else run();
    });
  };
}

/** Last resort (the core answers every error itself): never a stack trace, never a hang. */
function fail(res: ServerResponse, context: RequestContext, err: unknown): void {
  context.log.error({ err: err instanceof Error ? { name: err.name, stack: err.stack } : typeof err }, 'unhandled error');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = 500;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end('Internal error\n');
}
