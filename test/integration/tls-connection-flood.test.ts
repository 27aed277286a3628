import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { limitConnections } from '../../gateway/tls/index.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Issue 9, finding 1, reproduced on loopback: one address (127.0.0.2) opens TCP connections to
 * the node interface and never starts TLS. Before: every one was held for 120 s, 20,500 of them
 * used up the file descriptors and 1.3 GB, and a whitelisted PGO was refused. Now: the flooding
 * address holds at most `maxPerAddress` connections, the rest are reset on accept, the held ones
 * are closed when the handshake timeout passes, and the PGO (from 127.0.0.1) is served throughout.
 * The flood is bounded (FLOOD sockets, all closed at the end); the figures go to the test output.
 */
const FLOOD = 1500;
const PER_ADDRESS = 50;
const HANDSHAKE_MS = 5000;
const FIRST_REQUEST_MS = 1000;

let gw: TestGateway;
let pgo: { cert: string; key: string; ca: string };
let nodePort: number;

beforeAll(async () => {
  gw = await startTestGateway({
    tlsYaml: `  connectionLimits:
    node: { maxPerAddress: ${PER_ADDRESS}, maxTotal: 1000, handshakeTimeoutMs: ${HANDSHAKE_MS}, firstRequestTimeoutMs: ${FIRST_REQUEST_MS} }
    patient: { maxPerAddress: ${PER_ADDRESS}, maxTotal: 1000, handshakeTimeoutMs: ${HANDSHAKE_MS}, firstRequestTimeoutMs: ${FIRST_REQUEST_MS} }`,
  });
  pgo = {
    cert: await readFile(gw.pki.pgoListedCert, 'utf8'),
    key: await readFile(gw.pki.pgoListedKey, 'utf8'),
    ca: await readFile(gw.pki.caCert, 'utf8'),
  };
  nodePort = Number(new URL(gw.urls.node).port);
});
afterAll(async () => {
  await gw?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;

/** One PGO request over a NEW connection (a full handshake each time: the hard case in a flood). */
function pgoRequest(): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = https.get(`${gw.urls.node}/fhir/demoziekenhuis/48/metadata`, { agent: false, ...pgo, localAddress: '127.0.0.1' }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, ms: performance.now() - started }));
    });
    req.on('error', reject);
  });
}

interface FloodSocket {
  readonly socket: net.Socket;
  closed: boolean;
}

function openFlood(count: number, localAddress: string, port: number): FloodSocket[] {
  const out: FloodSocket[] = [];
  for (let i = 0; i < count; i++) {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    const entry: FloodSocket = { socket, closed: false };
    socket.on('error', () => undefined);
    socket.on('close', () => {
      entry.closed = true;
    });
    out.push(entry);
  }
  return out;
}

async function waitUntil(check: () => boolean, maxMs: number): Promise<boolean> {
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(50);
  }
  return check();
}

describe('connection flood from one address on the node interface', () => {
  it('holds at most maxPerAddress of its connections, closes them at the handshake timeout, and keeps serving the PGO', async () => {
    expect((await pgoRequest()).status).toBe(200);
    global.gc?.();
    const before = process.memoryUsage();

    // In batches, so the test measures the gateway and not the kernel's listen backlog (an
    // overflowing backlog makes clients retry their SYN for seconds).
    const flood: FloodSocket[] = [];
    const settled = () => flood.every((f) => f.closed || f.socket.readyState === 'open');
    for (let sent = 0; sent < FLOOD; sent += 250) {
      flood.push(...openFlood(Math.min(250, FLOOD - sent), '127.0.0.2', nodePort));
      await waitUntil(settled, 10_000);
    }
    await waitUntil(() => settled() && flood.filter((f) => !f.closed).length <= PER_ADDRESS, 5000);
    const heldByFlood = flood.filter((f) => !f.closed).length;
    const serverSide = gw.gateway.connections().node;

    const latencies: number[] = [];
    let during = before;
    try {
    for (let i = 0; i < 20; i++) {
      const answer = await pgoRequest();
      expect(answer.status).toBe(200);
      latencies.push(answer.ms);
    }
    during = process.memoryUsage();

    expect(heldByFlood).toBeLessThanOrEqual(PER_ADDRESS);
    expect(serverSide.total).toBeLessThanOrEqual(PER_ADDRESS + 2);
    expect(serverSide.refused.perAddress).toBeGreaterThanOrEqual(FLOOD - PER_ADDRESS);

    // The held connections never start TLS: the handshake timeout closes them.
    const allClosed = await waitUntil(() => flood.every((f) => f.closed), HANDSHAKE_MS + 5000);
    expect(allClosed).toBe(true);
    expect(await waitUntil(() => gw.gateway.connections().node.total === 0, 2000)).toBe(true);
    expect((await pgoRequest()).status).toBe(200);
    } finally {
      for (const f of flood) f.socket.destroy();
    }

    latencies.sort((a, b) => a - b);
    process.stdout.write(
      `[flood] ${FLOOD} TCP connections from 127.0.0.2: ${heldByFlood} held (limit ${PER_ADDRESS}), ${serverSide.refused.perAddress} reset on accept; ` +
        `gateway open connections ${serverSide.total}; all closed by the ${HANDSHAKE_MS} ms handshake timeout. ` +
        `PGO from 127.0.0.1, 20 requests on new connections during the flood: median ${latencies[10]!.toFixed(1)} ms, max ${latencies[19]!.toFixed(1)} ms, all 200. ` +
        `Test process (gateway + flood client) rss ${mb(before.rss)} → ${mb(during.rss)}, heapUsed ${mb(before.heapUsed)} → ${mb(during.heapUsed)}\n`,
    );
  }, 60_000);

  it('closes a whitelisted TLS connection that sends no request within firstRequestTimeoutMs', async () => {
    const started = performance.now();
    const socket = tls.connect({ host: '127.0.0.1', port: nodePort, ...pgo, servername: 'localhost' });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    process.stdout.write(`[idle] silent TLS connection closed after ${(performance.now() - started).toFixed(0)} ms (firstRequestTimeoutMs ${FIRST_REQUEST_MS})\n`);
    expect(socket.destroyed).toBe(true);
  }, 15_000);

  it('applies the same budget on the patient interface', async () => {
    const patientPort = Number(new URL(gw.urls.patient).port);
    const flood = openFlood(PER_ADDRESS * 3, '127.0.0.3', patientPort);
    await waitUntil(() => flood.filter((f) => !f.closed).length <= PER_ADDRESS, 5000);
    expect(flood.filter((f) => !f.closed).length).toBeLessThanOrEqual(PER_ADDRESS);
    expect(gw.gateway.connections().patient.refused.perAddress).toBeGreaterThanOrEqual(PER_ADDRESS * 2);
    for (const f of flood) f.socket.destroy();
  }, 15_000);
});

describe('limitConnections on a bare TLS server: the total budget', () => {
  it('refuses connections beyond maxTotal whatever their source, and counts them down on close', async () => {
    const server = tls.createServer({ cert: pgo.cert, key: pgo.key });
    const counts = limitConnections(server, { maxPerAddress: 4, maxTotal: 10, handshakeTimeoutMs: 5000, firstRequestTimeoutMs: 5000 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const sockets = ['127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7'].flatMap((a) => openFlood(4, a, port));
    try {
      await waitUntil(() => counts().total + counts().refused.total === 16, 5000);
      expect(counts().total).toBe(10);
      expect(counts().refused.total).toBe(6);
      for (const s of sockets) s.socket.destroy();
      expect(await waitUntil(() => counts().total === 0, 5000)).toBe(true);
    } finally {
      for (const s of sockets) s.socket.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
