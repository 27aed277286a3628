/**
 * @module Reads the resources a search refers to (chained parameters, `_include`) for one request,
 * each at most once: `one` for a single reference (chains), `many` for all targets of one type at
 * once (one `_include` round), through the adapter's `readMany` when it has one (a FHIR backend:
 * one `_id=a,b,c` search per type instead of a read per id), else one read per id in parallel.
 */
import type { Adapter, AdapterContext, Resource } from '../../../adapters/types.js';

export interface ReferenceResolver {
  /** `Type/id` → the resource, or undefined when the adapter does not have it (or may not serve it). */
  one(reference: string): Promise<Resource | undefined>;
  /** Prefetches every `Type/id` of `references` with one call per resource type. */
  many(references: readonly string[]): Promise<void>;
}

export function createReferenceResolver(adapter: Adapter, ctx: AdapterContext): ReferenceResolver {
  const cache = new Map<string, Promise<Resource | undefined>>();
  const split = (reference: string): [string, string] => {
    const slash = reference.indexOf('/');
    return [reference.slice(0, slash), reference.slice(slash + 1)];
  };
  const one = (reference: string): Promise<Resource | undefined> => {
    let hit = cache.get(reference);
    if (!hit) {
      const [type, id] = split(reference);
      hit = adapter.read(type, id, ctx);
      cache.set(reference, hit);
    }
    return hit;
  };
  return {
    one,
    async many(references) {
      const byType = new Map<string, string[]>();
      for (const ref of new Set(references)) {
        if (cache.has(ref)) continue;
        const [type, id] = split(ref);
        byType.set(type, [...(byType.get(type) ?? []), id]);
      }
      const readMany = adapter.readMany?.bind(adapter);
      await Promise.all(
        [...byType].map(async ([type, ids]) => {
          if (!readMany) {
            await Promise.all(ids.map((id) => one(`${type}/${id}`)));
            return;
          }
          const batch = readMany(type, ids, ctx);
          // Every id of the batch resolves from it: found, or absent (not found / not served).
          for (const id of ids) cache.set(`${type}/${id}`, batch.then((found) => found.find((r) => r.id === id)));
          await batch;
        }),
      );
    },
  };
}
