import { afterEach, describe, expect, it } from '@jest/globals';
import { KeyValueStoreAdapter } from '../../../gateway/oauth/storage-adapter.js';
import { MemoryStore } from '../../../gateway/storage/memory-store.js';

class ReplayError extends Error {}

describe('KeyValueStoreAdapter', () => {
  const store = new MemoryStore();
  afterEach(async () => {
    await store.close();
  });
  const adapter = (model: string) => new KeyValueStoreAdapter(model, { store, grantIndexTtlMs: 60_000, onReplay: () => new ReplayError('replay') });

  it('stores, finds and destroys payloads with their TTL', async () => {
    const codes = adapter('AuthorizationCode');
    await codes.upsert('c1', { grantId: 'g1', exp: 1 }, 60);
    expect(await codes.find('c1')).toMatchObject({ grantId: 'g1' });
    await codes.destroy('c1');
    expect(await codes.find('c1')).toBeUndefined();
  });

  it.each(['AuthorizationCode', 'AccessToken', 'RefreshToken'])('issues a %s only under an id not yet taken (MedMij 2.0.0 uniqueness), keeping the first', async (model) => {
    const artefacts = adapter(model);
    await artefacts.upsert(`dup-${model}`, { grantId: 'first', exp: 1 }, 60);
    await expect(artefacts.upsert(`dup-${model}`, { grantId: 'second', exp: 1 }, 60)).rejects.toThrow(/id collision: not issued/);
    expect(await artefacts.find(`dup-${model}`)).toMatchObject({ grantId: 'first' });
  });

  it('still updates the artefacts oidc-provider saves more than once (sessions, grants, interactions)', async () => {
    for (const model of ['Session', 'Grant', 'Interaction']) {
      const a = adapter(model);
      await a.upsert('same', { v: 1 }, 60);
      await a.upsert('same', { v: 2 }, 60);
      expect(await a.find('same')).toMatchObject({ v: 2 });
    }
  });

  it('finds sessions by uid', async () => {
    const sessions = adapter('Session');
    await sessions.upsert('s1', { uid: 'u1' }, 60);
    expect(await sessions.findByUid('u1')).toMatchObject({ uid: 'u1' });
  });

  it('lets exactly one of two concurrent consumers win, and the loser revokes the whole grant', async () => {
    const codes = adapter('AuthorizationCode');
    const tokens = adapter('AccessToken');
    const grants = adapter('Grant');
    await grants.upsert('g2', { accountId: 'p' }, 60);
    await codes.upsert('c2', { grantId: 'g2', exp: Math.floor(Date.now() / 1000) + 60 }, 60);
    await tokens.upsert('t2', { grantId: 'g2' }, 60);
    const results = await Promise.allSettled([codes.consume('c2'), codes.consume('c2')]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(ReplayError);
    expect(await tokens.find('t2')).toBeUndefined();
    expect(await grants.find('g2')).toBeUndefined();
  });

  it('consumes a code with one write and no read, its marker outliving the longest code life', async () => {
    let now = 1_800_000_000_000;
    const clocked = new MemoryStore(() => now);
    const reads: string[] = [];
    const watched = new Proxy(clocked, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (prop === 'get' || prop === 'getMany') reads.push(String(prop));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    try {
      const codes = new KeyValueStoreAdapter('AuthorizationCode', { store: watched, grantIndexTtlMs: 60_000, onReplay: () => new ReplayError('replay'), now: () => now });
      await codes.upsert('c5', { grantId: 'g5', exp: Math.floor(now / 1000) + 60 }, 60);
      await codes.consume('c5');
      expect(reads).toEqual([]);
      now += 119_000; // the code itself expired a minute ago; its marker must still be there
      expect(await clocked.get('oidc:AuthorizationCode:c5:consumed')).toBeDefined();
      now += 2_000;
      expect(await clocked.get('oidc:AuthorizationCode:c5:consumed')).toBeUndefined();
    } finally {
      await clocked.close();
    }
  });

  it('reports a consumed artefact as consumed', async () => {
    const codes = adapter('AuthorizationCode');
    await codes.upsert('c3', { grantId: 'g3' }, 60);
    await codes.consume('c3');
    expect((await codes.find('c3'))?.consumed).toEqual(expect.any(Number));
  });

  it('finds access tokens and grants without a consumed marker, and refuses to consume them', async () => {
    const tokens = adapter('AccessToken');
    await tokens.upsert('at1', { grantId: 'g4', accountId: 'p' }, 60);
    expect(await tokens.find('at1')).toEqual({ grantId: 'g4', accountId: 'p' });
    await expect(tokens.consume('at1')).rejects.toThrow('never consumed');
    const grants = adapter('Grant');
    await grants.upsert('g4', { accountId: 'p' }, 60);
    expect(await grants.find('g4')).toEqual({ accountId: 'p' });
    await expect(grants.consume('g4')).rejects.toThrow('never consumed');
  });

  it('revokeByGrantId removes every artefact of that grant only', async () => {
    const tokens = adapter('AccessToken');
    await tokens.upsert('a', { grantId: 'gx' }, 60);
    await tokens.upsert('b', { grantId: 'gy' }, 60);
    await tokens.revokeByGrantId('gx');
    expect(await tokens.find('a')).toBeUndefined();
    expect(await tokens.find('b')).toBeDefined();
  });
});
