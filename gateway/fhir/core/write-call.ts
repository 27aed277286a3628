import type { Request, Response } from 'express';
import type { FhirExchange } from '../exchange.js';
import { receiveWrite, type WriteDeps } from '../write/index.js';
import type { ServiceSetup } from './context.js';
import type { CoreRequest } from './types.js';

/** The Delen answer as the write path wrote it: a batch-response Bundle (or a replay of one). */
export interface WriteAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | number>>;
  readonly bytes: Buffer | string;
}

/**
 * The seam to the write path (write/receive-write.ts), whose entry still takes an HTTP
 * request/response pair: it is handed the request's headers and body stream, and a response
 * that only records what it is told to send, so the core returns that as its answer like any
 * other. The write path's deadline follows the request's one signal (it fires for the timeout
 * and for the client going away alike). To go once receiveWrite takes plain inputs.
 */
export async function callReceiveWrite(request: CoreRequest, exchange: FhirExchange, setup: ServiceSetup, deps: WriteDeps): Promise<WriteAnswer> {
  const headerOf: Record<string, string | undefined> = {
    accept: request.headers.accept,
    'content-type': request.headers.contentType,
    'content-length': request.headers.contentLength,
    prefer: request.headers.prefer,
  };
  const body = request.body;
  const req = {
    get: (name: string) => headerOf[name.toLowerCase()],
    on: (event: string, fn: (...args: unknown[]) => void) => (body?.on(event, fn), req),
    once: (event: string, fn: (...args: unknown[]) => void) => (body?.once(event, fn), req),
    off: (event: string, fn: (...args: unknown[]) => void) => (body?.off(event, fn), req),
    pause: () => (body?.pause(), req),
  };
  const recorded = { status: 200, headers: {} as Record<string, string | number>, bytes: '' as Buffer | string };
  const listeners = new Map<() => void, () => void>();
  const res = {
    writableFinished: false,
    headersSent: false,
    status(code: number) {
      recorded.status = code;
      return res;
    },
    setHeader(name: string, value: string | number) {
      recorded.headers[name] = value;
      return res;
    },
    end(chunk?: Buffer | string) {
      if (chunk !== undefined) recorded.bytes = chunk;
      return res;
    },
    once(event: string, fn: () => void) {
      if (event !== 'close') return res;
      const onAbort = (): void => fn();
      listeners.set(fn, onAbort);
      request.signal.addEventListener('abort', onAbort, { once: true });
      return res;
    },
    off(event: string, fn: () => void) {
      const onAbort = listeners.get(fn);
      if (event === 'close' && onAbort) request.signal.removeEventListener('abort', onAbort);
      return res;
    },
  };
  const setupService = setup.service;
  await receiveWrite(req as unknown as Request, res as unknown as Response, exchange, setupService, setup.catalogue.accepts, setup.adapter, deps);
  return recorded;
}
