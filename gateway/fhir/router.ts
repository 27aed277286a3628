import express, { type Router } from 'express';
import type { IncomingMessage } from 'node:http';
import type { Adapter } from '../../adapters/types.js';
import type { AuditLog, Logger } from '../observability/index.js';
import { contextOf } from '../observability/index.js';
import type { AccessTokenVerifier } from '../oauth/index.js';
import type { KeyValueStore } from '../storage/index.js';
import type { QueryCatalogue } from './catalogue/index.js';
import { createCoreContext, type CorePeer } from './core/index.js';
import { createServiceDirectory, type ProviderConfig, type ServiceDirectory } from './resolve-base.js';
import { lookupBase, serveFhir, type ServeDeps } from './serve-fhir.js';

export interface FhirRouterDeps {
  /** `providers:` of the config (name, displayName, services with id, standard, fhirVersion, adapter, timeoutMs). */
  readonly providers: readonly ProviderConfig[];
  /** Adapters by their config id. */
  readonly adapters: ReadonlyMap<string, Adapter>;
  /** Query catalogues by standard key (`services[].standard`). */
  readonly catalogues: ReadonlyMap<string, QueryCatalogue>;
  readonly verifier: AccessTokenVerifier;
  /** gateway/tls `peerOf`: the TLS peer of the request, undefined without a client certificate. */
  readonly peerOf: (req: IncomingMessage) => CorePeer | undefined;
  readonly requireCertificateBinding: boolean;
  /** Public URL of the node interface, e.g. `https://localhost:9443`. */
  readonly publicBaseUrl: string;
  /** `endpoints.resourcePath`, e.g. `/{provider}/{service}/fhir`; the config default when absent. */
  readonly resourcePath?: string;
  readonly audit: AuditLog;
  readonly log: Logger;
  /** Delen: keeps first answers so a retried POST stores nothing twice (write/idempotency.ts). */
  readonly store?: KeyValueStore;
  /** How long a stored search result serves its pages (search/result-pages.ts); 300 s when absent. */
  readonly searchPagesTtlMs?: number;
}

/** The FHIR resource server, built once: the core and what each edge needs to reach it. */
export interface FhirServer {
  /** The Express shell: mounted at the root of the node app; answers every path it is given. */
  readonly router: Router;
  /** For the lean edge (node-edge.ts): the configured base of a path, or undefined. */
  readonly directory: ServiceDirectory;
  readonly serve: ServeDeps;
}

/**
 * The FHIR resource server. One base per configured data service:
 * `{publicBaseUrl}{endpoints.resourcePath}` (resolve-base.ts). The pipeline itself is the
 * framework-free core (core/handle.ts); this is its Express shell, which builds the typed request,
 * calls the core and writes the answer (serve-fhir.ts), as the lean node:https edge does.
 */
export function createFhirServer(deps: FhirRouterDeps): FhirServer {
  const directory = createServiceDirectory(deps.providers, deps.publicBaseUrl, deps.resourcePath);
  const core = createCoreContext({
    directory,
    adapters: deps.adapters,
    catalogues: deps.catalogues,
    verifier: deps.verifier,
    requireCertificateBinding: deps.requireCertificateBinding,
    audit: deps.audit,
    ...(deps.store ? { store: deps.store } : {}),
    ...(deps.searchPagesTtlMs === undefined ? {} : { searchPagesTtlMs: deps.searchPagesTtlMs }),
  });
  const serve: ServeDeps = { core, directory, audit: deps.audit, log: deps.log, peerOf: deps.peerOf };
  const router = express.Router();
  router.use((req, res, next) => {
    // The whole path, wherever the router is mounted: bases are configured as full paths.
    const url = req.originalUrl;
    const q = url.indexOf('?');
    const base = lookupBase(directory, `${req.baseUrl}${req.path}`);
    serveFhir(serve, req, res, contextOf(res), base, q < 0 ? '' : url.slice(q + 1)).catch(next);
  });
  return { router, directory, serve };
}

/** The Express shell alone (tests and callers that need no lean edge). */
export function createFhirRouter(deps: FhirRouterDeps): Router {
  return createFhirServer(deps).router;
}
