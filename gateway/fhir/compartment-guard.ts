import type { Adapter, AdapterContext, Resource, SearchQuery, SearchResult } from '../../adapters/types.js';
import { screenResources, type CompartmentViolation } from './compartment.js';

/**
 * The adapter boundary, the first of the two places where the compartment rule runs
 * (compartment.ts; the other is the final answer): everything the adapter hands the search
 * engine, search candidates and every read (reads by id, `_include` targets, chained
 * parameters). Adapters apply no compartment rule of their own; another patient's resource stops
 * here and each one is reported so the pipeline raises the alarm. Records an adapter dropped
 * before mapping (their own patient field named someone else) are reported through
 * `ctx.reportForeign` and raise the alarm too.
 */
export function guardAdapter(adapter: Adapter, onViolation: (violations: readonly CompartmentViolation[]) => void): Adapter {
  const readMany = adapter.readMany?.bind(adapter);
  // Field by field, not `...ctx`: a context from elsewhere may still carry a lazy `log` getter,
  // which a spread would read. Ours is a deferred logger held as data (never a getter in an
  // object literal: observability deferredLogger says why). The compiler checks every field.
  const guarded = (ctx: AdapterContext): AdapterContext => ({
    patient: ctx.patient,
    fhirVersion: ctx.fhirVersion,
    requestId: ctx.requestId,
    signal: ctx.signal,
    log: ctx.log,
    reportForeign: (resourceType, count) => {
      if (count > 0) onViolation(Array.from({ length: count }, () => ({ resourceType })));
    },
  });
  const screen = (resources: readonly Resource[], ctx: AdapterContext, allowUnlinked: boolean): readonly Resource[] => {
    const { kept, violations } = screenResources(resources, { patientRef: ctx.patient.patientRef, fhirVersion: ctx.fhirVersion }, { allowUnlinked });
    if (violations.length > 0) onViolation(violations);
    return kept;
  };
  return {
    id: adapter.id,
    capabilities: () => adapter.capabilities(),
    async search(query: SearchQuery, ctx: AdapterContext): Promise<SearchResult> {
      const result = await adapter.search(query, guarded(ctx));
      return { resources: [...screen(result.resources, ctx, false)] };
    },
    async read(resourceType: string, id: string, ctx: AdapterContext): Promise<Resource | undefined> {
      const resource = await adapter.read(resourceType, id, guarded(ctx));
      if (!resource) return undefined;
      // Reads serve _include and chained parameters: a resource that names no patient may come
      // through (the pipeline decides per use); one that names another patient never does.
      return screen([resource], ctx, true)[0];
    },
    ...(readMany
      ? {
          async readMany(resourceType: string, ids: readonly string[], ctx: AdapterContext): Promise<readonly Resource[]> {
            // The same rule as a single read: for _include, unlinked may pass, another patient's never.
            return screen(await readMany(resourceType, ids, guarded(ctx)), ctx, true);
          },
        }
      : {}),
    findPatientByBsn: () => Promise.reject(new Error('not available on the FHIR path')),
    health: (signal) => adapter.health(signal),
    close: () => Promise.resolve(), // the registry owns the adapter's life cycle
  };
}
