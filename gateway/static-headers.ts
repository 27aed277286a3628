import type { OutgoingHttpHeader, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

/**
 * Runs a middleware that only sets response headers the same way on every request (helmet with
 * fixed directives: no nonces, nothing read from the request) ONCE, at start, against a recorder,
 * and returns a middleware that sets the recorded headers. helmet stays the source of the policy;
 * what it costs per request (a chain of a dozen small middlewares, each re-validating its header)
 * is paid once. Fails at start, not per request, if the middleware turns out not to be static.
 */
export function precomputeHeaders(middleware: RequestHandler): RequestHandler {
  const headers = recordHeaders(middleware);
  const removed = headers.removed;
  const set = headers.set;
  return (_req, res, next) => {
    for (let i = 0; i < removed.length; i++) res.removeHeader(removed[i]!);
    for (let i = 0; i < set.length; i++) res.setHeader(set[i]![0], set[i]![1]);
    next();
  };
}

export function recordHeaders(middleware: RequestHandler): { set: Array<readonly [string, OutgoingHttpHeader]>; removed: string[] } {
  const set = new Map<string, readonly [string, OutgoingHttpHeader]>();
  const removed = new Set<string>();
  let calledNext = false;
  let touchedOther: string | undefined;
  const recorder = new Proxy(
    {
      setHeader(name: string, value: OutgoingHttpHeader) {
        set.set(name.toLowerCase(), [name, value]);
        removed.delete(name.toLowerCase());
        return recorder;
      },
      removeHeader(name: string) {
        set.delete(name.toLowerCase());
        removed.add(name.toLowerCase());
      },
    },
    {
      get(target, key) {
        if (key === 'setHeader' || key === 'removeHeader') return target[key];
        touchedOther ??= String(key);
        return undefined;
      },
    },
  ) as unknown as ServerResponse;
  const requestProbe = new Proxy(
    {},
    {
      get(_t, key) {
        touchedOther ??= `req.${String(key)}`;
        return undefined;
      },
    },
  );
  (middleware as (req: unknown, res: unknown, next: (err?: unknown) => void) => void)(requestProbe, recorder, (err?: unknown) => {
    if (err) throw err instanceof Error ? err : new Error(String(err));
    calledNext = true;
  });
  if (!calledNext) throw new Error('precomputeHeaders: the middleware did not call next() synchronously');
  if (touchedOther !== undefined) throw new Error(`precomputeHeaders: the middleware read ${touchedOther}, so its headers may differ per request`);
  return { set: [...set.values()], removed: [...removed] };
}
