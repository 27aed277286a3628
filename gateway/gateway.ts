import http from 'node:http';
import path from 'node:path';
import { createAdapters, type Adapter } from '../adapters/index.js';
import { distinctPaths, serviceEndpoints, type GatewayConfig } from './config/index.js';
import { catalogueFile, loadCatalogue, type QueryCatalogue } from './fhir/catalogue/index.js';
import { compartmentPatients, parseFhirXml } from './fhir/index.js';
import { createFhirServer } from './fhir/index.js';
import { createListManager, type ListManager } from './lists/index.js';
import { createAuthorizationServer, type AccessTokenVerifier, type AuthorizationServer } from './oauth/index.js';
import { auditDestinationFor, createPinoAuditLog, type AuditLog } from './observability/index.js';
import { createOperationsRouter } from './observability/index.js';
import { createLogger, type Logger } from './observability/index.js';
import { countAuditEvents, createMetrics, type GatewayMetrics } from './observability/index.js';
import { ensureDevPki } from './pki/index.js';
import { buildNodeListener, buildOperationsListener, buildPatientApp } from './app.js';
import { createAvailabilityCheck } from './availability.js';
import { createShareAcceptanceCheck } from './share-acceptance.js';
import { assertDeployment } from './check-deployment.js';
import { withQualificationTokens } from './qualification-verifier.js';
import { readinessChecks } from './readiness-checks.js';
import { instrumentAdapter } from './instrument-adapter.js';
import { createMedMijServers, type MedMijServers } from './medmij-servers.js';
import { closeGracefully, listenOn } from './servers.js';
import { checkPersistence, createStore, type KeyValueStore } from './storage/index.js';
import { createRateLimits } from './rate-limit/index.js';
import { createKetenlog, type Ketenlog } from './ketenlog/index.js';
import { createCertificateVerifier, peerCertificateOf, peerOf } from './tls/index.js';

export interface GatewayOptions {
  /** Folder of the config file: relative file names inside adapter blocks are resolved against it. */
  readonly configDir: string;
  readonly log?: Logger;
  readonly audit?: AuditLog;
}

export interface GatewayAddresses {
  readonly node: string;
  readonly patient: string;
  readonly operations: string;
}

export interface Gateway {
  readonly config: GatewayConfig;
  /** MedMij ketenmonitoring, when `ketenlog.enabled`. */
  readonly ketenlog?: Ketenlog;
  readonly lists: ListManager;
  readonly store: KeyValueStore;
  readonly adapters: ReadonlyMap<string, Adapter>;
  readonly metrics: GatewayMetrics;
  readonly verifier: AccessTokenVerifier;
  /** Open connections and refusals per MedMij listener (tls.connectionLimits). */
  connections(): ReturnType<MedMijServers['connections']>;
  /** Binds the three listeners; resolves with the URLs actually bound (port 0 picks a free one). */
  listen(): Promise<GatewayAddresses>;
  /** SIGHUP: certificate and key files, OAuth keys. A bad new file never replaces a good one. */
  reload(): Promise<void>;
  /** SIGTERM: stop accepting, drain requests in flight for up to `graceMs`, then release everything. */
  close(graceMs?: number): Promise<void>;
}

/**
 * The composition root: builds every part from the validated config, in dependency order, and
 * hands each one only what it needs. Nothing here listens until listen(); main.ts owns the process.
 */
export async function createGateway(config: GatewayConfig, overrides: GatewayOptions): Promise<Gateway> {
  const log = overrides.log ?? createLogger({ level: config.logging.level });
  const lists = { current: undefined as ListManager | undefined };
  const metrics = createMetrics(() =>
    (lists.current?.status() ?? []).map((s) => ({ kind: s.kind, ageSeconds: s.fresh ? s.ageSeconds : undefined })),
  );
  const audit = countAuditEvents(overrides.audit ?? createPinoAuditLog(auditDestinationFor(config.logging.audit)), metrics);
  const cleanup: Array<() => Promise<void> | void> = [];

  try {
    if (config.tls.generateDevCertificates) {
      const dir = path.dirname(config.tls.certFile);
      if (await ensureDevPki(dir)) log.warn({ dir }, 'generated the development PKI (never use it in production)');
    }
    // The deployment validator check-config runs: refuse to start rather than answer 502 later.
    await assertDeployment(config, overrides.configDir);

    const store = await createStore(config.storage, log);
    cleanup.push(() => store.close());

    // MedMij ketenmonitoring: the flows' audit events also become MedMij log records (one sink).
    // Closed after the listeners drained (cleanup runs in reverse), so in-flight events are kept.
    const ketenlog: Ketenlog | undefined = config.ketenlog.enabled
      ? await createKetenlog(config.ketenlog, { store, certFile: config.tls.certFile, keyFile: config.tls.keyFile, nodePublicUrl: config.listeners.node.publicUrl, log, registry: metrics.registry, alarms: audit })
      : undefined;
    if (ketenlog) cleanup.push(() => ketenlog.close());
    else if (config.mode === 'production') log.warn('ketenlog.enabled is false: no MedMij log records are sent (required for MedMij acceptance since afsprakenstelsel 2.0.0)');
    const flowAudit = ketenlog ? ketenlog.wrap(audit) : audit;

    const listManager = createListManager({
      config: config.lists,
      store,
      audit,
      log: log.child({ component: 'lists' }),
      developmentExceptions: config.mode !== 'production',
    });
    lists.current = listManager;
    await listManager.start();
    cleanup.push(() => listManager.stop());
    const currentWhitelist = () => listManager.current('whitelist');

    const adapters = new Map(
      [
        ...(await createAdapters(config.adapters, {
          log: log.child({ component: 'adapters' }),
          baseDir: overrides.configDir,
          parseXml: parseFhirXml,
          compartment: compartmentPatients,
        })),
      ].map(([id, adapter]) => [id, instrumentAdapter(adapter, metrics)] as const),
    );
    cleanup.push(() => Promise.all([...adapters.values()].map((a) => a.close())).then(() => undefined));
    const catalogues = await loadCatalogues(config);

    const endpoints = serviceEndpoints({
      providers: config.providers,
      endpoints: config.endpoints,
      patientPublicUrl: config.listeners.patient.publicUrl,
      nodePublicUrl: config.listeners.node.publicUrl,
    });
    const authorizationServer: AuthorizationServer = await createAuthorizationServer({
      oauth: config.oauth,
      mode: config.mode,
      patientPublicUrl: config.listeners.patient.publicUrl,
      nodePublicUrl: config.listeners.node.publicUrl,
      // Delen services (their catalogue accepts data) are marked: asked for alone, confirmed once.
      providers: config.providers.map((p) => ({ ...p, services: p.services.map((s) => ({ ...s, shares: (catalogues.get(s.standard)?.accepts.length ?? 0) > 0 })) })),
      pages: config.pages,
      currentOAuthClientList: () => listManager.current('oauthClientList'),
      currentServiceNames: () => listManager.current('gegevensdienstnamenlijst'),
      store,
      checkAvailability: createAvailabilityCheck(config.providers, adapters, catalogues, log.child({ component: 'availability' })),
      checkShareAcceptance: createShareAcceptanceCheck(config.providers, adapters, catalogues),
      peerOf,
      peerCertificateOf,
      audit: flowAudit,
      ...(ketenlog ? { acceptingNewFlows: () => ketenlog.acceptingNewFlows() } : {}),
      log: log.child({ component: 'oauth' }),
      ...(endpoints.length > 0 ? { authorizationPaths: distinctPaths(endpoints, 'authorizationPath'), tokenPaths: distinctPaths(endpoints, 'tokenPath') } : {}),
    });
    cleanup.push(() => authorizationServer.close());

    const verifier = withQualificationTokens(config, authorizationServer.verifier);
    const fhirServer = createFhirServer({
      providers: config.providers,
      adapters,
      catalogues,
      verifier,
      peerOf,
      requireCertificateBinding: config.oauth.certificateBoundTokens,
      publicBaseUrl: config.listeners.node.publicUrl,
      resourcePath: config.endpoints.resourcePath,
      audit: flowAudit,
      log: log.child({ component: 'fhir' }),
      store,
      searchPagesTtlMs: config.endpoints.searchPagesTtlSeconds * 1000,
    });

    const limits = createRateLimits(config.rateLimits, store, log.child({ component: 'rate-limit' }), {
      authorizationPaths: endpoints.length > 0 ? distinctPaths(endpoints, 'authorizationPath') : ['/oauth/authorize'],
      tokenPaths: endpoints.length > 0 ? distinctPaths(endpoints, 'tokenPath') : ['/oauth/token'],
    });
    const proxy = config.tls.trustedProxy;
    const servers = createMedMijServers({
      tls: config.tls,
      currentWhitelist,
      audit,
      log,
      nodeApp: (trustedCa) =>
        buildNodeListener({
          log,
          metrics,
          tokenRouter: authorizationServer.nodeRouter,
          fhirRouter: fhirServer.router,
          fhir: fhirServer,
          fhirLimit: limits.fhir,
          currentWhitelist,
          audit,
          limits: limits.node,
          ...(proxy.enabled
            ? {
                forwardedPeer: {
                  trustedAddresses: proxy.addresses,
                  header: proxy.clientCertHeader,
                  currentWhitelist,
                  verifyCert: createCertificateVerifier({ trustedCa }),
                  audit,
                  log: log.child({ component: 'tls-proxy' }),
                },
              }
            : {}),
        }),
      patientApp: buildPatientApp({ log, metrics, router: authorizationServer.patientRouter, authorizeLimit: limits.patient }),
    });
    cleanup.push(() => servers.close());
    const { nodeServer, patientServer } = servers;

    // Issue 9, finding 6: say at start, not only on /ready, when consents would not survive a restart.
    const requirePersistence = config.storage.kind === 'redis' && (config.storage.requirePersistence ?? config.mode === 'production');
    if (requirePersistence) {
      const verdict = await checkPersistence(store);
      if (!verdict.ok) log.error({ step: 'storage', reason: 'storage_not_persistent', detail: verdict.detail }, 'storage does not persist: /ready reports not ready');
    }
    let shuttingDown = false;
    const operationsServer = http.createServer(
      buildOperationsListener(
        createOperationsRouter({
          checks: [...readinessChecks(listManager, store, adapters, { requirePersistence }), ...(ketenlog ? [ketenlog.readiness] : [])],
          ...(config.operations.metrics ? { metrics } : {}),
          isShuttingDown: () => shuttingDown,
        }),
        log,
      ),
    );

    return {
      config,
      ...(ketenlog ? { ketenlog } : {}),
      lists: listManager,
      store,
      adapters,
      metrics,
      verifier,
      connections: () => servers.connections(),
      async listen() {
        const { node, patient } = config.listeners;
        const ops = config.operations;
        const [nodePort, patientPort, opsPort] = [
          await listenOn(nodeServer, node.host, node.port),
          await listenOn(patientServer, patient.host, patient.port),
          await listenOn(operationsServer, ops.host, ops.port),
        ];
        return {
          node: `https://${hostForUrl(node.host)}:${nodePort}`,
          patient: `https://${hostForUrl(patient.host)}:${patientPort}`,
          operations: `http://${hostForUrl(ops.host)}:${opsPort}`,
        };
      },
      async reload() {
        await servers.reload();
        await authorizationServer.reloadKeys();
        log.info('reloaded certificates and keys');
      },
      async close(graceMs = 10_000) {
        shuttingDown = true;
        // Drain the MedMij listeners first; /ready answers 503 meanwhile, so a load balancer
        // stops sending traffic here. The operations listener goes last.
        await Promise.all([nodeServer, patientServer].map((s) => closeGracefully(s, graceMs)));
        await closeGracefully(operationsServer, 1000);
        await runCleanup(cleanup, log);
      },
    };
  } catch (error) {
    await runCleanup(cleanup, log);
    throw error;
  }
}

async function loadCatalogues(config: GatewayConfig): Promise<ReadonlyMap<string, QueryCatalogue>> {
  const standards = new Set(config.providers.flatMap((p) => p.services.map((s) => s.standard)));
  const entries = await Promise.all([...standards].map(async (s) => [s, await loadCatalogue(catalogueFile(s, config.standards.folder))] as const));
  return new Map(entries);
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '127.0.0.1' || host === '::1') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

async function runCleanup(cleanup: Array<() => Promise<void> | void>, log: Logger): Promise<void> {
  for (const step of cleanup.reverse()) {
    try {
      await step();
    } catch (error) {
      log.warn({ err: error }, 'error while shutting down a component');
    }
  }
  cleanup.length = 0;
}
