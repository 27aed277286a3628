import { setTimeout as sleep } from 'node:timers/promises';
import type { KeyValueStore } from '../../gateway/storage/index.js';

export interface StoreUnderTest {
  readonly store: KeyValueStore;
  /** Removes what the test wrote and closes the store. */
  readonly cleanup: () => Promise<void>;
}

/** Returns a fresh, empty store with its own key space each time it is called. */
export type StoreSetup = () => Promise<StoreUnderTest>;

/**
 * A short lifetime in the TTL tests. They wait for real: what was written with it is checked at
 * once and again once the lifetime has passed, counted from when the first such write was
 * answered (the store has set the expiry by then, so it has passed for sure). 600 ms leaves room
 * for a few round trips to a Sentinel-managed Redis on a loaded CI machine (150 ms did not: the
 * set expired before the third command of its test had been answered).
 */
const SHORT_TTL_MS = 600;

/** Waits until a lifetime of SHORT_TTL_MS set by a write answered at `writtenAt` has passed, with 250 ms to spare. */
async function waitPastShortTtl(writtenAt: number): Promise<void> {
  await sleep(Math.max(0, writtenAt + SHORT_TTL_MS + 250 - performance.now()));
}

/** The behaviour every KeyValueStore must show (house rule 8). */
export function runStoreContract(name: string, setup: StoreSetup): void {
  describe(`KeyValueStore contract: ${name}`, () => {
    const made: StoreUnderTest[] = [];
    let store: KeyValueStore;

    const fresh = async () => {
      const s = await setup();
      made.push(s);
      return s.store;
    };

    beforeEach(async () => {
      store = await fresh();
    });

    afterEach(async () => {
      await Promise.all(made.splice(0).map((s) => s.cleanup()));
    });

    describe('values', () => {
      it('returns undefined for a key never written', async () => {
        expect(await store.get('never-written')).toBeUndefined();
      });

      it('sets, overwrites and deletes', async () => {
        await store.set('a', 'one');
        expect(await store.get('a')).toBe('one');
        await store.set('a', 'two');
        expect(await store.get('a')).toBe('two');
        await store.del('a');
        expect(await store.get('a')).toBeUndefined();
        await expect(store.del('a')).resolves.toBeUndefined(); // deleting a missing key is fine
      });

      it('keeps keys and values byte for byte, the empty string included', async () => {
        const key = 'grant:ä ö/😀:{x}*?';
        const value = JSON.stringify({ text: 'zoë 😀', n: 1 });
        await store.set(key, value);
        await store.set('empty', '');
        expect(await store.get(key)).toBe(value);
        expect(await store.get('empty')).toBe('');
        expect(await store.get('grant:ä ö/😀:{x}')).toBeUndefined();
      });

      it('stores a value given as UTF-8 bytes and reads it back as its text', async () => {
        const text = `v2\n{"n":1}\n<x>zoë 😀</x>${'y'.repeat(100_000)}`;
        const bytes = new TextEncoder().encode(text);
        // A view into a larger buffer: only the viewed bytes count.
        const framed = new Uint8Array(bytes.length + 8);
        framed.set(bytes, 4);
        await store.set('bytes', framed.subarray(4, 4 + bytes.length));
        expect(await store.get('bytes')).toBe(text);
        await store.set('bytes', 'plain again');
        expect(await store.get('bytes')).toBe('plain again');
      });

      it('expires a value after its TTL', async () => {
        await store.set('short', 'v', SHORT_TTL_MS);
        const writtenAt = performance.now();
        await store.set('long', 'v', 10_000);
        expect(await store.get('short')).toBe('v');
        await waitPastShortTtl(writtenAt);
        expect(await store.get('short')).toBeUndefined();
        expect(await store.get('long')).toBe('v');
      });

      it('a set without TTL replaces an earlier TTL', async () => {
        await store.set('k', 'v1', SHORT_TTL_MS);
        const writtenAt = performance.now();
        await store.set('k', 'v2');
        await waitPastShortTtl(writtenAt);
        expect(await store.get('k')).toBe('v2');
      });
    });

    describe('getMany', () => {
      it('reads several values in the order asked, undefined where absent, expired or deleted', async () => {
        // Keys that hash to different Cluster slots: the read must not be one multi-key command.
        await store.set('oidc:Grant:g-1', 'grant', 10_000);
        await store.set('oauth:grant-details:g-1', '{"d":1}');
        await store.set('short', 'v', SHORT_TTL_MS);
        const writtenAt = performance.now();
        await store.set('gone', 'v');
        await store.del('gone');
        await store.addToSet('a-set', 'member');
        expect(await store.getMany(['oauth:grant-details:g-1', 'never-written', 'oidc:Grant:g-1', 'gone', 'a-set', 'short'])).toEqual([
          '{"d":1}',
          undefined,
          'grant',
          undefined,
          undefined,
          'v',
        ]);
        await waitPastShortTtl(writtenAt);
        expect(await store.getMany(['short', 'oidc:Grant:g-1'])).toEqual([undefined, 'grant']);
        expect(await store.getMany([])).toEqual([]);
      });

      it('reads a value stored as bytes as its text', async () => {
        await store.set('bytes', new TextEncoder().encode('zoë 😀'));
        expect(await store.getMany(['bytes'])).toEqual(['zoë 😀']);
      });
    });

    describe('setIfAbsent', () => {
      it('stores only when the key is absent', async () => {
        expect(await store.setIfAbsent('once', 'first')).toBe(true);
        expect(await store.setIfAbsent('once', 'second')).toBe(false);
        expect(await store.get('once')).toBe('first');
      });

      it('counts an expired key as absent', async () => {
        expect(await store.setIfAbsent('lease', 'a', SHORT_TTL_MS)).toBe(true);
        const writtenAt = performance.now();
        expect(await store.setIfAbsent('lease', 'b', SHORT_TTL_MS)).toBe(false);
        await waitPastShortTtl(writtenAt);
        expect(await store.setIfAbsent('lease', 'c')).toBe(true);
        expect(await store.get('lease')).toBe('c');
      });

      it('of 20 concurrent callers exactly one wins', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.setIfAbsent('race', `caller-${i}`)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.get('race')).toBe(`caller-${results.indexOf(true)}`);
      });
    });

    describe('take', () => {
      it('returns the value and removes it', async () => {
        await store.set('code', 'grant-1');
        expect(await store.take('code')).toBe('grant-1');
        expect(await store.get('code')).toBeUndefined();
        expect(await store.take('code')).toBeUndefined();
      });

      it('returns undefined for a missing or expired key', async () => {
        expect(await store.take('missing')).toBeUndefined();
        await store.set('gone', 'v', SHORT_TTL_MS);
        const writtenAt = performance.now();
        await waitPastShortTtl(writtenAt);
        expect(await store.take('gone')).toBeUndefined();
      });

      it('of 20 concurrent takes of one key exactly one gets the value', async () => {
        await store.set('one-time-code', 'secret-grant');
        const results = await Promise.all(Array.from({ length: 20 }, () => store.take('one-time-code')));
        expect(results.filter((r) => r !== undefined)).toEqual(['secret-grant']);
        expect(await store.get('one-time-code')).toBeUndefined();
      });
    });

    describe('sets', () => {
      it('returns no members for a missing set', async () => {
        expect(await store.members('no-such-set')).toEqual([]);
      });

      it('adds members once each', async () => {
        await store.addToSet('grant:1', 'token-b');
        await store.addToSet('grant:1', 'token-a');
        await store.addToSet('grant:1', 'token-b');
        expect([...(await store.members('grant:1'))].sort()).toEqual(['token-a', 'token-b']);
      });

      it('expires a set after its TTL; adding without TTL keeps the expiry', async () => {
        await store.addToSet('short-set', 'm1', SHORT_TTL_MS);
        const writtenAt = performance.now();
        await store.addToSet('short-set', 'm2');
        await store.addToSet('long-set', 'm', 10_000);
        expect([...(await store.members('short-set'))].sort()).toEqual(['m1', 'm2']);
        await waitPastShortTtl(writtenAt);
        expect(await store.members('short-set')).toEqual([]);
        expect(await store.members('long-set')).toEqual(['m']);
      });

      it('a later TTL extends the set', async () => {
        await store.addToSet('extended', 'm1', SHORT_TTL_MS);
        const writtenAt = performance.now();
        await store.addToSet('extended', 'm2', 10_000);
        await waitPastShortTtl(writtenAt);
        expect([...(await store.members('extended'))].sort()).toEqual(['m1', 'm2']);
      });

      it('keeps a value and a set of the same name apart; del removes both', async () => {
        await store.set('both', 'value');
        await store.addToSet('both', 'member');
        expect(await store.get('both')).toBe('value');
        expect(await store.members('both')).toEqual(['member']);
        await store.del('both');
        expect(await store.get('both')).toBeUndefined();
        expect(await store.members('both')).toEqual([]);
      });
    });

    describe('health and isolation', () => {
      it('answers ping with true', async () => {
        expect(await store.ping()).toBe(true);
      });

      it('two stores with their own key space do not see each other', async () => {
        const other = await fresh();
        await store.set('shared-name', 'mine');
        await store.addToSet('shared-set', 'mine');
        expect(await other.get('shared-name')).toBeUndefined();
        expect(await other.members('shared-set')).toEqual([]);
        expect(await other.setIfAbsent('shared-name', 'theirs')).toBe(true);
        await other.del('shared-set');
        expect(await store.get('shared-name')).toBe('mine');
        expect(await store.members('shared-set')).toEqual(['mine']);
        expect(await other.take('shared-name')).toBe('theirs');
        expect(await store.get('shared-name')).toBe('mine');
      });
    });
  });
}
