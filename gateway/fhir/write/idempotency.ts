import { createHash } from 'node:crypto';
import type { KeyValueStore } from '../../storage/index.js';
import { FhirError } from '../outcome.js';

/**
 * A retried Delen POST must not store the data twice (a PGO retries after a lost answer): the
 * first answer is kept under the request's `MedMij-Request-ID` (a UUID per request, MedMij
 * FHIR IG, DIGEST §5) with a hash of the body, and a retry with the same id and body gets that
 * answer again without reaching the EHR. The same id with another body is a client error (409),
 * as is a retry while the first is still being written. Keys are per provider and service.
 */
export interface StoredAnswer {
  readonly status: number;
  readonly bundle: unknown;
}

export interface Idempotency {
  /** `replay`: answer this again; `fresh`: go on, then `complete` or `abandon`. */
  begin(): Promise<{ readonly kind: 'replay'; readonly answer: StoredAnswer } | { readonly kind: 'fresh' }>;
  complete(answer: StoredAnswer): Promise<void>;
  /** Nothing was stored (EHR down): the same request may be retried as new. */
  abandon(): Promise<void>;
}

/** A day: far beyond any PGO retry, short enough that the store does not grow without bound. */
const TTL_MS = 24 * 60 * 60 * 1000;

export function idempotencyFor(store: KeyValueStore, scope: string, requestId: string, body: Buffer): Idempotency {
  const key = `delen:request:${scope}:${requestId}`;
  const hash = createHash('sha256').update(body).digest('hex');
  return {
    async begin() {
      const pending = JSON.stringify({ hash, state: 'pending' });
      if (await store.setIfAbsent(key, pending, TTL_MS)) return { kind: 'fresh' };
      const held = parse(await store.get(key));
      if (!held) {
        // Expired between the two calls: take it as new.
        if (await store.setIfAbsent(key, pending, TTL_MS)) return { kind: 'fresh' };
        throw inProgress();
      }
      if (held.hash !== hash) throw new FhirError(409, 'invalid', 'this MedMij-Request-ID was used for another request body', { reason: 'request_id_reused' });
      if (held.state !== 'done' || !held.answer) throw inProgress();
      return { kind: 'replay', answer: held.answer };
    },
    async complete(answer) {
      await store.set(key, JSON.stringify({ hash, state: 'done', answer }), TTL_MS);
    },
    async abandon() {
      await store.del(key);
    },
  };
}

const inProgress = (): FhirError => new FhirError(409, 'transient', 'a request with this MedMij-Request-ID is still being processed', { reason: 'request_in_progress' });

function parse(text: string | undefined): { hash: string; state: string; answer?: StoredAnswer } | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as { hash: string; state: string; answer?: StoredAnswer };
  } catch {
    return undefined;
  }
}
