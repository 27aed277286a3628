import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { discoverEndpoints, type GatewayEndpoints } from './discover-endpoints.js';
import { PgoFlowError } from './pgo-flow-error.js';
import type { PgoOptions } from './pgo-options.js';
import { PgoSession } from './pgo-session.js';
import type { PgoSetup } from './resolve-setup.js';

/**
 * @module The start both PGO runs share (`pgo` collects, `pgo share` sends): the client's TLS
 * material, a session to the gateway's patient and node interfaces, and the endpoints discovered
 * there. The caller closes the session.
 */
export interface OpenedSession {
  readonly session: PgoSession;
  readonly clientCert: string;
  readonly clientKey: string;
}

async function readPem(file: string, option: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new PgoFlowError(`cannot read ${option} ${path.relative(process.cwd(), file) || file} (${code}): start the gateway once (npm start) or run npm run certs:dev to create the development PKI`);
  }
}

export async function openPgoSession(options: PgoOptions, setup: PgoSetup): Promise<OpenedSession> {
  const [clientCert, clientKey, ca] = await Promise.all([readPem(options.certFile, '--cert'), readPem(options.keyFile, '--key'), readPem(options.caFile, '--ca')]);
  return { session: new PgoSession({ patientUrl: setup.patientUrl, nodeUrl: setup.nodeUrl, ca, clientCert, clientKey }), clientCert, clientKey };
}

/** The authorization and token endpoints, rebased onto the URLs given on the command line where they override the configured ones. */
export function discoverFor(session: PgoSession, setup: PgoSetup, options: PgoOptions): Promise<GatewayEndpoints> {
  return discoverEndpoints(session, {
    patientUrl: setup.patientUrl,
    nodeUrl: setup.nodeUrl,
    ...(setup.configuredNodeUrl !== undefined ? { publicNodeUrl: setup.configuredNodeUrl } : {}),
    rebasePatient: options.patientUrl !== undefined,
    rebaseNode: setup.nodeUrlOverridden,
  });
}
