import { readFile } from 'node:fs/promises';
import https from 'node:https';
import type { Gateway, GatewayAddresses } from '../../gateway/gateway.js';
import type { MemoryAuditLog } from '../../gateway/observability/index.js';
import { startTestGateway } from '../helpers/gateway.js';

/**
 * The composed gateway (real mTLS listener, development PKI generated per run) with one PDF/A 3
 * data service, `demoziekenhuis/51`, served by the adapter block the test passes, and a static
 * qualification token (mode: test) per test patient. For the documents-*.test.ts files.
 */
export const PUBLIC_NODE_URL = 'https://localhost:9443';
export const BASE_PATH = '/fhir/demoziekenhuis/51';
export const PUBLIC_BASE = `${PUBLIC_NODE_URL}${BASE_PATH}`;

export interface DocumentsGateway {
  readonly gateway: Gateway;
  readonly urls: GatewayAddresses;
  readonly audit: MemoryAuditLog;
  /** GET `pathOrUrl` (a path under the base, or a URL on the public base) over mTLS as the listed PGO. */
  get(pathOrUrl: string, options?: { token?: string; accept?: string; onFirstByte?: () => void }): Promise<Answer>;
  close(): Promise<void>;
}

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  /** True when the connection ended without a complete body (cut off). */
  readonly aborted: boolean;
}

export async function startDocumentsGateway(options: {
  readonly adapterYaml: string;
  readonly tokens: ReadonlyArray<{ readonly token: string; readonly patientRef: string }>;
  readonly timeoutMs?: number;
}): Promise<DocumentsGateway> {
  const tokens = options.tokens
    .map((t) => `    - { token: ${t.token}, patientRef: ${t.patientRef}, provider: demoziekenhuis, services: ["51"] }`)
    .join('\n');
  const test = await startTestGateway({
    mode: 'test',
    servicesYaml: `      - { id: "51", standard: pdfa-3, fhirVersion: STU3, adapter: docs, timeoutMs: ${options.timeoutMs ?? 5000} }`,
    adaptersYaml: options.adapterYaml,
    extraYaml: `qualification:\n  tokens:\n${tokens}`,
  });
  const { gateway, urls, audit } = test;
  const tls = {
    ca: await readFile(test.pki.caCert, 'utf8'),
    cert: await readFile(test.pki.pgoListedCert, 'utf8'),
    key: await readFile(test.pki.pgoListedKey, 'utf8'),
  };

  const get: DocumentsGateway['get'] = (pathOrUrl, o = {}) =>
    new Promise((resolve, reject) => {
      const target = pathOrUrl.startsWith(PUBLIC_NODE_URL) ? pathOrUrl.slice(PUBLIC_NODE_URL.length) : `${BASE_PATH}/${pathOrUrl}`;
      const headers: Record<string, string> = { 'medmij-request-id': '3f2b7c1e-8d4a-4e6b-9c2d-1a5e7f9b0c3d' };
      if (o.token !== undefined) headers['authorization'] = `Bearer ${o.token}`;
      if (o.accept !== undefined) headers['accept'] = o.accept;
      const req = https.get(`${urls.node}${target}`, { ...tls, servername: 'localhost', headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        let first = true;
        let aborted = false;
        res.on('data', (c: Buffer) => {
          if (first) o.onFirstByte?.();
          first = false;
          chunks.push(c);
        });
        res.on('aborted', () => (aborted = true));
        const done = (): void => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), aborted: aborted || !res.complete });
        res.on('end', done);
        res.on('error', () => done());
        res.on('close', () => done());
      });
      req.on('error', reject);
    });

  return {
    gateway,
    urls,
    audit,
    get,
    async close() {
      await test.close();
    },
  };
}

/** A small synthetic PDF/A-like document: the `%PDF-` magic, some text, the trailer. */
export function syntheticPdf(label: string, size = 600): Buffer {
  const head = Buffer.from(`%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj << /Title (${label}) >> endobj\n`, 'latin1');
  const tail = Buffer.from('\n%%EOF\n', 'latin1');
  const fill = Buffer.alloc(Math.max(0, size - head.length - tail.length), 0x20);
  return Buffer.concat([head, fill, tail]);
}
