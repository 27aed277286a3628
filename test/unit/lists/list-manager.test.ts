import type { GatewayConfig } from '../../../gateway/config/schema.js';
import { ErrorCodes } from '../../../gateway/errors.js';
import { createFileListSource } from '../../../gateway/lists/file-list-source.js';
import { createListCache } from '../../../gateway/lists/list-cache.js';
import { createListManager, type ListChange, type ListManagerDeps } from '../../../gateway/lists/list-manager.js';
import { ListFetchError } from '../../../gateway/lists/list-source.js';
import type { ListKind } from '../../../gateway/lists/types.js';
import { MemoryAuditLog } from '../../../gateway/observability/audit.js';
import { createLogger } from '../../../gateway/observability/logger.js';
import { MemoryStore } from '../../../gateway/storage/memory-store.js';
import { devListPath, readFixture, whitelistXml } from './fixtures.js';
import { ScriptedSource } from './scripted-source.js';

const HOUR = 3600_000;

function listsConfig(): GatewayConfig['lists'] {
  const list = { source: '/unused', refreshSeconds: 900, maxAgeSeconds: 8 * 3600 };
  return { whitelist: list, oauthClientList: list, zorgaanbiederslijst: list, gegevensdienstnamenlijst: list, fetch: { timeoutMs: 1000, maxBytes: 1024 * 1024 } };
}

/** A manager on a fake clock whose other three lists load from the fixtures. */
function setup(whitelist: ScriptedSource, opts: { store?: MemoryStore; clock?: { t: number } } = {}) {
  const clock = opts.clock ?? { t: Date.parse('2025-03-01T10:00:00Z') };
  const store = opts.store ?? new MemoryStore(() => clock.t);
  const audit = new MemoryAuditLog();
  const logLines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'info', destination: { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) } });
  const others: Record<Exclude<ListKind, 'whitelist'>, ScriptedSource> = {
    oauthClientList: new ScriptedSource('ocl', { xml: readFixture('oauth-client-list.xml') }),
    zorgaanbiederslijst: new ScriptedSource('zal', { xml: readFixture('zorgaanbiederslijst.xml') }),
    gegevensdienstnamenlijst: new ScriptedSource('gnl', { xml: readFixture('gegevensdienstnamenlijst.xml') }),
  };
  const deps: ListManagerDeps = {
    config: listsConfig(),
    store,
    audit,
    log,
    now: () => clock.t,
    sourceFor: (kind) => (kind === 'whitelist' ? whitelist : others[kind]),
  };
  const manager = createListManager(deps);
  return { manager, store, audit, logLines, clock };
}

const stops: Array<() => void> = [];
afterEach(() => stops.splice(0).forEach((stop) => stop()));
async function started(s: ReturnType<typeof setup>) {
  stops.push(() => s.manager.stop());
  await s.manager.start();
  return s;
}

describe('createListManager', () => {
  it('loads every list on start, persists it, and reports status', async () => {
    const changes: ListChange[] = [];
    const s = setup(new ScriptedSource('wl', { xml: readFixture('whitelist.xml'), etag: '"w1"' }));
    s.manager.onChange((c) => changes.push(c));
    await started(s);
    expect(s.manager.current('whitelist')?.volgnummer).toBe(42);
    expect(s.manager.current('oauthClientList')?.byHostname('pgo.listed.test')?.organisationName).toBe('Demo PGO');
    expect(s.manager.current('zorgaanbiederslijst')?.volgnummer).toBe(9);
    expect(s.manager.current('gegevensdienstnamenlijst')?.volgnummer).toBe(3);
    expect(changes.map((c) => c.kind).sort()).toEqual(['gegevensdienstnamenlijst', 'oauthClientList', 'whitelist', 'zorgaanbiederslijst']);
    expect(s.manager.status().find((x) => x.kind === 'whitelist')).toEqual({
      kind: 'whitelist', source: 'wl', loaded: true, fresh: true, volgnummer: 42, fetchedAt: '2025-03-01T10:00:00.000Z', ageSeconds: 0,
    });
    const stored = (await createListCache(s.store).load('whitelist'))!;
    expect([stored.volgnummer, stored.etag, stored.xml]).toEqual([42, '"w1"', readFixture('whitelist.xml')]);
    expect(s.audit.events).toEqual([]);
    expect(s.logLines.some((l) => l.list === 'whitelist' && l.from === null && l.to === 42)).toBe(true);
  });

  it.each([
    ['a wrong namespace', 'whitelist-wrong-namespace.xml'],
    ['a missing element', 'whitelist-missing-volgnummer.xml'],
    ['an external entity', 'whitelist-external-entity.xml'],
    ['an entity-expansion bomb', 'whitelist-entity-bomb.xml'],
    ['a truncated file', 'whitelist-truncated.xml'],
  ])('refuses %s, audits it, and keeps the last good list in force', async (_case, file) => {
    const source = new ScriptedSource('https://lists.test/MedMij_Whitelist.xml', { xml: readFixture('whitelist.xml') });
    const s = await started(setup(source));
    const before = s.manager.current('whitelist');
    source.push({ xml: readFixture(file) });
    const outcome = await s.manager.refresh('whitelist');
    expect(outcome).toMatchObject({ kind: 'whitelist', result: 'refused', code: ErrorCodes.LIST_INVALID });
    expect(s.manager.current('whitelist')).toBe(before);
    expect(s.manager.current('whitelist')?.has('pgo.listed.test')).toBe(true);
    expect(s.audit.ofType('medmij_list_refused')).toEqual([
      { type: 'medmij_list_refused', outcome: 'failure', reason: 'list_invalid', detail: expect.stringMatching(/^whitelist from https:\/\/lists\.test\/MedMij_Whitelist\.xml: whitelist: /) },
    ]);
    const refusedLog = s.logLines.find((l) => l.msg === 'MedMij list refused; the last good version stays in force');
    expect(refusedLog).toMatchObject({ list: 'whitelist', source: 'https://lists.test/MedMij_Whitelist.xml', code: ErrorCodes.LIST_INVALID, volgnummerInForce: 42, fresh: true });
    expect(s.manager.status().find((x) => x.kind === 'whitelist')?.lastError?.code).toBe(ErrorCodes.LIST_INVALID);
    // The stored copy is untouched too.
    expect(await createListCache(s.store).load('whitelist')).toMatchObject({ volgnummer: 42 });
  });

  it('keeps the last good list when the fetch itself fails', async () => {
    const source = new ScriptedSource('wl', { xml: whitelistXml(5) }, new ListFetchError('wl: timed out after 1000 ms'));
    const s = await started(setup(source));
    expect(await s.manager.refresh('whitelist')).toMatchObject({ result: 'refused', code: ErrorCodes.LIST_FETCH_FAILED });
    expect(s.manager.current('whitelist')?.volgnummer).toBe(5);
    expect(s.audit.ofType('medmij_list_refused')[0]).toMatchObject({ reason: 'list_fetch_failed' });
  });

  it('refuses a lower Volgnummer, keeps an equal one, and takes a higher one', async () => {
    const source = new ScriptedSource('wl', { xml: whitelistXml(10, ['a.test']) });
    const s = await started(setup(source));
    const changes: ListChange[] = [];
    s.manager.onChange((c) => changes.push(c));

    source.push({ xml: whitelistXml(9, ['b.test']) });
    expect(await s.manager.refresh('whitelist')).toMatchObject({ result: 'refused', code: ErrorCodes.LIST_OUTDATED_VOLGNUMMER });
    expect(s.audit.ofType('medmij_list_refused')[0]).toMatchObject({ reason: 'list_outdated_volgnummer', detail: expect.stringContaining('volgnummer 9 is lower than 10') });
    expect(s.manager.current('whitelist')?.has('a.test')).toBe(true);

    s.clock.t += HOUR;
    source.push({ xml: whitelistXml(10, ['c.test']) });
    expect(await s.manager.refresh('whitelist')).toEqual({ kind: 'whitelist', result: 'unchanged', volgnummer: 10, why: 'same-volgnummer' });
    expect(s.manager.current('whitelist')?.has('a.test')).toBe(true);
    expect(s.manager.status().find((x) => x.kind === 'whitelist')).toMatchObject({ ageSeconds: 0, fresh: true });
    expect(s.manager.status().find((x) => x.kind === 'whitelist')).not.toHaveProperty('lastError');

    source.push({ xml: whitelistXml(11, ['d.test']) });
    expect(await s.manager.refresh('whitelist')).toEqual({ kind: 'whitelist', result: 'updated', previousVolgnummer: 10, volgnummer: 11 });
    expect(s.manager.current('whitelist')?.has('d.test')).toBe(true);
    expect(changes).toHaveLength(1);
    expect(changes[0]?.previous?.volgnummer).toBe(10);
    expect(s.logLines.some((l) => l.msg === 'MedMij list whitelist now in force: volgnummer 10 → 11')).toBe(true);
    expect(changes).toHaveLength(1);
  });

  it('fails closed once the last good list is older than maxAgeSeconds', async () => {
    const source = new ScriptedSource('wl', { xml: whitelistXml(3), etag: '"e3"' });
    const s = await started(setup(source));
    s.clock.t += 8 * HOUR - 1000;
    expect(s.manager.current('whitelist')?.volgnummer).toBe(3);
    s.clock.t += 1000;
    expect(s.manager.current('whitelist')).toBeUndefined();
    expect(s.manager.status().find((x) => x.kind === 'whitelist')).toMatchObject({ loaded: true, fresh: false, ageSeconds: 8 * 3600 });
    // A failing refresh does not bring it back...
    source.push(new ListFetchError('down'));
    await s.manager.refresh('whitelist');
    expect(s.manager.current('whitelist')).toBeUndefined();
    expect(s.logLines.find((l) => l.code === ErrorCodes.LIST_FETCH_FAILED)).toMatchObject({ fresh: false });
    // ...a confirmed-current one does.
    source.push(() => 'not-modified');
    expect(await s.manager.refresh('whitelist')).toMatchObject({ result: 'unchanged', why: 'not-modified' });
    expect(s.manager.current('whitelist')?.volgnummer).toBe(3);
  });

  it('sends the ETag of the list in force and treats not-modified as confirmation', async () => {
    const source = new ScriptedSource('wl', { xml: whitelistXml(3), etag: '"e3"' });
    const s = await started(setup(source));
    s.clock.t += HOUR;
    source.push((etag) => (etag === '"e3"' ? 'not-modified' : { xml: whitelistXml(1) }));
    expect(await s.manager.refresh('whitelist')).toEqual({ kind: 'whitelist', result: 'unchanged', volgnummer: 3, why: 'not-modified' });
    expect(source.etagsSeen).toEqual([undefined, '"e3"']);
    expect(s.manager.status().find((x) => x.kind === 'whitelist')?.ageSeconds).toBe(0);
    expect(await createListCache(s.store).load('whitelist')).toMatchObject({ fetchedAt: s.clock.t, etag: '"e3"' });
  });

  it('never sends the ETag of a refused document', async () => {
    const source = new ScriptedSource('wl', { xml: whitelistXml(3), etag: '"good"' }, { xml: whitelistXml(0), etag: '"bad"' }, (etag) => (etag === '"bad"' ? 'not-modified' : { xml: whitelistXml(4) }));
    const s = await started(setup(source));
    await s.manager.refresh('whitelist');
    expect(await s.manager.refresh('whitelist')).toMatchObject({ result: 'updated', volgnummer: 4 });
    expect(source.etagsSeen).toEqual([undefined, '"good"', '"good"']);
  });

  it('shares one fetch between concurrent refreshes', async () => {
    const source = new ScriptedSource('wl', { xml: whitelistXml(3) });
    const s = await started(setup(source));
    const [a, b] = await Promise.all([s.manager.refresh('whitelist'), s.manager.refresh('whitelist')]);
    expect(a).toBe(b);
    expect(source.etagsSeen).toHaveLength(2);
  });

  describe('restart on the same store (MemoryStore)', () => {
    it('starts with the stored last good list, its fetch time counting for the age', async () => {
      const clock = { t: Date.parse('2025-03-01T10:00:00Z') };
      const store = new MemoryStore(() => clock.t);
      const first = await started(setup(new ScriptedSource('wl', { xml: whitelistXml(42) }), { store, clock }));
      first.manager.stop();
      clock.t += 2 * HOUR;
      const second = await started(setup(new ScriptedSource('wl', new ListFetchError('source down')), { store, clock }));
      expect(second.manager.current('whitelist')?.volgnummer).toBe(42);
      expect(second.manager.status().find((x) => x.kind === 'whitelist')).toMatchObject({ fetchedAt: '2025-03-01T10:00:00.000Z', ageSeconds: 7200, fresh: true });
      expect(second.audit.ofType('medmij_list_refused')).toHaveLength(1);
      clock.t += 6 * HOUR;
      expect(second.manager.current('whitelist')).toBeUndefined();
    });

    it('refuses a source that serves an older Volgnummer than the stored one', async () => {
      const store = new MemoryStore();
      await started(setup(new ScriptedSource('wl', { xml: whitelistXml(42) }), { store }));
      const second = await started(setup(new ScriptedSource('wl', { xml: whitelistXml(41) }), { store }));
      expect(second.manager.current('whitelist')?.volgnummer).toBe(42);
      expect(second.audit.ofType('medmij_list_refused')[0]).toMatchObject({ reason: 'list_outdated_volgnummer' });
    });

    it('refuses a corrupt stored record and loads from the source', async () => {
      const store = new MemoryStore();
      await store.set('lists:whitelist', '{"v":1,"xml":5}');
      const s = await started(setup(new ScriptedSource('wl', { xml: whitelistXml(2) }), { store }));
      expect(s.manager.current('whitelist')?.volgnummer).toBe(2);
      expect(s.audit.ofType('medmij_list_refused')[0]).toMatchObject({ reason: 'list_invalid', detail: expect.stringContaining('whitelist from store') });
    });
  });

  it('loads the development lists from files only with the development exceptions on', async () => {
    const files: Record<ListKind, string> = {
      whitelist: 'MedMij_Whitelist.xml',
      oauthClientList: 'MedMij_OAuthclientlist.xml',
      zorgaanbiederslijst: 'MedMij_Zorgaanbiederslijst.xml',
      gegevensdienstnamenlijst: 'MedMij_Gegevensdienstnamenlijst.xml',
    };
    const make = (developmentExceptions: boolean) =>
      createListManager({
        config: listsConfig(),
        store: new MemoryStore(),
        audit: new MemoryAuditLog(),
        log: createLogger({ level: 'silent' }),
        sourceFor: (kind) => createFileListSource(devListPath(files[kind]), { maxBytes: 1024 * 1024 }),
        developmentExceptions,
      });
    const dev = make(true);
    const prod = make(false);
    stops.push(() => dev.stop(), () => prod.stop());
    await Promise.all([dev.start(), prod.start()]);
    expect(dev.status().every((x) => x.fresh)).toBe(true);
    expect(prod.status().filter((x) => x.fresh).map((x) => x.kind).sort()).toEqual(['gegevensdienstnamenlijst', 'oauthClientList']);
    expect(prod.current('whitelist')).toBeUndefined();
  });
});
