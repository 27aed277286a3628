import type { GatewayConfig } from '../config/index.js';
import { ErrorCodes, GatewayError, type ErrorCode } from '../errors.js';
import type { AuditLog } from '../observability/index.js';
import type { Logger } from '../observability/index.js';
import type { KeyValueStore } from '../storage/index.js';
import { createListCache, type StoredList } from './list-cache.js';
import { LIST_KINDS } from './list-formats.js';
import type { ListSource } from './list-source.js';
import { createListSource } from './create-list-source.js';
import { parseListOffThread, type ListDocumentText } from './parse-off-thread.js';
import type { ListParseOptions } from './read-list-document.js';
import type { ListKind, ListsByKind } from './types.js';

export interface ListManagerDeps {
  readonly config: GatewayConfig['lists'];
  readonly store: KeyValueStore;
  readonly audit: AuditLog;
  readonly log: Logger;
  readonly now?: () => number;
  readonly sourceFor?: (kind: ListKind) => ListSource;
  /** Accept the `localhost` development exceptions (list-facets.ts); pass `config.mode !== 'production'`. */
  readonly developmentExceptions?: boolean;
  /** Parses and validates one document; default: in a worker thread, off the event loop (parse-off-thread.ts). */
  readonly parse?: <K extends ListKind>(kind: K, document: ListDocumentText, options: ListParseOptions) => Promise<ListsByKind[K]>;
}

export type RefreshOutcome =
  | { readonly kind: ListKind; readonly result: 'updated'; readonly previousVolgnummer?: number; readonly volgnummer: number }
  | { readonly kind: ListKind; readonly result: 'unchanged'; readonly volgnummer: number; readonly why: 'not-modified' | 'same-volgnummer' }
  | { readonly kind: ListKind; readonly result: 'refused'; readonly code: ErrorCode; readonly reason: string };

export interface ListStatus {
  readonly kind: ListKind;
  readonly source: string;
  /** A good version has been loaded at some point (it may since have gone stale). */
  readonly loaded: boolean;
  readonly volgnummer?: number;
  readonly fetchedAt?: string;
  readonly ageSeconds?: number;
  /** In force: loaded and younger than maxAgeSeconds. */
  readonly fresh: boolean;
  readonly lastError?: { readonly code: ErrorCode; readonly reason: string; readonly at: string };
}

export type ListChange = { [K in ListKind]: { readonly kind: K; readonly list: ListsByKind[K]; readonly previous?: ListsByKind[K] } }[ListKind];

export interface ListManager {
  /** First load of every list: the stored last good copy, then the source (a newer one replaces it). Never throws. */
  start(): Promise<void>;
  stop(): void;
  /** The list in force, or undefined (never loaded, or older than maxAgeSeconds): callers deny. */
  current<K extends ListKind>(kind: K): ListsByKind[K] | undefined;
  refresh(kind: ListKind): Promise<RefreshOutcome>;
  status(): ListStatus[];
  /** Called when a new version comes into force; returns the unsubscribe function. */
  onChange(listener: (change: ListChange) => void): () => void;
}

interface Good {
  readonly list: ListsByKind[ListKind];
  /**
   * The document as fetched or stored; its `xml` is read only when there are no bytes to store
   * (a source's `xml` may decode on demand: list-source.ts).
   */
  readonly document: ListDocumentText;
  fetchedAt: number;
  etag?: string;
}

interface State {
  good?: Good;
  lastError?: { code: ErrorCode; reason: string; at: number };
  inFlight?: Promise<RefreshOutcome>;
}

/**
 * Keeps the four MedMij lists current (digest §4.1): refresh on an interval, validate every new
 * version, never let a failed fetch or a bad document replace the good one, refuse a lower
 * Volgnummer, persist the last good copy for restarts and replicas, and fail closed once the
 * good copy is older than its maximum age.
 */
export function createListManager(deps: ListManagerDeps): ListManager {
  const { config, audit, log } = deps;
  const now = deps.now ?? Date.now;
  const cache = createListCache(deps.store);
  const sources = new Map(LIST_KINDS.map((k) => [k, deps.sourceFor ? deps.sourceFor(k) : createListSource(config, k)]));
  const states = new Map<ListKind, State>(LIST_KINDS.map((k) => [k, {}]));
  const listeners = new Set<(change: ListChange) => void>();
  const timers: NodeJS.Timeout[] = [];
  const lifetime = new AbortController();
  const parseOptions = { maxBytes: config.fetch.maxBytes, developmentExceptions: deps.developmentExceptions === true };
  const parseList = deps.parse ?? parseListOffThread;

  const stateOf = (kind: ListKind): State => states.get(kind) as State;
  const sourceOf = (kind: ListKind): ListSource => sources.get(kind) as ListSource;
  const maxAgeMs = (kind: ListKind): number => config[kind].maxAgeSeconds * 1000;
  const ageMs = (good: Good): number => Math.max(0, now() - good.fetchedAt);

  function refuse(kind: ListKind, from: string, error: unknown): RefreshOutcome {
    const code = error instanceof GatewayError ? error.code : ErrorCodes.LIST_FETCH_FAILED;
    const reason = error instanceof Error ? error.message : String(error);
    stateOf(kind).lastError = { code, reason, at: now() };
    const good = stateOf(kind).good;
    const inForce = good !== undefined && ageMs(good) < maxAgeMs(kind);
    log.warn({ list: kind, source: from, code, reason, volgnummerInForce: good?.list.volgnummer ?? null, fresh: inForce }, 'MedMij list refused; the last good version stays in force');
    audit.record({ type: 'medmij_list_refused', outcome: 'failure', reason: code.replace(/^GW_ERR_/, '').toLowerCase(), detail: `${kind} from ${from}: ${reason}` });
    return { kind, result: 'refused', code, reason };
  }

  function install(kind: ListKind, list: ListsByKind[ListKind], record: StoredList, from: string): RefreshOutcome {
    const state = stateOf(kind);
    const previous = state.good?.list;
    state.good = {
      list,
      document: record,
      fetchedAt: record.fetchedAt,
      ...(record.etag === undefined ? {} : { etag: record.etag }),
    };
    delete state.lastError;
    log.info({ list: kind, source: from, from: previous?.volgnummer ?? null, to: list.volgnummer }, `MedMij list ${kind} now in force: volgnummer ${previous?.volgnummer ?? 'none'} → ${list.volgnummer}`);
    const change = { kind, list, ...(previous === undefined ? {} : { previous }) } as ListChange;
    for (const listener of listeners) {
      try {
        listener(change);
      } catch (error) {
        log.error({ list: kind, err: error }, 'list change listener failed');
      }
    }
    return previous === undefined
      ? { kind, result: 'updated', volgnummer: list.volgnummer }
      : { kind, result: 'updated', previousVolgnummer: previous.volgnummer, volgnummer: list.volgnummer };
  }

  /** Writes the good copy unless the store already holds a newer Volgnummer (another replica got there first). */
  async function persist(kind: ListKind): Promise<void> {
    const good = stateOf(kind).good;
    if (good === undefined) return;
    try {
      const stored = await cache.storedVolgnummer(kind).catch(() => undefined);
      if (stored !== undefined && stored > good.list.volgnummer) return;
      await cache.save(kind, storedCopy(good.document, { fetchedAt: good.fetchedAt, volgnummer: good.list.volgnummer, ...(good.etag === undefined ? {} : { etag: good.etag }) }));
    } catch (error) {
      log.warn({ list: kind, err: error }, 'could not store the last good MedMij list');
    }
  }

  /** Takes the stored copy when it is newer than what is in force (start, or a failed fetch). */
  async function adoptStored(kind: ListKind): Promise<void> {
    let stored: StoredList | undefined;
    try {
      stored = await cache.load(kind);
    } catch (error) {
      if (error instanceof GatewayError) refuse(kind, 'store', error);
      else log.warn({ list: kind, err: error }, 'could not read the stored MedMij list');
      return;
    }
    const good = stateOf(kind).good;
    if (stored === undefined || (good !== undefined && (stored.volgnummer < good.list.volgnummer || (stored.volgnummer === good.list.volgnummer && stored.fetchedAt <= good.fetchedAt)))) return;
    try {
      const list = await parseList(kind, stored, parseOptions);
      if (good !== undefined && list.volgnummer === good.list.volgnummer) good.fetchedAt = stored.fetchedAt;
      else install(kind, list, stored, 'store');
    } catch (error) {
      refuse(kind, 'store', error);
    }
  }

  async function fetchAndApply(kind: ListKind): Promise<RefreshOutcome> {
    const state = stateOf(kind);
    const source = sourceOf(kind);
    let fetched;
    try {
      fetched = await source.fetch(lifetime.signal, state.good?.etag);
    } catch (error) {
      return refuse(kind, source.description, error);
    }
    const good = state.good;
    if (fetched === 'not-modified') {
      if (good === undefined) return refuse(kind, source.description, new GatewayError(ErrorCodes.LIST_FETCH_FAILED, 'not-modified without a list in force'));
      good.fetchedAt = now();
      delete state.lastError;
      await persist(kind);
      return { kind, result: 'unchanged', volgnummer: good.list.volgnummer, why: 'not-modified' };
    }
    let list: ListsByKind[ListKind];
    try {
      list = await parseList(kind, fetched, parseOptions);
    } catch (error) {
      return refuse(kind, source.description, error);
    }
    if (good !== undefined && list.volgnummer < good.list.volgnummer) {
      const error = new GatewayError(ErrorCodes.LIST_OUTDATED_VOLGNUMMER, `volgnummer ${list.volgnummer} is lower than ${good.list.volgnummer} in force`);
      return refuse(kind, source.description, error);
    }
    if (good !== undefined && list.volgnummer === good.list.volgnummer) {
      // Same publication: keep the parsed list, but it is confirmed current as of now.
      good.fetchedAt = now();
      if (fetched.etag !== undefined) good.etag = fetched.etag;
      delete state.lastError;
      await persist(kind);
      return { kind, result: 'unchanged', volgnummer: list.volgnummer, why: 'same-volgnummer' };
    }
    const record = storedCopy(fetched, { fetchedAt: now(), volgnummer: list.volgnummer, ...(fetched.etag === undefined ? {} : { etag: fetched.etag }) });
    const outcome = install(kind, list, record, source.description);
    await persist(kind);
    return outcome;
  }

  function refresh(kind: ListKind): Promise<RefreshOutcome> {
    const state = stateOf(kind);
    // One refresh per list at a time. After a refusal, another replica may have stored a newer good copy.
    state.inFlight ??= fetchAndApply(kind)
      .then(async (outcome) => {
        if (outcome.result === 'refused') await adoptStored(kind);
        return outcome;
      })
      .finally(() => delete state.inFlight);
    return state.inFlight;
  }

  let started = false;
  return {
    async start() {
      if (started) return;
      started = true;
      await Promise.all(LIST_KINDS.map(async (kind) => {
        await adoptStored(kind);
        await refresh(kind);
        const timer = setInterval(() => void refresh(kind), config[kind].refreshSeconds * 1000);
        timer.unref();
        timers.push(timer);
      }));
    },
    stop() {
      for (const timer of timers.splice(0)) clearInterval(timer);
      lifetime.abort();
    },
    current<K extends ListKind>(kind: K): ListsByKind[K] | undefined {
      const good = stateOf(kind).good;
      if (good === undefined || ageMs(good) >= maxAgeMs(kind)) return undefined;
      return good.list as ListsByKind[K];
    },
    refresh,
    status() {
      return LIST_KINDS.map((kind): ListStatus => {
        const { good, lastError } = stateOf(kind);
        return {
          kind,
          source: sourceOf(kind).description,
          loaded: good !== undefined,
          fresh: good !== undefined && ageMs(good) < maxAgeMs(kind),
          ...(good === undefined
            ? {}
            : { volgnummer: good.list.volgnummer, fetchedAt: new Date(good.fetchedAt).toISOString(), ageSeconds: Math.floor(ageMs(good) / 1000) }),
          ...(lastError === undefined ? {} : { lastError: { code: lastError.code, reason: lastError.reason, at: new Date(lastError.at).toISOString() } }),
        };
      });
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * A StoredList over a document without reading its `xml`: when the source kept the bytes, the
 * text is never decoded on the event loop (issue 9, finding 5); it is decoded if someone reads it.
 */
function storedCopy(document: Good['document'], fields: Omit<StoredList, 'xml' | 'utf8'>): StoredList {
  return Object.defineProperty({ ...fields, ...(document.utf8 === undefined ? {} : { utf8: document.utf8 }) }, 'xml', {
    get: () => document.xml,
    enumerable: true,
  }) as StoredList;
}
