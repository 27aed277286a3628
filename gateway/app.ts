import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import type { Whitelist } from './lists/types.js';
import type { Logger } from './observability/logger.js';
import type { GatewayMetrics } from './observability/metrics.js';
import { requestContext } from './observability/request-context.js';
import { requireForwardedPeer, requireListedPeer, type ForwardedPeerOptions } from './tls/index.js';

/**
 * Express wiring only: which middleware runs in which order on which listener. Never listens;
 * gateway.ts creates the servers. The MedMij split decides what goes where (digest §5.3):
 * token and FHIR endpoints on the node interface (mTLS + Whitelist), the Person's pages on the
 * patient interface (no client certificate).
 */
export function buildNodeApp(deps: {
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
  readonly tokenRouter: Router;
  readonly fhirRouter: Router;
  readonly currentWhitelist: () => Whitelist | undefined;
  /** Set only when a trusted TLS-terminating proxy forwards the client certificate. */
  readonly forwardedPeer?: ForwardedPeerOptions;
}): Express {
  const app = baseApp();
  // Machine-to-machine API: the default helmet headers cost nothing and cover error pages too.
  app.use(helmet({ contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } }));
  app.use(deps.forwardedPeer ? requireForwardedPeer(deps.forwardedPeer) : requireListedPeer(deps.currentWhitelist));
  app.use(requestContext('node', deps.log, deps.metrics));
  app.use(deps.tokenRouter);
  app.use('/fhir', deps.fhirRouter);
  app.use(notFound);
  return app;
}

export function buildPatientApp(deps: { readonly log: Logger; readonly metrics: GatewayMetrics; readonly router: Router }): Express {
  const app = baseApp();
  app.use(requestContext('patient', deps.log, deps.metrics));
  // The authorization server sets its own strict CSP on its pages; this covers everything else.
  app.use(helmet({ contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], frameAncestors: ["'none'"] } } }));
  app.use(deps.router);
  app.use(notFound);
  return app;
}

export function buildOperationsApp(router: Router): Express {
  const app = baseApp();
  app.use(router);
  app.use(notFound);
  return app;
}

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
