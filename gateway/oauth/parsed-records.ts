import { deepFreeze } from '../config/index.js';

/**
 * JSON text → its parsed value, parsed once per distinct text (issue 14). The access-token
 * verifier reads three records from the store on every FHIR request (the AccessToken, its Grant,
 * our grant details) and parsing them was a visible share of the token check. What is kept is a
 * pure function of the text, so this is no cache of the store: the store is still read on every
 * request, and a deleted or changed record (revocation, a replayed code, a refreshed grant) is
 * missed or parsed anew at once. Values are deep-frozen because they are shared between requests.
 *
 * Bounded: at most `limit` texts, the oldest dropped first. A deployment with more live tokens
 * than that only parses more often, as before. The texts are the records the store already holds.
 */
export interface ParsedRecords {
  /** The value of `text` (JSON.parse, deep-frozen); throws as JSON.parse throws. */
  parse(text: string): unknown;
  /** How many texts are kept (for tests). */
  readonly size: number;
}

export function createParsedRecords(limit: number): ParsedRecords {
  const byText = new Map<string, unknown>();
  return {
    parse(text) {
      const known = byText.get(text);
      if (known !== undefined || byText.has(text)) return known;
      const value = deepFreeze(JSON.parse(text) as unknown);
      if (byText.size >= limit) byText.delete(byText.keys().next().value as string);
      byText.set(text, value);
      return value;
    },
    get size() {
      return byText.size;
    },
  };
}
