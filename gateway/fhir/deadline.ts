import type { ServerResponse } from 'node:http';
import { FhirError } from './outcome.js';

/**
 * Every adapter call runs under a deadline (house rule 7): the service's `timeoutMs`, and the
 * client going away. MedMij wants an answer within 60 s (digest §3, core.rscint.202), so a slow
 * EHR becomes a 504 with an OperationOutcome rather than a hanging connection.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  dispose(): void;
}

const CLIENT_GONE = 'client_disconnected';

/**
 * The one deadline of a request, made by the edge (edge-request.ts) when the base is known: one
 * signal that every adapter call of the request shares (no controller per step).
 */
export function createDeadline(timeoutMs: number, res: Pick<ServerResponse, 'once' | 'off' | 'writableFinished'>): Deadline {
  // One controller and one timer: AbortSignal.timeout + AbortSignal.any per request cost several
  // times more (and any() keeps its sources alive until they are collected).
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('the deadline passed', 'TimeoutError')), timeoutMs);
  timer.unref();
  const onClose = (): void => {
    if (!res.writableFinished) controller.abort(new DOMException(CLIENT_GONE, 'AbortError'));
  };
  res.once('close', onClose);
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      res.off('close', onClose);
    },
  };
}

function deadlineError(signal: AbortSignal): FhirError {
  const reason: unknown = signal.reason;
  if (reason instanceof DOMException && reason.message === CLIENT_GONE) {
    return new FhirError(499, 'exception', 'the client closed the connection', { reason: CLIENT_GONE });
  }
  return new FhirError(504, 'timeout', 'the source system did not answer in time', { reason: 'adapter_timeout' });
}

/**
 * Settles with the work, or rejects when the signal fires first, even when the adapter ignores
 * the signal (a misbehaving adapter must not hold the request past its deadline).
 */
export function withDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(deadlineError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(deadlineError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) reject(deadlineError(signal));
        else resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        // An adapter that stopped because of our signal reports the deadline, not its own abort.
        reject(signal.aborted ? deadlineError(signal) : err);
      },
    );
  });
}
