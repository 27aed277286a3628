import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import { precomputeHeaders } from '../../gateway/static-headers.js';

/**
 * The node listener sets helmet's headers from a recording made once at start. Over a real HTTP
 * connection the answer must carry exactly the headers helmet itself sets per request, and a
 * middleware whose headers could depend on the request is refused at start.
 */
const NODE_HELMET = { contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } };
const PER_CONNECTION = new Set(['date', 'connection', 'keep-alive', 'content-length']);

async function headersFrom(headerMiddleware: RequestHandler): Promise<Record<string, string | string[] | undefined>> {
  const app = express();
  app.disable('x-powered-by');
  app.use(headerMiddleware);
  app.get('/x', (_req, res) => void res.type('text/plain').send('ok'));
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/x`);
    expect(await res.text()).toBe('ok');
    const out: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      if (!PER_CONNECTION.has(name)) out[name] = value;
    });
    return out;
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

test('precomputed helmet headers are exactly the ones helmet sets per request', async () => {
  const live = await headersFrom(helmet(NODE_HELMET));
  const precomputed = await headersFrom(precomputeHeaders(helmet(NODE_HELMET)));
  expect(precomputed).toEqual(live);
  expect(live['content-security-policy']).toContain("default-src 'none'");
  expect(live['strict-transport-security']).toMatch(/max-age=\d+/);
});

test('a header middleware that reads the request or answers late is refused at start', () => {
  const readsRequest: RequestHandler = (req, res, next) => {
    res.setHeader('X-Path', req.url);
    next();
  };
  expect(() => precomputeHeaders(readsRequest)).toThrow(/read req\.url/);
  const late: RequestHandler = (_req, res, next) => void setImmediate(() => (res.setHeader('X-Late', '1'), next()));
  expect(() => precomputeHeaders(late)).toThrow(/did not call next\(\) synchronously/);
});
