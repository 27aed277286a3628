import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { recordCompartmentAlarms } from './compartment-alarm.js';
import type { Adapter } from '../../adapters/types.js';
import type { AuditLog } from '../observability/index.js';
import type { Logger } from '../observability/index.js';
import type { AccessTokenVerifier } from '../oauth/index.js';
import { authenticateBearer, type PeerFingerprint } from './authenticate.js';
import { DOCUMENT_INDEX_TYPES } from './binary-access.js';
import { buildCapabilityStatement } from './capability-statement.js';
import type { QueryCatalogue } from './catalogue/index.js';
import { checkPatientCompartment, type CompartmentViolation } from './compartment.js';
import { dispatchBinaryRead, dispatchRead, dispatchSearch } from './dispatch.js';
import { createFhirErrorHandler } from './error-handler.js';
import { requireExchange, type FhirExchange, type ServiceBase } from './exchange.js';
import { negotiateBinaryFormat, negotiateFormat } from './format.js';
import { FhirError } from './outcome.js';
import { authorizeRead, authorizeSearch, readableTypes } from './policy.js';
import { sendResource } from './render.js';
import { parseFhirRequest } from './request.js';
import { createServiceDirectory, resolveBase, type ProviderConfig } from './resolve-base.js';
import { respondRead, respondSearch } from './respond.js';
import { startExchange, type PeerNames } from './start-exchange.js';
import { streamBinary } from './stream-binary.js';
import { receiveWriteOverHttp } from './write/index.js';
import type { KeyValueStore } from '../storage/index.js';

export interface FhirRouterDeps {
  /** `providers:` of the config (name, displayName, services with id, standard, fhirVersion, adapter, timeoutMs). */
  readonly providers: readonly ProviderConfig[];
  /** Adapters by their config id. */
  readonly adapters: ReadonlyMap<string, Adapter>;
  /** Query catalogues by standard key (`services[].standard`). */
  readonly catalogues: ReadonlyMap<string, QueryCatalogue>;
  readonly verifier: AccessTokenVerifier;
  /** gateway/tls `peerOf`: the TLS peer of the request, undefined without a client certificate. */
  readonly peerOf: (req: Request) => (PeerNames & PeerFingerprint) | undefined;
  readonly requireCertificateBinding: boolean;
  /** Public URL of the node interface, e.g. `https://localhost:9443`. */
  readonly publicBaseUrl: string;
  /** `endpoints.resourcePath`, e.g. `/{provider}/{service}/fhir`; the config default when absent. */
  readonly resourcePath?: string;
  readonly audit: AuditLog;
  readonly log: Logger;
  /** Delen: keeps first answers so a retried POST stores nothing twice (write/idempotency.ts). */
  readonly store?: KeyValueStore;
}

/** A pipeline step: does its one job on the exchange; returns 'done' when it wrote the answer. */
type Step = (req: Request, res: Response, ex: FhirExchange) => Promise<'done' | void> | 'done' | void;

function step(fn: Step) {
  return (req: Request, res: Response, next: NextFunction): void => {
    Promise.resolve()
      .then(() => fn(req, res, requireExchange(res)))
      .then((r) => (r === 'done' ? undefined : next()), next);
  };
}

const isHead = (req: Request): boolean => req.method === 'HEAD';
const rawQueryOf = (req: Request): string => {
  const q = req.originalUrl.indexOf('?');
  return q < 0 ? '' : req.originalUrl.slice(q + 1);
};
const serviceOf = (ex: FhirExchange): ServiceBase => {
  if (!ex.service) throw new Error('pipeline order: no service');
  return ex.service;
};

/**
 * The FHIR resource server, mounted at the root of the node interface. One base per configured
 * data service: `{publicBaseUrl}{endpoints.resourcePath}` (resolve-base.ts). Read top to bottom,
 * the table below is the request walk-through (STYLE.md §6.3); every refusal is a FhirError
 * rendered by error-handler.ts, and every request leaves one audit record (start-exchange.ts).
 */
export function createFhirRouter(deps: FhirRouterDeps): Router {
  const directory = createServiceDirectory(deps.providers, deps.publicBaseUrl, deps.resourcePath);
  // Fail at start, not per request: every service needs its adapter and its catalogue.
  const readable = new Map<ServiceBase, ReadonlySet<string>>();
  /** Per base, the searched types that index documents: where a Binary's owner is looked up. */
  const documentIndexes = new Map<ServiceBase, readonly string[]>();
  for (const service of directory.values()) {
    const catalogue = deps.catalogues.get(service.standard);
    if (!catalogue) throw new Error(`no query catalogue for standard "${service.standard}" (service ${service.providerName}/${service.serviceId})`);
    if (catalogue.fhirVersion !== service.fhirVersion) throw new Error(`catalogue "${service.standard}" is ${catalogue.fhirVersion}, service ${service.providerName}/${service.serviceId} is ${service.fhirVersion}`);
    if (!deps.adapters.has(service.adapterId)) throw new Error(`no adapter "${service.adapterId}" for service ${service.providerName}/${service.serviceId}`);
    readable.set(service, readableTypes(catalogue, service.fhirVersion));
    documentIndexes.set(service, DOCUMENT_INDEX_TYPES.filter((t) => catalogue.searches.some((q) => q.resourceType === t)));
  }
  const catalogueOf = (s: ServiceBase): QueryCatalogue => deps.catalogues.get(s.standard)!;
  const adapterOf = (s: ServiceBase): Adapter => deps.adapters.get(s.adapterId)!;
  const startedAt = new Date().toISOString();

  const locateBase: Step = (req, _res, ex) => {
    // The whole path, wherever the router is mounted: bases are configured as full paths.
    const { service, rest } = resolveBase(directory, `${req.baseUrl}${req.path}`);
    ex.service = service;
    ex.rest = rest;
  };

  const serveMetadata: Step = (req, res, ex) => {
    if (ex.rest?.length !== 1 || ex.rest[0] !== 'metadata') return;
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new FhirError(405, 'not-supported', 'only GET is supported', { headers: { Allow: 'GET, HEAD' } });
    const service = serviceOf(ex);
    const format = negotiateFormat(req.get('accept'), formatParamOf(rawQueryOf(req)), service.fhirVersion);
    const statement = buildCapabilityStatement(service, catalogueOf(service), readable.get(service)!, startedAt);
    ex.count = 1;
    sendResource(res, 200, statement, format, service.fhirVersion, isHead(req));
    return 'done';
  };

  const authenticate: Step = async (req, _res, ex) => {
    const rawQuery = rawQueryOf(req);
    ex.grant = await authenticateBearer(
      {
        authorization: authorizationHeaders(req),
        tokenInQuery: /(^|&)access_token(=|&|$)/.test(rawQuery),
        // Only a Delen POST to the base carries a body (write/receive-write.ts).
        hasBody: !isWrite(req, ex) && ((req.get('content-length') ?? '0') !== '0' || req.get('transfer-encoding') !== undefined),
        peer: deps.peerOf(req),
      },
      { verifier: deps.verifier, requireCertificateBinding: deps.requireCertificateBinding },
    );
  };

  const authorizeBase: Step = (_req, _res, ex) => {
    const service = serviceOf(ex);
    // The token's scope names the provider and the granted data services (digest §2, §3).
    if (ex.grant?.providerName !== service.providerName || !ex.grant.serviceIds.includes(service.serviceId)) {
      throw new FhirError(403, 'forbidden', 'the access token does not cover this data service', { reason: 'service_not_granted' });
    }
  };

  const receiveData: Step = async (req, res, ex) => {
    if (!isWrite(req, ex)) return;
    const service = serviceOf(ex);
    const catalogue = catalogueOf(service);
    await receiveWriteOverHttp(req, res, ex, { service, accepts: catalogue.accepts, submit: catalogue.submit, adapter: adapterOf(service) }, { audit: deps.audit, ...(deps.store ? { store: deps.store } : {}) });
    return 'done';
  };

  const parseRequest: Step = (req, _res, ex) => {
    ex.request = parseFhirRequest({ method: req.method, segments: ex.rest ?? [], rawQuery: rawQueryOf(req) }, serviceOf(ex).fhirVersion);
  };

  const negotiate: Step = (req, _res, ex) => {
    const request = ex.request!;
    const version = serviceOf(ex).fhirVersion;
    ex.format = request.interaction === 'read' && request.resourceType === 'Binary'
      ? negotiateBinaryFormat(req.get('accept'), request.format, version)
      : negotiateFormat(req.get('accept'), request.format, version);
  };

  const authorizeQuery: Step = (_req, _res, ex) => {
    const request = ex.request!;
    const service = serviceOf(ex);
    if (request.interaction === 'search-type') authorizeSearch(request, catalogueOf(service));
    else authorizeRead(request, readable.get(service)!);
  };

  const streamDocument: Step = async (req, res, ex) => {
    const request = ex.request!;
    const service = serviceOf(ex);
    const adapter = adapterOf(service);
    if (request.interaction !== 'read' || request.resourceType !== 'Binary' || ex.format !== 'raw' || !adapter.streamBinary) return;
    try {
      await streamBinary(req, res, ex, service, adapter, ex.grant!.patientRef, request.id, documentIndexes.get(service)!);
    } finally {
      raiseAlarm(deps.audit, ex, ex.violations);
    }
    return 'done';
  };

  const dispatch: Step = async (_req, res, ex) => {
    const request = ex.request!;
    const service = serviceOf(ex);
    const patientRef = ex.grant!.patientRef; // from the token, never from the request
    if (request.interaction === 'search-type') {
      ex.result = { kind: 'search', outcome: await dispatchSearch(res, ex, service, adapterOf(service), patientRef, request) };
    } else if (request.resourceType === 'Binary') {
      ex.result = { kind: 'read', resource: await dispatchBinaryRead(res, ex, service, adapterOf(service), patientRef, request.id, documentIndexes.get(service)!) };
    } else {
      ex.result = { kind: 'read', resource: await dispatchRead(res, ex, service, adapterOf(service), patientRef, request) };
    }
  };

  const checkCompartment: Step = (_req, _res, ex) => {
    const result = ex.result!;
    const patientRef = ex.grant!.patientRef;
    if (result.kind === 'read') {
      if (result.resource) {
        const { kept, violations } = checkPatientCompartment([result.resource], patientRef);
        ex.violations.push(...violations);
        ex.result = { kind: 'read', resource: kept[0] };
      }
    } else {
      const matches = checkPatientCompartment(result.outcome.matches, patientRef);
      const includes = checkPatientCompartment(result.outcome.includes, patientRef, { allowUnlinked: true });
      ex.violations.push(...matches.violations, ...includes.violations);
      const dropped = result.outcome.matches.length - matches.kept.length;
      ex.result = {
        kind: 'search',
        outcome: { matches: [...matches.kept], includes: [...includes.kept], total: Math.max(0, result.outcome.total - dropped) },
      };
    }
    raiseAlarm(deps.audit, ex, ex.violations);
  };

  const respond: Step = (req, res, ex) => {
    const request = ex.request!;
    const result = ex.result!;
    const service = serviceOf(ex);
    if (request.interaction === 'search-type' && result.kind === 'search') {
      respondSearch(res, ex, service, request, result.outcome, ex.format === 'xml' ? 'xml' : 'json', isHead(req));
    } else if (request.interaction === 'read' && result.kind === 'read') {
      respondRead(res, ex, service, request, result.resource, ex.format ?? 'json', isHead(req));
    }
    return 'done';
  };

  const router = express.Router();
  router.use(
    startExchange(deps), //         requestId, trace headers (400), one audit record per request
    step(locateBase), //            {provider}/{service} → configured base, else 404
    step(serveMetadata), //         GET {base}/metadata: CapabilityStatement, no token
    step(authenticate), //          Bearer header only → GrantContext; 401/400 + WWW-Authenticate
    step(authorizeBase), //         the grant covers this provider and service, else 403
    step(receiveData), //           Delen: POST {base} with a batch Bundle → batch-response (write/); 400/405/413/415
    step(parseRequest), //          typed FhirRequest; 400/405
    step(negotiate), //             JSON or XML (or raw Binary); 406
    step(authorizeQuery), //        catalogue template, no patient/subject/BSN; 400
    step(streamDocument), //        raw Binary from a streaming adapter, if the patient's documents link it; 404
    step(dispatch), //              adapter for the token's patient under deadline (Binary: binary-access.ts); 504/503/502
    step(checkCompartment), //      drop other patients' resources (here and in the adapter guard) + alarm
    step(respond), //               Bundle / resource / document, BSN masked
  );
  router.use(createFhirErrorHandler(deps.log));
  return router;
}

/** Delen: a POST to the base itself (FHIR batch/transaction interaction). */
/** Delen: a POST to the base (a Bundle) or to `{base}/{type}` (a plain create; write/receive-write.ts). */
function isWrite(req: Request, ex: FhirExchange): boolean {
  return req.method === 'POST' && ex.rest !== undefined && (ex.rest.length === 0 || (ex.rest.length === 1 && /^[A-Z][A-Za-z]{1,63}$/.test(ex.rest[0]!)));
}

/** Every Authorization header as sent: req.headers silently drops all but the first. */
function authorizationHeaders(req: Request): string | readonly string[] | undefined {
  const values: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === 'authorization') values.push(req.rawHeaders[i + 1]!);
  }
  return values.length > 1 ? values : values[0];
}

function formatParamOf(rawQuery: string): string | undefined {
  for (const piece of rawQuery.split('&')) {
    if (piece.startsWith('_format=')) {
      try {
        return decodeURIComponent(piece.slice('_format='.length));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** A resource of another patient reached the gateway: never served, always an alarm (house rule 5). */
function raiseAlarm(audit: AuditLog, ex: FhirExchange, violations: readonly CompartmentViolation[]): void {
  if (violations.length === 0) return;
  recordCompartmentAlarms(audit, ex, violations.map((v) => v.resourceType), 'foreign_patient_resource');
  ex.log.warn({ dropped: violations.length, adapter: ex.service?.adapterId }, 'compartment violation: resources of another patient dropped');
}
