/**
 * The upstream client against a real HTTP server on loopback that resets the connection under a
 * request: a GET (idempotent) is sent once more and answered; a POST (a Delen write, which may have
 * reached the EHR) is never repeated and fails as UpstreamUnavailable.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createUpstreamClient, upstreamHttpSchema } from '../../adapters/fhir-passthrough/index.js';
import { UpstreamUnavailable } from '../../adapters/errors.js';

let server: http.Server;
let baseUrl: string;
const seen: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    // Every first request of a method is cut off before any answer, as an upstream closing a
    // pooled keep-alive socket at the moment it is reused would.
    if (seen.filter((s) => s.startsWith(`${req.method} `)).length === 1) {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/fhir+json' }).end('{"resourceType":"Bundle"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('a GET cut off by a connection reset is sent once more and answered', async () => {
  const client = createUpstreamClient(upstreamHttpSchema.parse({ baseUrl }), process.cwd());
  try {
    const res = await client.fetch('Observation?code=x', { signal: AbortSignal.timeout(5000), accept: 'application/fhir+json' });
    expect(res.status).toBe(200);
    expect(seen.filter((s) => s === 'GET /fhir/Observation?code=x')).toHaveLength(2);
  } finally {
    await client.close();
  }
});

test('a POST cut off by a connection reset is not repeated', async () => {
  const client = createUpstreamClient(upstreamHttpSchema.parse({ baseUrl }), process.cwd());
  try {
    await expect(
      client.fetch('', { signal: AbortSignal.timeout(5000), accept: 'application/fhir+json', method: 'POST', fhirJson: '{"resourceType":"Bundle","type":"transaction"}' }),
    ).rejects.toBeInstanceOf(UpstreamUnavailable);
    expect(seen.filter((s) => s.startsWith('POST '))).toHaveLength(1);
  } finally {
    await client.close();
  }
});
