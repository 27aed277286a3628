import https from 'node:https';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Whitelist } from '../../gateway/lists/types.js';
import { MemoryAuditLog } from '../../gateway/observability/audit.js';
import { createSilentLogger, type Logger } from '../../gateway/observability/logger.js';
import {
  createNodeTlsOptions,
  createReloadableTlsMaterial,
  guardConnections,
  peerOf,
  type PeerIdentity,
  type ReloadableTlsMaterial,
  type TlsPolicy,
} from '../../gateway/tls/index.js';
import type { PemPair, TestPki } from '../helpers/certs.js';

/** Shared by the tls-*.test.ts files: a guarded node-interface server and a raw TLS client. */

export interface NodeServer {
  readonly port: number;
  readonly server: https.Server;
  readonly audit: MemoryAuditLog;
  readonly material: ReloadableTlsMaterial;
  /** Identities peerOf() returned to the request handler, in order. */
  readonly seenPeers: PeerIdentity[];
  close(): Promise<void>;
}

export async function startNodeServer(
  pki: TestPki,
  opts: {
    whitelist: () => Whitelist | undefined;
    now?: () => Date;
    policy?: TlsPolicy;
    guard?: boolean;
    extra?: https.ServerOptions;
    certFile?: string;
    keyFile?: string;
    caFile?: string;
    log?: Logger;
    watch?: boolean;
  },
): Promise<NodeServer> {
  const policy = opts.policy ?? { minVersion: 'TLSv1.2' };
  const log = opts.log ?? createSilentLogger();
  const audit = new MemoryAuditLog();
  const material = createReloadableTlsMaterial({
    certFile: opts.certFile ?? pki.gateway.certFile,
    keyFile: opts.keyFile ?? pki.gateway.keyFile,
    caFile: opts.caFile ?? pki.ca.certFile,
    watch: opts.watch ?? false,
    debounceMs: 50,
    log,
  });
  const seenPeers: PeerIdentity[] = [];
  const server = https.createServer({ ...createNodeTlsOptions(material.current(), policy), ...opts.extra }, (req, res) => {
    const peer = peerOf(req);
    if (peer) seenPeers.push(peer);
    res.end(peer ? `hello ${peer.hostnames.join(',')}` : 'hello');
  });
  if (opts.guard !== false) {
    guardConnections(server, {
      currentWhitelist: opts.whitelist,
      audit,
      log,
      trustedCa: material.trustedCa,
      ...(opts.now ? { now: opts.now } : {}),
    });
  }
  material.attach(server, policy);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    server,
    audit,
    material,
    seenPeers,
    close: async () => {
      material.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ClientResult {
  /** HTTP status, when an HTTP answer came back at all. */
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
  readonly handshakeDone: boolean;
  readonly reused: boolean;
  readonly protocol?: string | null;
  readonly cipher?: string;
  /** The last session (ticket or id) the server gave us, for resumption. */
  readonly session?: Buffer;
  /** SHA-256 fingerprint of the server certificate this connection saw. */
  readonly serverFingerprint?: string;
}

/** One GET over a fresh TLS connection; resolves when the server closes, whatever happened. */
export function requestOnce(
  port: number,
  opts: {
    client?: PemPair;
    ca: string;
    session?: Buffer;
    minVersion?: tls.SecureVersion;
    maxVersion?: tls.SecureVersion;
    ciphers?: string;
    secureOptions?: number;
  },
): Promise<ClientResult> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: opts.ca,
      ...(opts.client ? { cert: opts.client.cert, key: opts.client.key } : {}),
      ...(opts.session ? { session: opts.session } : {}),
      ...(opts.minVersion ? { minVersion: opts.minVersion } : {}),
      ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}),
      ...(opts.ciphers ? { ciphers: opts.ciphers } : {}),
      ...(opts.secureOptions ? { secureOptions: opts.secureOptions } : {}),
    });
    let data = '';
    let error: string | undefined;
    let session: Buffer | undefined;
    let handshakeDone = false;
    let reused = false;
    let protocol: string | null | undefined;
    let cipher: string | undefined;
    let serverFingerprint: string | undefined;
    socket.setTimeout(5000, () => socket.destroy(new Error('client timeout')));
    socket.on('session', (s: Buffer) => {
      session = s;
    });
    socket.on('secureConnect', () => {
      handshakeDone = true;
      reused = socket.isSessionReused();
      protocol = socket.getProtocol();
      cipher = socket.getCipher().name;
      serverFingerprint = socket.getPeerX509Certificate()?.fingerprint256;
      socket.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    });
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('utf8');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      error = err.code ?? err.message;
    });
    socket.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
      resolve({
        ...(m?.[1] ? { status: Number(m[1]), body: data.slice(data.indexOf('\r\n\r\n') + 4) } : {}),
        ...(error === undefined ? {} : { error }),
        handshakeDone,
        reused,
        ...(protocol === undefined ? {} : { protocol }),
        ...(cipher === undefined ? {} : { cipher }),
        ...(session === undefined ? {} : { session }),
        ...(serverFingerprint === undefined ? {} : { serverFingerprint }),
      });
    });
  });
}
