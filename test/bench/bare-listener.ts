import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** PEM files of the server side of the bench's two-sided TLS (the gateway's certificate, its CA). */
export interface BareTls {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/**
 * The listener of the bench's reference servers (bare-server.ts, bare-proxy.ts), each in a
 * process of its own: node:https with the gateway's certificate and the same two-sided TLS (a
 * client certificate required and checked against the same CA), or node:http without `tls`, on
 * loopback. Prints `{"port":N}` when listening; on SIGTERM closes and runs `onStop` before exiting.
 */
export function listenBare(handler: http.RequestListener, tls: BareTls | undefined, onStop: () => Promise<void> = () => Promise.resolve()): void {
  const server = tls
    ? https.createServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key), ca: readFileSync(tls.ca), requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' }, handler)
    : http.createServer(handler);
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  });
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => void onStop().then(() => process.exit(0)));
  });
}

/** True in the gateway process itself, where the bench's preloaded modules (heap probe, allocation sampler) act. */
export function isGatewayMain(): boolean {
  return process.argv.some((a) => a.endsWith(path.join('gateway', 'main.js')));
}
