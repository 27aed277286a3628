import type { Adapter, AdapterContext } from '../../adapters/types.js';
import { linkedBinaryIds } from './binary-access.js';

/**
 * Rule 2 of binary-access.ts, with I/O: does one of the patient's own document indexes point at
 * `Binary/{id}`? `adapter` must be the compartment-guarded adapter (compartment-guard.ts), so
 * every DocumentReference or DocumentManifest seen here names the token's patient. The searches
 * carry no filter: a superseded document is still the patient's own.
 */
export async function isLinkedBinary(
  adapter: Adapter,
  ctx: AdapterContext,
  id: string,
  baseUrl: string,
  indexTypes: readonly string[],
): Promise<boolean> {
  for (const resourceType of indexTypes) {
    const { resources } = await adapter.search({ resourceType, params: [], criteria: [] }, ctx);
    if (linkedBinaryIds(resources, baseUrl).has(id)) return true;
  }
  return false;
}
