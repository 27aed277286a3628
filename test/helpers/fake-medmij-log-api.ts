import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { medMijLogBatchSchema } from '../../gateway/ketenlog/index.js';

export type LogApiMode = { kind: 'up' } | { kind: 'error'; status: number } | { kind: 'slow'; delayMs: number };

export interface StoredRecord {
  readonly event: { readonly type: string; readonly session_id: string; readonly trace_id: string; readonly datetime: string };
  readonly request?: Record<string, unknown>;
  readonly response?: Record<string, unknown>;
  readonly error?: Record<string, unknown>;
}

/**
 * A stand-in for MedMij's log API (eagleeye /v1/logs): a real HTTPS server on loopback that
 * demands a client certificate from the given CA (and, when named, exactly the gateway's), and
 * validates every batch against the record schema. Batches it already stored (same
 * Idempotency-Key) are acknowledged without storing them again, as a receiver that deduplicates.
 * It can answer with an error status, answer slowly (storing first, as a server whose answer is
 * lost would), or be stopped and started again on the same port (down).
 */
export class FakeMedMijLogApi {
  readonly stored: StoredRecord[] = [];
  readonly invalid: Array<{ body: string; issues: string }> = [];
  /** Every POST that reached the handler, with its key and size, in order. */
  readonly received: Array<{ key: string; count: number; status: number }> = [];
  mode: LogApiMode = { kind: 'up' };
  private readonly keys = new Set<string>();
  private server: https.Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly tls: { cert: string; key: string; ca: string; expectClientCert?: string }) {}

  get url(): string {
    return `https://localhost:${this.port}/eagleeye/v1/logs`;
  }

  async start(): Promise<void> {
    const server = https.createServer({ cert: this.tls.cert, key: this.tls.key, ca: this.tls.ca, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerX509Certificate();
      const expected = this.tls.expectClientCert ? new X509Certificate(this.tls.expectClientCert).fingerprint256 : undefined;
      if (!peer || (expected && peer.fingerprint256 !== expected)) {
        res.writeHead(403).end();
        return;
      }
      if (req.method !== 'POST' || req.url !== '/eagleeye/v1/logs' || !String(req.headers['content-type']).startsWith('application/json')) {
        res.writeHead(404).end();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const key = String(req.headers['idempotency-key'] ?? '');
        const mode = this.mode;
        if (mode.kind === 'error') {
          this.received.push({ key, count: -1, status: mode.status });
          res.writeHead(mode.status).end();
          return;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          parsed = undefined;
        }
        const check = medMijLogBatchSchema.safeParse(parsed);
        if (!check.success) {
          this.invalid.push({ body: body.slice(0, 2000), issues: JSON.stringify(check.error.issues.slice(0, 5)) });
          this.received.push({ key, count: -1, status: 400 });
          res.writeHead(400).end();
          return;
        }
        if (!this.keys.has(key)) {
          this.keys.add(key);
          this.stored.push(...(parsed as StoredRecord[]));
        }
        this.received.push({ key, count: check.data.length, status: 202 });
        const answer = () => res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
        if (mode.kind === 'slow') setTimeout(answer, mode.delayMs);
        else answer();
      });
    });
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Down: nothing listens on the port (connection refused) until start() again. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Resolves once `n` records are stored, or rejects after `timeoutMs`. */
  async waitForStored(n: number, timeoutMs = 15_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.stored.length < n) {
      if (Date.now() > until) throw new Error(`only ${this.stored.length} of ${n} records arrived within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
