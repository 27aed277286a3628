import { Writable } from 'node:stream';
import { createLogger, deferredLogger, type Logger } from '../../../gateway/observability/logger.js';
import { buildCoreRequest } from '../../../gateway/fhir/edge-request.js';
import { contextFor } from '../../../gateway/fhir/dispatch.js';
import type { IncomingMessage } from 'node:http';

/**
 * The per-request objects that carry a logger hold it as data (a deferred logger), never as a
 * `get log()` in an object literal: such a getter gave every request's object a hidden class of
 * its own, and those kept whole requests alive across young-generation collections (issue 14).
 */
function sink(): { lines: string[]; log: Logger } {
  const lines: string[] = [];
  const destination = new Writable({ write: (chunk: Buffer, _e, done) => void (lines.push(chunk.toString()), done()) });
  return { lines, log: createLogger({ level: 'info', destination }) };
}

test('a deferred logger makes its logger on first use, once, and then is that logger', () => {
  const { lines, log } = sink();
  let made = 0;
  const deferred = deferredLogger(() => {
    made++;
    return log.child({ component: 'x' });
  });
  expect(made).toBe(0);
  deferred.info({ a: 1 }, 'first');
  deferred.warn('second');
  expect(made).toBe(1);
  expect(deferred.isLevelEnabled('debug')).toBe(false);
  return new Promise<void>((resolve) =>
    setImmediate(() => {
      expect(lines.join('')).toContain('"component":"x"');
      expect(lines.join('')).toContain('"msg":"first"');
      resolve();
    }),
  );
});

test('the core request and the adapter context hold `log` as data, and make no logger until it is used', () => {
  let made = 0;
  const { log } = sink();
  const req = { method: 'GET', headers: {}, rawHeaders: [] } as unknown as IncomingMessage;
  const request = buildCoreRequest(req, { requestId: 'r1', base: undefined, rawQuery: '', peer: undefined, signal: undefined, log: deferredLogger(() => (made++, log)) });
  const requestLog = Object.getOwnPropertyDescriptor(request, 'log');
  expect(requestLog?.get).toBeUndefined();
  expect(requestLog?.value).toBeDefined();
  const ctx = contextFor({ requestId: 'r1', log: request.log }, { fhirVersion: 'STU3' } as never, { id: 'demo' } as never, 'patA', new AbortController().signal);
  expect(Object.getOwnPropertyDescriptor(ctx, 'log')?.get).toBeUndefined();
  // A spread keeps the logger (a prototype getter would be lost) and still makes nothing.
  const copied = { ...ctx };
  expect(made).toBe(0);
  copied.log.info('adapter says');
  expect(made).toBe(1);
});
