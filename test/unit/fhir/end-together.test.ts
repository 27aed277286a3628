import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { endTogether } from '../../../gateway/fhir/end-together.js';

/**
 * Whole answers ended in one turn leave together, after that turn's reads (issue 14). Over real
 * loopback connections, so what is checked is what a client receives.
 */
let server: http.Server;
let port: number;
/** What the server does once `expected` requests are waiting: it answers them all in one turn. */
let expected = 0;
let answerAll: (waiting: http.ServerResponse[]) => void = () => undefined;
let waiting: http.ServerResponse[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    waiting.push(res);
    if (waiting.length === expected) {
      const batch = waiting;
      waiting = [];
      answerAll(batch);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
beforeEach(() => {
  waiting = [];
});

/** One request on a connection of its own; resolves with status and body, or with the error's code. */
function get(path: string): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
  });
}

function answer(res: http.ServerResponse, body: string): void {
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.writeHead(200);
  endTogether(res, body);
}

test('answers ended in one turn are all still open at the end of that turn, and each client gets its own', async () => {
  expected = 5;
  const openAfterCalls: boolean[] = [];
  const endedNextTurn: boolean[] = [];
  answerAll = (batch) => {
    batch.forEach((res) => answer(res, `answer to ${res.req.url}`));
    for (const res of batch) openAfterCalls.push(!res.writableEnded && res.headersSent);
    setImmediate(() => { for (const res of batch) endedNextTurn.push(res.writableEnded); });
  };
  const results = await Promise.all([1, 2, 3, 4, 5].map((n) => get(`/r${n}`)));
  expect(results).toEqual([1, 2, 3, 4, 5].map((n) => ({ status: 200, body: `answer to /r${n}` })));
  expect(openAfterCalls).toEqual([true, true, true, true, true]);
  expect(endedNextTurn).toEqual([true, true, true, true, true]);
});

test('past 64 waiting answers the batch is sent at once, so one turn never holds more', async () => {
  expected = 65;
  const endedAtOnce: boolean[] = [];
  answerAll = (batch) => {
    batch.forEach((res, i) => answer(res, `n${i}`));
    for (const res of batch) endedAtOnce.push(res.writableEnded);
  };
  const results = await Promise.all(Array.from({ length: 65 }, (_, i) => get(`/b${i}`)));
  expect(results.every((r) => 'status' in r && r.status === 200)).toBe(true);
  expect(endedAtOnce.slice(0, 64).every(Boolean)).toBe(true);
  expect(endedAtOnce[64]).toBe(false);
});

test('a client gone while its answer waited is skipped; the others are answered', async () => {
  expected = 3;
  answerAll = (batch) => {
    batch.forEach((res) => answer(res, `answer to ${res.req.url}`));
    batch[1]!.destroy();
  };
  const results = await Promise.all([get('/x0'), get('/x1'), get('/x2')]);
  expect(results[0]).toEqual({ status: 200, body: 'answer to /x0' });
  expect(results[1]).toHaveProperty('error');
  expect(results[2]).toEqual({ status: 200, body: 'answer to /x2' });
});

test('an answer that cannot be written ends its own connection and keeps no other answer back', async () => {
  expected = 3;
  answerAll = (batch) => {
    answer(batch[0]!, 'first');
    batch[1]!.setHeader('Content-Length', 1);
    batch[1]!.writeHead(200);
    // A chunk node:http refuses (a number): res.end throws when the batch is sent.
    endTogether(batch[1]!, 7 as unknown as string);
    answer(batch[2]!, 'third');
  };
  const results = await Promise.all([get('/y0'), get('/y1'), get('/y2')]);
  expect(results[0]).toEqual({ status: 200, body: 'first' });
  expect(results[1]).toHaveProperty('error');
  expect(results[2]).toEqual({ status: 200, body: 'third' });
});
