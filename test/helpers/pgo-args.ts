import path from 'node:path';
import type { TestGateway } from './gateway.js';

/** The reference PGO client's options that point it at a test gateway: its config, both interfaces, and the listed PGO's certificate. */
export function pgoGatewayArgs(gw: TestGateway): string[] {
  return [
    '--config', path.join(gw.dir, 'gateway.yaml'),
    '--patient-url', gw.urls.patient,
    '--node-url', gw.urls.node,
    '--cert', gw.pki.pgoListedCert,
    '--key', gw.pki.pgoListedKey,
    '--ca', gw.pki.caCert,
  ];
}
