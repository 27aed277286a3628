import https from 'node:https';
import http from 'node:http';
import path from 'node:path';
import { pino } from 'pino';
import { createAdapters, type Adapter } from '../adapters/index.js';
import type { GatewayConfig } from './config/index.js';
import { catalogueFile, loadCatalogue, type QueryCatalogue } from './fhir/catalogue/index.js';
import { parseFhirXml } from './fhir/fhir-xml.js';
import { createFhirRouter, createStaticTokenVerifier } from './fhir/index.js';
import { createListManager, type ListManager } from './lists/index.js';
import { createAuthorizationServer, type AccessTokenVerifier, type AuthorizationServer } from './oauth/index.js';
import { createPinoAuditLog, type AuditLog } from './observability/audit.js';
import { createOperationsRouter, type ReadinessCheck } from './observability/health.js';
import { createLogger, type Logger } from './observability/logger.js';
import { countAuditEvents, createMetrics, type GatewayMetrics } from './observability/metrics.js';
import { ensureDevPki } from './pki/index.js';
import { buildNodeApp, buildOperationsApp, buildPatientApp } from './app.js';
import { createAvailabilityCheck } from './availability.js';
import { instrumentAdapter } from './instrument-adapter.js';
import { closeGracefully, listenOn } from './servers.js';
import { createStore, type KeyValueStore } from './storage/index.js';
import {
  createCertificateVerifier,
  createNodeTlsOptions,
  createPatientTlsOptions,
  createReloadableTlsMaterial,
  guardConnections,
  hardenConnections,
  isGuarded,
  peerOf,
  type ReloadableTlsMaterial,
} from './tls/index.js';

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
  readonly lists: ListManager;
  readonly store: KeyValueStore;
  readonly adapters: ReadonlyMap<string, Adapter>;
  readonly metrics: GatewayMetrics;
  readonly verifier: AccessTokenVerifier;
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
  const audit = countAuditEvents(overrides.audit ?? createPinoAuditLog(auditDestination(config.logging.audit)), metrics);
  const cleanup: Array<() => Promise<void> | void> = [];

  try {
    if (config.tls.generateDevCertificates) {
      const dir = path.dirname(config.tls.certFile);
      if (await ensureDevPki(dir)) log.warn({ dir }, 'generated the development PKI (never use it in production)');
    }

    const store = await createStore(config.storage, log);
    cleanup.push(() => store.close());

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
        })),
      ].map(([id, adapter]) => [id, instrumentAdapter(adapter, metrics)] as const),
    );
    cleanup.push(() => Promise.all([...adapters.values()].map((a) => a.close())).then(() => undefined));
    const catalogues = await loadCatalogues(config);

    const authorizationServer: AuthorizationServer = await createAuthorizationServer({
      oauth: config.oauth,
      mode: config.mode,
      patientPublicUrl: config.listeners.patient.publicUrl,
      nodePublicUrl: config.listeners.node.publicUrl,
      providers: config.providers,
      currentOAuthClientList: () => listManager.current('oauthClientList'),
      currentServiceNames: () => listManager.current('gegevensdienstnamenlijst'),
      store,
      checkAvailability: createAvailabilityCheck(config.providers, adapters, catalogues, log.child({ component: 'availability' })),
      peerOf,
      audit,
      log: log.child({ component: 'oauth' }),
    });
    cleanup.push(() => authorizationServer.close());

    const verifier = withQualificationTokens(config, authorizationServer.verifier);
    const fhirRouter = createFhirRouter({
      providers: config.providers,
      adapters,
      catalogues,
      verifier,
      peerOf,
      requireCertificateBinding: config.oauth.certificateBoundTokens,
      publicBaseUrl: config.listeners.node.publicUrl,
      audit,
      log: log.child({ component: 'fhir' }),
    });

    const nodeMaterial = createReloadableTlsMaterial({
      certFile: config.tls.certFile,
      keyFile: config.tls.keyFile,
      caFile: config.tls.clientCaFile,
      watch: config.tls.watchFiles,
      log: log.child({ component: 'tls', listener: 'node' }),
    });
    cleanup.push(() => nodeMaterial.close());
    const patientMaterial = config.tls.patientCertFile && config.tls.patientKeyFile
      ? createReloadableTlsMaterial({
          certFile: config.tls.patientCertFile,
          keyFile: config.tls.patientKeyFile,
          watch: config.tls.watchFiles,
          log: log.child({ component: 'tls', listener: 'patient' }),
        })
      : nodeMaterial;
    if (patientMaterial !== nodeMaterial) cleanup.push(() => patientMaterial.close());
    const policy = { minVersion: config.tls.minVersion };

    const proxy = config.tls.trustedProxy;
    const nodeApp = buildNodeApp({
      log,
      metrics,
      tokenRouter: authorizationServer.nodeRouter,
      fhirRouter,
      currentWhitelist,
      ...(proxy.enabled
        ? {
            forwardedPeer: {
              trustedAddresses: proxy.addresses,
              header: proxy.clientCertHeader,
              currentWhitelist,
              verifyCert: createCertificateVerifier({ trustedCa: nodeMaterial.trustedCa }),
              audit,
              log: log.child({ component: 'tls-proxy' }),
            },
          }
        : {}),
    });
    // Behind a trusted TLS-terminating proxy the proxy is the TLS peer: the whitelist check moves
    // to the forwarded certificate of each request (README, "Behind a TLS-terminating proxy").
    const nodeServer = https.createServer(
      proxy.enabled ? createPatientTlsOptions(nodeMaterial.current(), policy) : createNodeTlsOptions(nodeMaterial.current(), policy),
      nodeApp,
    );
    if (proxy.enabled) {
      hardenConnections(nodeServer);
    } else {
      guardConnections(nodeServer, {
        currentWhitelist,
        audit,
        log: log.child({ component: 'tls-guard' }),
        trustedCa: nodeMaterial.trustedCa,
      });
      if (!isGuarded(nodeServer)) throw new Error('the node interface must be guarded before it listens');
    }
    nodeMaterial.attach(nodeServer, policy);

    const patientServer = https.createServer(
      createPatientTlsOptions(patientMaterial.current(), policy),
      buildPatientApp({ log, metrics, router: authorizationServer.patientRouter }),
    );
    hardenConnections(patientServer);
    patientMaterial.attach(patientServer, policy);
    // Slow clients hold sockets: headers within 10 s, the whole request within 30 s (a request
    // here is small; the answer may take longer and is not limited by these).
    for (const server of [nodeServer, patientServer]) {
      server.headersTimeout = 10_000;
      server.requestTimeout = 30_000;
    }

    let shuttingDown = false;
    const operationsServer = http.createServer(
      buildOperationsApp(
        createOperationsRouter({
          checks: readinessChecks(listManager, store, adapters),
          ...(config.operations.metrics ? { metrics } : {}),
          isShuttingDown: () => shuttingDown,
        }),
        log,
      ),
    );

    return {
      config,
      lists: listManager,
      store,
      adapters,
      metrics,
      verifier,
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
        await Promise.all([nodeMaterial.reload(), patientMaterial === nodeMaterial ? undefined : patientMaterial.reload()]);
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
  const entries = await Promise.all([...standards].map(async (s) => [s, await loadCatalogue(catalogueFile(s))] as const));
  return new Map(entries);
}

/** Qualification mode: the Nictiz scripts' static tokens are tried first, then real OAuth tokens. */
function withQualificationTokens(config: GatewayConfig, oauthVerifier: AccessTokenVerifier): AccessTokenVerifier {
  const tokens = config.qualification.tokens;
  if (config.mode !== 'test' || tokens.length === 0) return oauthVerifier;
  const staticVerifier = createStaticTokenVerifier(tokens);
  return {
    async verify(token) {
      return (await staticVerifier.verify(token)) ?? oauthVerifier.verify(token);
    },
  };
}

function readinessChecks(lists: ListManager, store: KeyValueStore, adapters: ReadonlyMap<string, Adapter>): ReadinessCheck[] {
  return [
    {
      name: 'lists',
      async check() {
        const stale = lists.status().filter((s) => !s.fresh);
        return stale.length === 0 ? { ok: true } : { ok: false, detail: `not in force: ${stale.map((s) => s.kind).join(', ')}` };
      },
    },
    { name: 'storage', check: async () => ({ ok: await store.ping() }) },
    ...[...adapters.values()].map((adapter) => ({
      name: `adapter:${adapter.id}`,
      check: (signal: AbortSignal) => adapter.health(signal),
    })),
  ];
}

function auditDestination(setting: string) {
  if (setting === 'stdout') return pino.destination({ fd: 1, sync: false });
  if (setting === 'stderr') return pino.destination({ fd: 2, sync: false });
  return pino.destination({ dest: setting, mkdir: true, sync: false });
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
