import type { RequestListener } from 'node:http';
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import { createNodeEdge, type FhirServer, type PlainMiddleware } from './fhir/index.js';
import type { Whitelist } from './lists/index.js';
import type { AuditLog, Logger } from './observability/index.js';
import type { GatewayMetrics } from './observability/index.js';
import { requestContext, requestTracker } from './observability/index.js';
import { precomputeHeaders, recordHeaders } from './static-headers.js';
import { requireForwardedPeer, requireListedPeer, type ForwardedPeerOptions } from './tls/index.js';

/**
 * Express wiring only: which middleware runs in which order on which listener. Never listens;
 * gateway.ts creates the servers. The MedMij split decides what goes where (digest §5.3):
 * token and FHIR endpoints on the node interface (mTLS + Whitelist), the Person's pages on the
 * patient interface (no client certificate).
 */
export interface NodeAppDeps {
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
  readonly tokenRouter: Router;
  readonly fhirRouter: Router;
  readonly currentWhitelist: () => Whitelist | undefined;
  /** Records per-request refusals (expired certificate, host gone from the Whitelist). */
  readonly audit?: AuditLog;
  /** Per-PGO rate limits (gateway/rate-limit), run after the peer check so the PGO is known. */
  readonly limits?: express.RequestHandler;
  /** Set only when a trusted TLS-terminating proxy forwards the client certificate. */
  readonly forwardedPeer?: ForwardedPeerOptions;
  /** FHIR requests for a configured base go straight to this server's core (the lean edge). */
  readonly fhir?: FhirServer;
  /** The FHIR rate limit alone, for the lean edge. */
  readonly fhirLimit?: express.RequestHandler;
}

// Machine-to-machine API: the default helmet headers, on error pages too. They are the same on
// every answer, so they are worked out once (static-headers.ts) and set in the one edge step.
const nodeSecurityHeaders = () => helmet({ contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } });

/**
 * The node interface's request handler. Directly (no proxy in front): the lean edge
 * (fhir/node-edge.ts) serves the configured FHIR bases through the framework-free core and hands
 * everything else to the Express app. Behind a TLS-terminating proxy every request takes the
 * Express path (the forwarded certificate is checked there).
 */
export function buildNodeListener(deps: NodeAppDeps): RequestListener {
  const app = buildNodeApp(deps);
  if (!deps.fhir || deps.forwardedPeer) return app;
  return createNodeEdge({
    app,
    fhir: deps.fhir,
    checkPeer: requireListedPeer(deps.currentWhitelist, deps.audit ? { audit: deps.audit } : {}) as unknown as PlainMiddleware,
    securityHeaders: recordHeaders(nodeSecurityHeaders()),
    track: requestTracker('node', deps.log, deps.metrics),
    ...(deps.fhirLimit ? { limitFhir: deps.fhirLimit as unknown as PlainMiddleware } : {}),
  });
}

export function buildNodeApp(deps: NodeAppDeps): Express {
  const app = baseApp();
  const securityHeaders = precomputeHeaders(nodeSecurityHeaders());
  const context = requestContext('node', deps.log, deps.metrics);
  // The peer is checked first: a request on a connection no Whitelist entry vouches for gets no
  // work at all (its socket is destroyed).
  app.use(deps.forwardedPeer ? requireForwardedPeer(deps.forwardedPeer) : requireListedPeer(deps.currentWhitelist, deps.audit ? { audit: deps.audit } : {}));
  app.use((req, res, next) => {
    securityHeaders(req, res, noop);
    context(req, res, next);
  });
  if (deps.limits) app.use(deps.limits);
  app.use(deps.tokenRouter);
  // FHIR bases are configured full paths (endpoints.resourcePath); the router answers every other
  // path on this listener with a 404 OperationOutcome.
  app.use(deps.fhirRouter);
  app.use(notFound);
  app.use(lastResort(deps.log));
  return app;
}

export function buildPatientApp(deps: {
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
  readonly router: Router;
  /** Rate limit on the authorization endpoint, before any interaction state is created. */
  readonly authorizeLimit?: express.RequestHandler;
}): Express {
  const app = baseApp();
  app.use(requestContext('patient', deps.log, deps.metrics));
  // The authorization server sets its own strict CSP on its pages; this covers everything else.
  app.use(precomputeHeaders(helmet({ contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], frameAncestors: ["'none'"] } } })));
  app.use(allowMethods('GET, HEAD, POST'));
  if (deps.authorizeLimit) app.use(deps.authorizeLimit);
  app.use(deps.router);
  app.use(notFound);
  app.use(lastResort(deps.log));
  return app;
}

/** The liveness answer: the same bytes every time. */
const HEALTH_BODY = Buffer.from(JSON.stringify({ status: 'ok' }));

/**
 * The operations listener's request handler: `GET /health` (the liveness probe, asked every few
 * seconds by every orchestrator and load balancer) is answered here, without Express's
 * per-request cost; everything else (/ready, /metrics, errors) goes to the Express app, which
 * answers /health the same way for a target this fast path does not take (a query string).
 */
export function buildOperationsListener(router: Router, log: Logger): RequestListener {
  const app = buildOperationsApp(router, log);
  return (req, res) => {
    if (req.url === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': HEALTH_BODY.length });
      res.end(req.method === 'HEAD' ? undefined : HEALTH_BODY);
      return;
    }
    app(req, res);
  };
}

export function buildOperationsApp(router: Router, log: Logger): Express {
  const app = baseApp();
  app.use(allowMethods('GET, HEAD'));
  app.use(router);
  app.use(notFound);
  app.use(lastResort(log));
  return app;
}

const noop = () => undefined;

function baseApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Query strings are parsed by each router's own parse step, never by Express's extended parser.
  app.set('query parser', 'simple');
  return app;
}

const notFound: express.RequestHandler = (_req, res) => {
  res.status(404).type('text/plain').send('Not found\n');
};

/**
 * The browser pages and the operations endpoints need no other methods (no CORS, no WebDAV).
 * Refusing them up front also keeps Express's automatic OPTIONS answer off these listeners.
 */
function allowMethods(allow: string): express.RequestHandler {
  const allowed = new Set(allow.split(', '));
  return (req, res, next) => {
    if (allowed.has(req.method)) next();
    else res.status(405).set('Allow', allow).type('text/plain').send('Method not allowed\n');
  };
}

/**
 * A safety net behind each listener's own error renderers (FHIR: fhir/core/answer-error.ts, OAuth:
 * oauth/error-handlers.ts): whatever still escapes must not reach Express's final handler, which
 * answers an HTML page with the stack trace outside production (house rule 4).
 */
function lastResort(log: Logger): express.ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const raw = (err as { status?: unknown } | null)?.status;
    const client = (err as { expose?: unknown } | null)?.expose === true || err instanceof URIError;
    const status = typeof raw === 'number' && raw >= 400 && raw < 500 && client ? raw : 500;
    if (status === 500) log.error({ err: err instanceof Error ? { name: err.name, stack: err.stack } : typeof err }, 'unhandled error');
    res.status(status).type('text/plain').send(status === 500 ? 'Internal error\n' : 'Bad request\n');
  };
}
