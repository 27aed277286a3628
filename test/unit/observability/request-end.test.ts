import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '../../../gateway/observability/logger.js';
import { labelRoute, requestTracker, type EndHook } from '../../../gateway/observability/request-context.js';

/**
 * The end of a request has one 'close' listener (issue 14): the layer that knows most about the
 * request hands its end hook to the context, which runs it and then writes the one access line
 * with the hook's fields. Over a real loopback connection, so 'close' comes from node:http.
 */
let server: http.Server;
let url: string;
const lines: Array<Record<string, unknown>> = [];
/** What the next request does: its end hook, and whether it answers at all. */
let next: { hook?: EndHook; answer: boolean } = { answer: true };
const hookCalls: Array<{ status: number; finished: boolean; lineWritten: boolean }> = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const track = requestTracker('node', createLogger({ level: 'info', destination: sink }));
  server = http.createServer((req, res) => {
    const context = track(req, res);
    labelRoute(res, () => '/labelled');
    const { hook, answer } = next;
    if (hook) {
      context.atEnd((status, finished) => {
        hookCalls.push({ status, finished, lineWritten: lines.some((l) => l.requestId === context.requestId) });
        return hook(status, finished);
      });
    }
    if (answer) res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
beforeEach(() => {
  lines.length = 0;
  hookCalls.length = 0;
});

/** Waits until the access line of the request is in (the destination is written asynchronously). */
async function accessLines(): Promise<Array<Record<string, unknown>>> {
  for (let i = 0; i < 50 && !lines.some((l) => l.msg === 'request'); i++) await new Promise((r) => setTimeout(r, 10));
  return lines.filter((l) => l.msg === 'request');
}

test('the end hook runs before the access line, and its fields are in that one line', async () => {
  next = { answer: true, hook: (status) => ({ component: 'fhir', interaction: 'search-type', count: status === 200 ? 3 : 0 }) };
  const res = await fetch(`${url}/x`);
  expect(await res.text()).toBe('ok');
  const access = await accessLines();
  expect(access).toHaveLength(1);
  expect(access[0]).toMatchObject({ status: 200, route: '/labelled', component: 'fhir', interaction: 'search-type', count: 3 });
  expect(hookCalls).toEqual([{ status: 200, finished: true, lineWritten: false }]);
});

test('a client that goes away before the answer: the hook hears 499, unfinished, and so does the line', async () => {
  next = { answer: false, hook: () => ({ reason: 'client_disconnected' }) };
  const controller = new AbortController();
  const pending = fetch(`${url}/x`, { signal: controller.signal }).catch((err: unknown) => err);
  await new Promise((r) => setTimeout(r, 50));
  controller.abort();
  await pending;
  const access = await accessLines();
  expect(access).toHaveLength(1);
  expect(access[0]).toMatchObject({ status: 499, reason: 'client_disconnected' });
  expect(hookCalls).toEqual([{ status: 499, finished: false, lineWritten: false }]);
});

test('a hook that throws costs its fields, not the access line, and is logged without the process failing', async () => {
  next = {
    answer: true,
    hook: () => {
      throw new Error('audit sink broke');
    },
  };
  const res = await fetch(`${url}/x`);
  expect(res.status).toBe(200);
  const access = await accessLines();
  expect(access).toHaveLength(1);
  expect(access[0]).toMatchObject({ status: 200, route: '/labelled' });
  const failure = lines.find((l) => l.msg === 'request end hook failed');
  expect(failure).toBeDefined();
  expect(failure!.requestId).toBe(access[0]!.requestId);
});

test('without a hook the line is written as before', async () => {
  next = { answer: true };
  await (await fetch(`${url}/x`)).text();
  const access = await accessLines();
  expect(access).toHaveLength(1);
  expect(access[0]).toMatchObject({ status: 200, route: '/labelled', listener: 'node' });
  expect(access[0]!.component).toBeUndefined();
});
