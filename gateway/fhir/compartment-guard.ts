import type { Adapter, AdapterContext, Resource, SearchQuery, SearchResult } from '../../adapters/types.js';
import { checkPatientCompartment, type CompartmentViolation } from './compartment.js';

/**
 * Wraps an adapter so that the compartment check (compartment.ts) runs on everything it hands
 * the search engine: search candidates and every read (reads by id, `_include` targets, chained
 * parameters). Another patient's resource never reaches the engine, and each one is reported so
 * the router raises the alarm audit event. The router checks the final answer again.
 */
export function guardAdapter(adapter: Adapter, onViolation: (violations: readonly CompartmentViolation[]) => void): Adapter {
  const readMany = adapter.readMany?.bind(adapter);
  return {
    id: adapter.id,
    capabilities: () => adapter.capabilities(),
    async search(query: SearchQuery, ctx: AdapterContext): Promise<SearchResult> {
      const result = await adapter.search(query, ctx);
      const { kept, violations } = checkPatientCompartment(result.resources, ctx.patient.patientRef);
      if (violations.length > 0) onViolation(violations);
      return { resources: kept };
    },
    async read(resourceType: string, id: string, ctx: AdapterContext): Promise<Resource | undefined> {
      const resource = await adapter.read(resourceType, id, ctx);
      if (!resource) return undefined;
      // Reads serve _include and chained parameters: a resource that names no patient may come
      // through (the router decides per use); one that names another patient never does.
      const { kept, violations } = checkPatientCompartment([resource], ctx.patient.patientRef, { allowUnlinked: true });
      if (violations.length > 0) onViolation(violations);
      return kept[0];
    },
    ...(readMany
      ? {
          async readMany(resourceType: string, ids: readonly string[], ctx: AdapterContext): Promise<readonly Resource[]> {
            const resources = await readMany(resourceType, ids, ctx);
            // The same rule as a single read: for _include, unlinked may pass, another patient's never.
            const { kept, violations } = checkPatientCompartment(resources, ctx.patient.patientRef, { allowUnlinked: true });
            if (violations.length > 0) onViolation(violations);
            return kept;
          },
        }
      : {}),
    findPatientByBsn: () => Promise.reject(new Error('not available on the FHIR path')),
    health: (signal) => adapter.health(signal),
    close: () => Promise.resolve(), // the registry owns the adapter's life cycle
  };
}
