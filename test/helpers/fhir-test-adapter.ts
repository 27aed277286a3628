import type { Adapter, AdapterContext, FhirVersion, Resource, SearchQuery, SearchResult } from '../../adapters/types.js';
import { linkedPatientIds } from '../../gateway/fhir/search/index.js';

/**
 * A small in-memory Adapter for FHIR API tests: serves the resources it is given, per FHIR
 * version, and can misbehave on purpose (return other patients' data, never answer).
 */
export interface TestAdapterOptions {
  readonly id?: string;
  readonly data: Readonly<Partial<Record<FhirVersion, readonly Resource[]>>>;
  /** Return every resource of the type from search, whoever it belongs to (a broken EHR query). */
  readonly leakOtherPatients?: boolean;
  /** Never settle, and ignore the abort signal (a hung EHR). */
  readonly hang?: boolean;
}

export interface TestAdapter extends Adapter {
  readonly calls: Array<{ readonly op: 'search' | 'read'; readonly patientRef: string; readonly resourceType: string }>;
}

export function createTestAdapter(options: TestAdapterOptions): TestAdapter {
  const calls: TestAdapter['calls'] = [];
  const all = (ctx: AdapterContext): readonly Resource[] => options.data[ctx.fhirVersion] ?? [];
  const hang = <T>(): Promise<T> => new Promise<T>(() => undefined);
  return {
    id: options.id ?? 'test-ehr',
    calls,
    capabilities: () => ({ resourceTypes: [...new Set(Object.values(options.data).flatMap((rs) => rs.map((r) => r.resourceType)))] }),
    search(query: SearchQuery, ctx: AdapterContext): Promise<SearchResult> {
      calls.push({ op: 'search', patientRef: ctx.patient.patientRef, resourceType: query.resourceType });
      if (options.hang) return hang();
      const ofType = all(ctx).filter((r) => r.resourceType === query.resourceType);
      const resources = options.leakOtherPatients ? ofType : ofType.filter((r) => linkedPatientIds(ctx.fhirVersion, r).includes(ctx.patient.patientRef));
      return Promise.resolve({ resources });
    },
    read(resourceType: string, id: string, ctx: AdapterContext): Promise<Resource | undefined> {
      calls.push({ op: 'read', patientRef: ctx.patient.patientRef, resourceType });
      if (options.hang) return hang();
      // Like a real EHR lookup by id: it finds the resource whoever it belongs to; the gateway checks.
      return Promise.resolve(all(ctx).find((r) => r.resourceType === resourceType && r.id === id));
    },
    findPatientByBsn: () => Promise.resolve(undefined),
    health: () => Promise.resolve({ ok: true }),
    close: () => Promise.resolve(),
  };
}
