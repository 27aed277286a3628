import type { AddressInfo } from 'node:net';
import http from 'node:http';
import express from 'express';
import type { Adapter } from '../../adapters/types.js';
import { loadCatalogue, catalogueFile, type QueryCatalogue } from '../../gateway/fhir/catalogue/index.js';
import { TEST_RESOURCE_PATH } from './gateway.js';
import { createFhirRouter, createStaticTokenVerifier, type ProviderConfig } from '../../gateway/fhir/index.js';
import { MemoryAuditLog } from '../../gateway/observability/audit.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import type { AccessTokenVerifier } from '../../gateway/oauth/grant-context.js';

/**
 * The FHIR router mounted at /fhir in a bare Express app on 127.0.0.1:0 (plain HTTP: the mTLS
 * end-to-end test lives with the gateway). Tokens are static qualification tokens.
 */
export const TOKENS = {
  bgzA: 'tok-bgz-patient-a-0000000001',
  bgzB: 'tok-bgz-patient-b-0000000002',
  mp9A: 'tok-mp9-patient-a-0000000003',
  slowA: 'tok-slow-patient-a-000000004',
  leakA: 'tok-leak-patient-a-000000005',
} as const;

export interface TestServer {
  readonly url: string;
  readonly audit: MemoryAuditLog;
  close(): Promise<void>;
}

export interface TestServerOptions {
  readonly adapters: ReadonlyMap<string, Adapter>;
  readonly providers: readonly ProviderConfig[];
  readonly verifier?: AccessTokenVerifier;
}

export async function loadTestCatalogues(): Promise<ReadonlyMap<string, QueryCatalogue>> {
  return new Map([
    ['bgz-3', await loadCatalogue(catalogueFile('bgz-3'))],
    ['mp9-3.0', await loadCatalogue(catalogueFile('mp9-3.0'))],
  ]);
}

export async function startFhirTestServer(options: TestServerOptions): Promise<TestServer> {
  const audit = new MemoryAuditLog();
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const app = express();
  app.use(
    '/fhir',
    createFhirRouter({
      providers: options.providers,
      adapters: options.adapters,
      catalogues: await loadTestCatalogues(),
      verifier:
        options.verifier ??
        createStaticTokenVerifier([
          { token: TOKENS.bgzA, patientRef: 'patA', provider: 'demoziekenhuis', services: ['48'] },
          { token: TOKENS.bgzB, patientRef: 'patB', provider: 'demoziekenhuis', services: ['48'] },
          { token: TOKENS.mp9A, patientRef: 'patA', provider: 'demoziekenhuis', services: ['mp9'] },
          { token: TOKENS.slowA, patientRef: 'patA', provider: 'traagziekenhuis', services: ['48'] },
          { token: TOKENS.leakA, patientRef: 'patA', provider: 'lekziekenhuis', services: ['48'] },
        ]),
      peerOf: () => ({ hostnames: ['pgo.example.nl'], fingerprintSha256: 'AA' }),
      requireCertificateBinding: true,
      publicBaseUrl: url,
      resourcePath: TEST_RESOURCE_PATH,
      audit,
      log: createSilentLogger(),
    }),
  );
  server.on('request', app);
  return {
    url,
    audit,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
