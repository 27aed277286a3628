import { FhirError } from './outcome.js';

/**
 * Every adapter call runs under a deadline (house rule 7): the service's `timeoutMs`, and the
 * client going away. MedMij wants an answer within 60 s (digest §3, core.rscint.202), so a slow
 * EHR becomes a 504 with an OperationOutcome rather than a hanging connection.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  /** The client went away before the answer was finished: abort what is still running. */
  clientGone(): void;
  dispose(): void;
}

const CLIENT_GONE = 'client_disconnected';

/**
 * The deadline a signal belongs to, kept on the signal itself, so that withDeadline can wait on
 * one through a plain callback instead of an EventTarget listener: adding and removing an 'abort'
 * listener per adapter call was a visible cost of every FHIR request (issue 14). A property, not
 * a WeakMap: an entry per young signal was an ephemeron the collector handled on every scavenge.
 * Foreign signals (tests, a caller's own) still work through addEventListener.
 */
const OWN_DEADLINE = Symbol('medmij.ownDeadline');
type OwnedSignal = AbortSignal & { [OWN_DEADLINE]?: RequestDeadline };

class RequestDeadline implements Deadline {
  readonly #controller = new AbortController();
  readonly #timer: ReturnType<typeof setTimeout>;
  #watchers: Array<() => void> | undefined;

  constructor(timeoutMs: number) {
    this.#timer = setTimeout(() => this.#abort(new DOMException('the deadline passed', 'TimeoutError')), timeoutMs);
    this.#timer.unref();
    (this.#controller.signal as OwnedSignal)[OWN_DEADLINE] = this;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  clientGone(): void {
    if (!this.#controller.signal.aborted) this.#abort(new DOMException(CLIENT_GONE, 'AbortError'));
  }

  dispose(): void {
    clearTimeout(this.#timer);
  }

  /** Calls `onAbort` once when this deadline fires (synchronously, as an 'abort' listener would be); returns the unwatch. */
  watch(onAbort: () => void): () => void {
    (this.#watchers ??= []).push(onAbort);
    return () => {
      const watchers = this.#watchers;
      const at = watchers ? watchers.indexOf(onAbort) : -1;
      if (at >= 0) watchers!.splice(at, 1);
    };
  }

  #abort(reason: DOMException): void {
    clearTimeout(this.#timer);
    this.#controller.abort(reason);
    const watchers = this.#watchers;
    this.#watchers = undefined;
    if (watchers) for (const onAbort of watchers) onAbort();
  }
}

/**
 * The one deadline of a request, made by the edge (serve-fhir.ts) when the base is known: one
 * signal that every adapter call of the request shares (no controller per step), fired by the
 * service's timeoutMs or by `clientGone()` (the edge calls it when the response closes unfinished).
 */
export function createDeadline(timeoutMs: number): Deadline {
  // One controller and one timer: AbortSignal.timeout + AbortSignal.any per request cost several
  // times more (and any() keeps its sources alive until they are collected).
  return new RequestDeadline(timeoutMs);
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
    const own = (signal as OwnedSignal)[OWN_DEADLINE];
    let unwatch: () => void;
    if (own) {
      unwatch = own.watch(onAbort);
    } else {
      signal.addEventListener('abort', onAbort, { once: true });
      unwatch = () => signal.removeEventListener('abort', onAbort);
    }
    work.then(
      (value) => {
        unwatch();
        if (signal.aborted) reject(deadlineError(signal));
        else resolve(value);
      },
      (err: unknown) => {
        unwatch();
        // An adapter that stopped because of our signal reports the deadline, not its own abort.
        reject(signal.aborted ? deadlineError(signal) : err);
      },
    );
  });
}
