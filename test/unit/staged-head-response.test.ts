import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { FixedHeaderLines, StagedHeadResponse, stageHeader } from '../../gateway/staged-head-response.js';

/**
 * The node interface's response class writes staged headers with the head in one list. Over a
 * real HTTP connection, read as the raw header lines the client received: every staged and
 * fixed header arrives, each name once, with the value setHeader's rules would have given it,
 * whichever way the head is written.
 */
type Handler = (req: IncomingMessage, res: StagedHeadResponse) => void;

const FIXED = new FixedHeaderLines([
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'SAMEORIGIN'],
  ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'],
]);

async function rawHeadersOf(handler: Handler, options: { subclass: boolean } = { subclass: true }): Promise<{ status: number; lines: Array<[string, string]>; body: string }> {
  const server = options.subclass
    ? http.createServer({ ServerResponse: StagedHeadResponse }, handler as unknown as http.RequestListener)
    : http.createServer(handler as unknown as http.RequestListener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/' }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => {
            const lines: Array<[string, string]> = [];
            for (let i = 0; i < res.rawHeaders.length; i += 2) lines.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
            resolve({ status: res.statusCode ?? 0, lines: lines.filter(([name]) => !['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(name)), body });
          });
        })
        .on('error', reject);
    });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const valuesOf = (lines: Array<[string, string]>, name: string) => lines.filter(([n]) => n === name).map(([, v]) => v);

describe('StagedHeadResponse: staged headers written with the head', () => {
  it('writes the fixed and staged headers once each with writeHead(status) and end(body)', async () => {
    const answer = await rawHeadersOf((_req, res) => {
      res.stageFixed(FIXED);
      stageHeader(res, 'MedMij-Request-ID', 'first');
      stageHeader(res, 'Cache-Control', 'no-store');
      stageHeader(res, 'MedMij-Request-ID', 'second'); // staged again: replaces
      stageHeader(res, 'Content-Type', 'application/fhir+json; charset=utf-8');
      stageHeader(res, 'Content-Length', 2);
      res.writeHead(200);
      res.end('{}');
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('{}');
    expect(answer.lines).toEqual([
      ['x-content-type-options', 'nosniff'],
      ['x-frame-options', 'SAMEORIGIN'],
      ['strict-transport-security', 'max-age=31536000; includeSubDomains'],
      ['medmij-request-id', 'second'],
      ['cache-control', 'no-store'],
      ['content-type', 'application/fhir+json; charset=utf-8'],
      ['content-length', '2'],
    ]);
  });

  it('a staged name replaces the same fixed one, whatever its case', async () => {
    const answer = await rawHeadersOf((_req, res) => {
      res.stageFixed(FIXED);
      stageHeader(res, 'x-frame-options', 'DENY');
      res.end();
    });
    expect(valuesOf(answer.lines, 'x-frame-options')).toEqual(['DENY']);
    expect(valuesOf(answer.lines, 'x-content-type-options')).toEqual(['nosniff']);
  });

  it('end() without writeHead (an error path) still writes everything staged', async () => {
    const answer = await rawHeadersOf((_req, res) => {
      res.stageFixed(FIXED);
      stageHeader(res, 'RateLimit', '"fhir";r=0;t=5');
      res.statusCode = 429;
      res.end('slow down');
    });
    expect(answer.status).toBe(429);
    expect(valuesOf(answer.lines, 'ratelimit')).toEqual(['"fhir";r=0;t=5']);
    expect(valuesOf(answer.lines, 'strict-transport-security')).toHaveLength(1);
  });

  it('a header set with setHeader keeps its value, and the staged ones join it', async () => {
    const answer = await rawHeadersOf((_req, res) => {
      res.stageFixed(FIXED);
      stageHeader(res, 'Content-Type', 'application/fhir+json');
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.end('x');
    });
    expect(valuesOf(answer.lines, 'content-type')).toEqual(['text/plain; charset=utf-8']);
    expect(valuesOf(answer.lines, 'x-content-type-options')).toEqual(['nosniff']);
    expect(valuesOf(answer.lines, 'x-frame-options')).toEqual(['SAMEORIGIN']);
  });

  it('headers given to writeHead keep their values, as an object and as a list', async () => {
    for (const given of [{ 'x-frame-options': 'DENY', 'Content-Type': 'text/plain' }, ['X-Frame-Options', 'DENY', 'Content-Type', 'text/plain']]) {
      const answer = await rawHeadersOf((_req, res) => {
        res.stageFixed(FIXED);
        stageHeader(res, 'Content-Type', 'application/fhir+json');
        res.writeHead(201, 'Made', given as http.OutgoingHttpHeaders);
        res.end();
      });
      expect(answer.status).toBe(201);
      expect(valuesOf(answer.lines, 'x-frame-options')).toEqual(['DENY']);
      expect(valuesOf(answer.lines, 'content-type')).toEqual(['text/plain']);
      expect(valuesOf(answer.lines, 'strict-transport-security')).toHaveLength(1);
    }
  });

  it('falls back to setHeader on a plain response and on one Express took over', async () => {
    const plain = await rawHeadersOf((_req, res) => {
      expect(res).not.toBeInstanceOf(StagedHeadResponse);
      stageHeader(res, 'MedMij-Request-ID', 'abc');
      expect(res.getHeader('medmij-request-id')).toBe('abc');
      res.end();
    }, { subclass: false });
    expect(valuesOf(plain.lines, 'medmij-request-id')).toEqual(['abc']);

    const app = express();
    app.get('/', (_req, res) => {
      stageHeader(res as unknown as ServerResponse, 'MedMij-Request-ID', 'via-express');
      res.type('text/plain').send('ok');
    });
    const viaExpress = await rawHeadersOf(app as unknown as Handler);
    expect(viaExpress.body).toBe('ok');
    expect(valuesOf(viaExpress.lines, 'medmij-request-id')).toEqual(['via-express']);
  });

  it('refuses a fixed list that names a header twice', () => {
    expect(() => new FixedHeaderLines([['X-Frame-Options', 'DENY'], ['x-frame-options', 'SAMEORIGIN']])).toThrow(/twice/);
  });
});
