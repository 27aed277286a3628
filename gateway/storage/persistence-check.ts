import type { KeyValueStore } from './key-value-store.js';
import { RedisStore } from './redis-store.js';

export interface PersistenceVerdict {
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * Long-term consent lives in the store for half a year (digest §2.6): a grant and its refresh
 * token. A Redis that keeps nothing on disk erases every consent when it restarts, and the
 * gateway would reconnect, report ready and tell no one (issue 9, finding 6). So where
 * persistence is required (production by default: `storage.requirePersistence`), /ready says not
 * ready, and why, until Redis persists (appendonly yes, or a save schedule). A memory store never
 * persists; production refuses it in the config already.
 */
export async function checkPersistence(store: KeyValueStore): Promise<PersistenceVerdict> {
  if (!(store instanceof RedisStore)) return { ok: false, detail: 'the memory store keeps nothing across a restart' };
  try {
    const { aof, rdbSchedule } = await store.persistence();
    if (aof) return { ok: true, detail: 'appendonly yes' };
    if (rdbSchedule !== '' && rdbSchedule !== 'unknown') return { ok: true, detail: `RDB snapshots (save ${rdbSchedule}); appendonly yes loses less` };
    return {
      ok: false,
      detail:
        rdbSchedule === 'unknown'
          ? 'Redis reports appendonly off and its save schedule cannot be read: long-term consents may not survive a restart (set appendonly yes)'
          : 'Redis keeps nothing on disk (appendonly no, save ""): a restart would erase every long-term consent (set appendonly yes)',
    };
  } catch {
    return { ok: false, detail: 'Redis did not answer the persistence check' };
  }
}
