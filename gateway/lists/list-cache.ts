import { ErrorCodes, GatewayError } from '../errors.js';
import type { KeyValueStore } from '../storage/index.js';
import type { ListKind } from './types.js';
import { joined, utf8Pieces } from './utf8-pieces.js';

/**
 * The last good copy of a list as kept in the KeyValueStore, so that a restart or a second
 * replica starts with it instead of with nothing (and refuses an older Volgnummer than it).
 * The raw XML is kept, not the parsed value: a reader always re-parses, so a stored copy gets the
 * same checks as a fetched one.
 *
 * Record layout (v2): `v2\n{"fetchedAt":…,"volgnummer":…,"etag":…}\n<the XML as is>`. Why not one
 * JSON object: JSON.stringify and JSON.parse of a 9 MB list cost 25 to 60 ms each, all on the event
 * loop, and every store of the last good copy did both (issue 9, finding 5). Here the XML is never
 * escaped or scanned: the record is written as UTF-8 bytes encoded a piece per turn (the store
 * sends bytes as they are) and reading is one slice. v1 records (one JSON object) written by
 * earlier versions are still read.
 *
 * Beside the record, `lists:<kind>:volgnummer` holds just its Volgnummer, so the check before each
 * store ("does another replica hold a newer one?") reads a few bytes instead of the 9 MB record.
 */
export interface StoredList {
  readonly xml: string;
  /** When the list was last fetched and found good (ms since epoch); counts for the maximum age. */
  readonly fetchedAt: number;
  readonly volgnummer: number;
  readonly etag?: string;
  /** The XML's UTF-8 bytes when at hand (list-source.ts); saved as they are instead of encoding `xml`. */
  readonly utf8?: readonly Uint8Array[];
}

export interface ListCache {
  /** undefined when nothing is stored; throws GatewayError LIST_INVALID when the record is corrupt. */
  load(kind: ListKind): Promise<StoredList | undefined>;
  save(kind: ListKind, record: StoredList): Promise<void>;
  /** The Volgnummer of the stored copy, without reading the copy when it can; undefined when none. */
  storedVolgnummer(kind: ListKind): Promise<number | undefined>;
}

export const listCacheKey = (kind: ListKind): string => `lists:${kind}`;
const volgnummerKey = (kind: ListKind): string => `lists:${kind}:volgnummer`;

export function createListCache(store: KeyValueStore): ListCache {
  return {
    async load(kind) {
      const raw = await store.get(listCacheKey(kind));
      return raw === undefined ? undefined : decode(raw);
    },
    async save(kind, record) {
      await store.set(listCacheKey(kind), await encode(record));
      await store.set(volgnummerKey(kind), String(record.volgnummer));
    },
    async storedVolgnummer(kind) {
      const small = await store.get(volgnummerKey(kind));
      if (small !== undefined && /^\d{1,15}$/.test(small)) return Number(small);
      // Written by an earlier version, or the small key got lost: read the record itself.
      return (await this.load(kind))?.volgnummer;
    },
  };
}

const V2_TAG = 'v2\n';

async function encode(record: StoredList): Promise<Uint8Array> {
  const header: Record<string, unknown> = { fetchedAt: record.fetchedAt, volgnummer: record.volgnummer };
  if (record.etag !== undefined) header.etag = record.etag;
  const body = record.utf8 ?? (await utf8Pieces(record.xml));
  return joined([Buffer.from(`${V2_TAG}${JSON.stringify(header)}\n`), ...body]);
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
