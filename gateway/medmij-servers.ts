import type { X509Certificate } from 'node:crypto';
import type { RequestListener } from 'node:http';
import https from 'node:https';
import { StagedHeadResponse } from './staged-head-response.js';
import type { GatewayConfig } from './config/index.js';
import type { Whitelist } from './lists/index.js';
import type { AuditLog } from './observability/index.js';
import type { Logger } from './observability/index.js';
import {
  createNodeTlsOptions,
  createPatientTlsOptions,
  createReloadableTlsMaterial,
  guardConnections,
  hardenConnections,
  isGuarded,
  answerOversizedRequests,
  limitConnections,
  type ConnectionCounts,
} from './tls/index.js';

export interface MedMijServers {
  readonly nodeServer: https.Server;
  readonly patientServer: https.Server;
  /** Open connections and refusals per listener (tls.connectionLimits). */
  connections(): { readonly node: ConnectionCounts; readonly patient: ConnectionCounts };
  /** Re-reads certificate and key files; a bad new file never replaces the good one. */
  reload(): Promise<void>;
  close(): void;
}

/**
 * The two HTTPS listeners MedMij asks for, with their TLS material: the node interface (client
 * certificate + Whitelist guard on every connection) and the patient interface (server TLS only,
 * optionally its own publicly trusted certificate). Both renegotiation-free, both reloadable.
 * Behind a trusted TLS-terminating proxy the proxy is the TLS peer: the node listener asks no
 * client certificate and the Whitelist check moves to the forwarded certificate of each request
 * (app.ts; README, "Behind a TLS-terminating proxy").
 */
export function createMedMijServers(deps: {
  readonly tls: GatewayConfig['tls'];
  readonly currentWhitelist: () => Whitelist | undefined;
  readonly audit: AuditLog;
  readonly log: Logger;
  /** Builds the node app; it gets the client-certificate trust anchors in force (proxy mode verifies with them). */
  readonly nodeApp: (trustedCa: () => readonly X509Certificate[]) => RequestListener;
  readonly patientApp: RequestListener;
}): MedMijServers {
  const { tls, log } = deps;
  const policy = { minVersion: tls.minVersion };
  const nodeMaterial = createReloadableTlsMaterial({
    certFile: tls.certFile,
    keyFile: tls.keyFile,
    caFile: tls.clientCaFile,
    watch: tls.watchFiles,
    log: log.child({ component: 'tls', listener: 'node' }),
  });
  const patientMaterial =
    tls.patientCertFile && tls.patientKeyFile
      ? createReloadableTlsMaterial({
          certFile: tls.patientCertFile,
          keyFile: tls.patientKeyFile,
          watch: tls.watchFiles,
          log: log.child({ component: 'tls', listener: 'patient' }),
        })
      : nodeMaterial;

  const behindProxy = tls.trustedProxy.enabled;
  const limits = tls.connectionLimits;
  const nodeServer = https.createServer(
    {
      ...(behindProxy ? createPatientTlsOptions(nodeMaterial.current(), policy) : createNodeTlsOptions(nodeMaterial.current(), policy)),
      handshakeTimeout: limits.node.handshakeTimeoutMs,
      // The lean FHIR edge writes an answer's headers in one list (staged-head-response.ts).
      ServerResponse: StagedHeadResponse,
    },
    deps.nodeApp(nodeMaterial.trustedCa),
  );
  // Counted before the whitelist guard and before TLS: a flood is refused at the cheapest point.
  const nodeConnections = limitConnections(nodeServer, { ...limits.node, ...(behindProxy ? { exemptAddresses: tls.trustedProxy.addresses } : {}) });
  if (behindProxy) {
    hardenConnections(nodeServer);
  } else {
    guardConnections(nodeServer, {
      currentWhitelist: deps.currentWhitelist,
      audit: deps.audit,
      log: log.child({ component: 'tls-guard' }),
      trustedCa: nodeMaterial.trustedCa,
    });
    if (!isGuarded(nodeServer)) throw new Error('the node interface must be guarded before it listens');
  }
  nodeMaterial.attach(nodeServer, policy);

  const patientServer = https.createServer(
    { ...createPatientTlsOptions(patientMaterial.current(), policy), handshakeTimeout: limits.patient.handshakeTimeoutMs },
    deps.patientApp,
  );
  const patientConnections = limitConnections(patientServer, { ...limits.patient, ...(behindProxy ? { exemptAddresses: tls.trustedProxy.addresses } : {}) });
  hardenConnections(patientServer);
  patientMaterial.attach(patientServer, policy);

  // Slow clients hold sockets: headers within 10 s, the whole request within 30 s (a request
  // here is small; the answer may take longer and is not limited by these).
  for (const server of [nodeServer, patientServer]) {
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    answerOversizedRequests(server);
  }

  const materials = patientMaterial === nodeMaterial ? [nodeMaterial] : [nodeMaterial, patientMaterial];
  return {
    nodeServer,
    patientServer,
    connections: () => ({ node: nodeConnections(), patient: patientConnections() }),
    async reload() {
      await Promise.all(materials.map((m) => m.reload()));
    },
    close() {
      for (const m of materials) m.close();
    },
  };
}
