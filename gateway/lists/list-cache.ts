import { ErrorCodes, GatewayError } from '../errors.js';
import type { KeyValueStore } from '../storage/index.js';
import type { ListKind } from './types.js';

/**
 * The last good copy of a list as kept in the KeyValueStore, so that a restart or a second
 * replica starts with it instead of with nothing (and refuses an older Volgnummer than it).
 * The raw XML is kept, not the parsed value: a reader always re-parses, so a stored copy gets the
 * same checks as a fetched one.
 */
export interface StoredList {
  readonly xml: string;
  /** When the list was last fetched and found good (ms since epoch); counts for the maximum age. */
  readonly fetchedAt: number;
  readonly volgnummer: number;
  readonly etag?: string;
}

export interface ListCache {
  /** undefined when nothing is stored; throws GatewayError LIST_INVALID when the record is corrupt. */
  load(kind: ListKind): Promise<StoredList | undefined>;
  save(kind: ListKind, record: StoredList): Promise<void>;
}

export const listCacheKey = (kind: ListKind): string => `lists:${kind}`;

export function createListCache(store: KeyValueStore): ListCache {
  return {
    async load(kind) {
      const raw = await store.get(listCacheKey(kind));
      return raw === undefined ? undefined : decode(raw);
    },
    async save(kind, record) {
      const value: Record<string, unknown> = { v: 1, xml: record.xml, fetchedAt: record.fetchedAt, volgnummer: record.volgnummer };
      if (record.etag !== undefined) value.etag = record.etag;
      await store.set(listCacheKey(kind), JSON.stringify(value));
    },
  };
}

function decode(raw: string): StoredList {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new GatewayError(ErrorCodes.LIST_INVALID, 'stored list record is not JSON', { cause: error });
  }
  const r = value as { v?: unknown; xml?: unknown; fetchedAt?: unknown; volgnummer?: unknown; etag?: unknown } | null;
  const valid =
    r !== null && typeof r === 'object' && r.v === 1 && typeof r.xml === 'string' &&
    Number.isSafeInteger(r.fetchedAt) && Number.isSafeInteger(r.volgnummer) && (r.etag === undefined || typeof r.etag === 'string');
  if (!valid) throw new GatewayError(ErrorCodes.LIST_INVALID, 'stored list record has an unexpected shape');
  const base = { xml: r.xml as string, fetchedAt: r.fetchedAt as number, volgnummer: r.volgnummer as number };
  return typeof r.etag === 'string' ? { ...base, etag: r.etag } : base;
}
