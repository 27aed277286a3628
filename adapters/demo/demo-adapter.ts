import type { Logger } from 'pino';
import type { Adapter, AdapterContext, FhirVersion, PatientContext, Resource, SearchQuery, SearchResult, WriteOutcome, WriteRequest } from '../types.js';
import { MappingFailed, UpstreamTimeout, UpstreamUnavailable } from '../errors.js';
import type { DemoConfig } from './demo-config.js';
import { belongsOnlyTo, DemoStore, type CompartmentPatients } from './demo-store.js';
import { loadDataset, type FhirXmlParser } from './load-dataset.js';
import { builtInDemoData } from './built-in-data.js';

/**
 * The embedded demo EHR (`kind: demo`): holds an STU3 and an R4 data set in memory, keyed by the
 * context's FHIR version, so one adapter serves e.g. a BgZ (STU3) and an MP9 (R4) service.
 * `search` returns the patient's resources of the type, narrowed by an index (demo-store.ts) to a
 * superset of the matches; the gateway's search engine applies the parameters. Refused in production by the config schema (synthetic data only).
 */
export interface DemoAdapterDeps {
  readonly log: Logger;
  readonly parseXml: FhirXmlParser;
  /** The gateway's compartment rule (gateway/fhir/search compartmentPatients). */
  readonly compartment: CompartmentPatients;
  /** Overrides config.loadDate (tests). */
  readonly now?: Date;
}

function checkSignal(signal: AbortSignal): void {
  if (signal.aborted) throw new UpstreamTimeout('demo EHR: request deadline passed');
}

export async function createDemoAdapter(config: DemoConfig, deps: DemoAdapterDeps): Promise<Adapter> {
  const loadDate = deps.now ?? (config.loadDate !== undefined ? new Date(`${config.loadDate}T00:00:00Z`) : new Date());
  const stores = new Map<FhirVersion, DemoStore>();
  for (const version of ['STU3', 'R4'] as const) {
    const folders = config.datasets === undefined ? [builtInDemoData[version]] : (config.datasets[version] ?? []);
    const resources: Resource[] = [];
    for (const folder of folders) resources.push(...(await loadDataset(folder, version, loadDate, deps.parseXml)));
    stores.set(version, new DemoStore(resources, (r) => deps.compartment(version, r)));
  }
  deps.log.info(
    { adapter: config.id, stu3: stores.get('STU3')?.size ?? 0, r4: stores.get('R4')?.size ?? 0 },
    'demo EHR loaded',
  );
  let closed = false;

  const storeFor = (version: FhirVersion): DemoStore => {
    if (closed) throw new UpstreamUnavailable('demo EHR is closed');
    const s = stores.get(version);
    if (!s) throw new UpstreamUnavailable(`demo EHR holds no ${version} data`);
    return s;
  };

  return {
    id: config.id,
    capabilities() {
      const types = new Set<string>();
      for (const s of stores.values()) for (const t of s.resourceTypes) types.add(t);
      return { resourceTypes: [...types].sort() };
    },
    async search(query: SearchQuery, ctx: AdapterContext): Promise<SearchResult> {
      checkSignal(ctx.signal);
      // The store's indexes give a superset of the matches (type-index.ts); the compartment rule
      // itself is the gateway's, at the adapter boundary.
      return { resources: storeFor(ctx.fhirVersion).candidates(ctx.patient.patientRef, query.resourceType, query.criteria) };
    },
    async read(resourceType: string, id: string, ctx: AdapterContext): Promise<Resource | undefined> {
      checkSignal(ctx.signal);
      // By id, as an EHR reads: whose it is, is the gateway's adapter boundary to judge.
      return storeFor(ctx.fhirVersion).get(resourceType, id);
    },
    async write(requests: readonly WriteRequest[], ctx: AdapterContext): Promise<readonly WriteOutcome[]> {
      checkSignal(ctx.signal);
      const store = storeFor(ctx.fhirVersion);
      // All or nothing per call: check every resource first, so a refusal stores none of them.
      for (const { resource } of requests) {
        if (!belongsOnlyTo(deps.compartment(ctx.fhirVersion, resource), ctx.patient.patientRef)) throw new MappingFailed('demo EHR: a shared resource names another patient');
      }
      return requests.map(({ resource }) => ({ stored: true as const, resource: store.add(resource) }));
    },
    async canAcceptShare(patientRef: string, _serviceId: string, signal: AbortSignal): Promise<boolean> {
      checkSignal(signal);
      // The demo EHR takes shared data for every patient it holds, and for nobody else.
      return (['STU3', 'R4'] as const).some((version) => storeFor(version).get('Patient', patientRef) !== undefined);
    },
    async findPatientByBsn(bsn: string, signal: AbortSignal): Promise<PatientContext | undefined> {
      checkSignal(signal);
      if (!/^\d{9}$/.test(bsn)) return undefined;
      for (const version of ['STU3', 'R4'] as const) {
        const id = storeFor(version).patientByBsn(bsn);
        if (id !== undefined) return { patientRef: id };
      }
      return undefined;
    },
    async health(signal: AbortSignal) {
      checkSignal(signal);
      if (closed) return { ok: false, detail: 'closed' };
      return { ok: true, detail: `STU3 ${stores.get('STU3')?.size ?? 0} and R4 ${stores.get('R4')?.size ?? 0} resources` };
    },
    async close() {
      closed = true;
    },
  };
}
