import { deepFreeze } from '../config/index.js';
import { LruCache } from '../tls/index.js';

/**
 * JSON text → its parsed value, parsed once per distinct text (issue 14). The access-token
 * verifier reads three records from the store on every FHIR request (the AccessToken, its Grant,
 * our grant details) and parsing them was a visible share of the token check. What is kept is a
 * pure function of the text, so this is no cache of the store: the store is still read on every
 * request, and a deleted or changed record (revocation, a replayed code, a refreshed grant) is
 * missed or parsed anew at once. Values are deep-frozen because they are shared between requests.
 *
 * Bounded: at most `limit` texts, the least recently used dropped first. A deployment with more live tokens
 * than that only parses more often, as before. The texts are the records the store already holds.
 */
export interface ParsedRecords {
  /** The value of `text` (JSON.parse, deep-frozen); throws as JSON.parse throws. */
  parse(text: string): unknown;
  /** How many texts are kept (for tests). */
  readonly size: number;
}

export function createParsedRecords(limit: number): ParsedRecords {
  // JSON.parse never gives undefined, so undefined from the cache means "not seen".
  const byText = new LruCache<string, unknown>(limit);
  return {
    parse(text) {
      let value = byText.get(text);
      if (value === undefined) {
        value = deepFreeze(JSON.parse(text) as unknown);
        byText.set(text, value);
      }
      return value;
    },
    get size() {
      return byText.size;
    },
  };
}
