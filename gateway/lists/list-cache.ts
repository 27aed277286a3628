import { ErrorCodes, GatewayError } from '../errors.js';
import type { KeyValueStore } from '../storage/index.js';
import type { ListKind } from './types.js';

/**
 * The last good copy of a list as kept in the KeyValueStore, so that a restart or a second
 * replica starts with it instead of with nothing (and refuses an older Volgnummer than it).
 * The raw XML is kept, not the parsed value: a reader always re-parses, so a stored copy gets the
 * same checks as a fetched one.
 *
 * Record layout (v2): `v2\n{"fetchedAt":…,"volgnummer":…,"etag":…}\n<the XML as is>`. Why not one
 * JSON object: JSON.stringify and JSON.parse of a 9 MB list cost 25 to 60 ms each, all on the event
 * loop, and every store of the last good copy did both (issue 9, finding 5). Here the XML is never
 * escaped or scanned: joining is a string concatenation and reading is one slice. v1 records (one
 * JSON object) written by earlier versions are still read.
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
      await store.set(listCacheKey(kind), encode(record));
    },
  };
}

const V2_TAG = 'v2\n';

function encode(record: StoredList): string {
  const header: Record<string, unknown> = { fetchedAt: record.fetchedAt, volgnummer: record.volgnummer };
  if (record.etag !== undefined) header.etag = record.etag;
  return `${V2_TAG}${JSON.stringify(header)}\n${record.xml}`;
}

function decode(raw: string): StoredList {
  if (raw.startsWith(V2_TAG)) {
    const end = raw.indexOf('\n', V2_TAG.length);
    if (end < 0) throw new GatewayError(ErrorCodes.LIST_INVALID, 'stored list record has an unexpected shape');
    return checked(parseJson(raw.slice(V2_TAG.length, end)), raw.slice(end + 1));
  }
  const value = parseJson(raw) as { v?: unknown; xml?: unknown } | null;
  if (value === null || typeof value !== 'object' || value.v !== 1 || typeof value.xml !== 'string') {
    throw new GatewayError(ErrorCodes.LIST_INVALID, 'stored list record has an unexpected shape');
  }
  return checked(value, value.xml);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new GatewayError(ErrorCodes.LIST_INVALID, 'stored list record is not JSON', { cause: error });
  }
}

function checked(value: unknown, xml: string): StoredList {
  const r = value as { fetchedAt?: unknown; volgnummer?: unknown; etag?: unknown } | null;
  const valid =
    r !== null && typeof r === 'object' && Number.isSafeInteger(r.fetchedAt) && Number.isSafeInteger(r.volgnummer) &&
    (r.etag === undefined || typeof r.etag === 'string');
  if (!valid) throw new GatewayError(ErrorCodes.LIST_INVALID, 'stored list record has an unexpected shape');
  const base = { xml, fetchedAt: r.fetchedAt as number, volgnummer: r.volgnummer as number };
  return typeof r.etag === 'string' ? { ...base, etag: r.etag } : base;
}
