import type { Adapter } from '../adapters/index.js';
import type { ListManager } from './lists/index.js';
import type { ReadinessCheck } from './observability/index.js';
import { checkPersistence, type KeyValueStore } from './storage/index.js';

/**
 * What /ready asks: every list in force, storage answering (and keeping its data across a
 * restart, where `requirePersistence`), every adapter answering.
 */
export function readinessChecks(
  lists: ListManager,
  store: KeyValueStore,
  adapters: ReadonlyMap<string, Adapter>,
  options: { readonly requirePersistence?: boolean } = {},
): ReadinessCheck[] {
  return [
    {
      name: 'lists',
      async check() {
        const stale = lists.status().filter((s) => !s.fresh);
        return stale.length === 0 ? { ok: true } : { ok: false, detail: `not in force: ${stale.map((s) => s.kind).join(', ')}` };
      },
    },
    { name: 'storage', check: async () => ({ ok: await store.ping() }) },
    ...(options.requirePersistence ? [{ name: 'storage-persistence', check: () => checkPersistence(store) }] : []),
    ...[...adapters.values()].map((adapter) => ({
      name: `adapter:${adapter.id}`,
      check: (signal: AbortSignal) => adapter.health(signal),
    })),
  ];
}
