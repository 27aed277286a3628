import type { Logger } from 'pino';
import { assertFhirVersion } from '../assert-fhir-version.js';
import type { Adapter, AdapterContext, PatientContext, SearchQuery, SearchResult, WriteOutcome, WriteRequest } from '../types.js';
import { AdapterError, MappingFailed, UpstreamRejected, UpstreamUnavailable } from '../errors.js';
import { createUpstreamClient, type UpstreamResponse } from '../fhir-passthrough/index.js';
import { compileMapping, mapPatientRecords, parseResourcePath, type CompiledMapping } from '../mapping/index.js';
import { appendQuery, fillUrlTemplate } from './fill-url-template.js';
import { parseVendorXml, xmlRecord } from './parse-vendor-xml.js';
import type { XmlConfig, XmlResourceConfig } from './xml-config.js';
import { pushdownValue } from '../pushdown.js';
import { writeDocument, type RecordShape } from './write-document.js';

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const BSN = /^\d{9}$/;
const ACCEPT = 'application/xml, text/xml;q=0.9';

export function createXmlAdapter(config: XmlConfig, deps: { readonly log: Logger; readonly baseDir: string }): Adapter {
  const client = createUpstreamClient(config, deps.baseDir);
  const log = deps.log.child({ adapter: config.id });
  // Compiled once: a broken mapping stops the gateway at start, not on the first patient.
  const mappings = new Map<string, CompiledMapping>();
  for (const [name, spec] of Object.entries(config.mappings)) mappings.set(name, compileMapping(name, spec));
  const resourceTypes = Object.keys(config.resources);
  const shapes = new Map<string, RecordShape>();
  for (const [type, r] of Object.entries(config.resources)) {
    if (r.write) shapes.set(type, { element: r.write.element, fields: new Map(Object.entries(r.write.fields).map(([name, p]) => [name, parseResourcePath(p)])) });
  }

  const fetchRecords = async (target: string, signal: AbortSignal, what: string, form?: URLSearchParams) => {
    const res: UpstreamResponse = await client.fetch(target, form ? { signal, accept: ACCEPT, method: 'POST', form } : { signal, accept: ACCEPT });
    if (res.status === 404 || res.status === 410) return undefined;
    if (res.status >= 500 || res.status === 429) throw new UpstreamUnavailable(`${what}: upstream answered ${res.status}`);
    if (res.status !== 200) throw new UpstreamRejected(`${what}: upstream answered ${res.status}`);
    try {
      return await parseVendorXml(res.body.toString('utf8'), config.recordElement);
    } catch (err) {
      throw new UpstreamRejected(`${what}: ${(err as Error).message}`, { cause: err });
    }
  };

  const toResources = (nodes: Awaited<ReturnType<typeof parseVendorXml>>, type: string, r: XmlResourceConfig, patientRef: string, ctx: AdapterContext, allowUnlinked: boolean) => {
    const mapping = mappings.get(r.mapping);
    if (!mapping) throw new MappingFailed(`adapter "${config.id}": no mapping "${r.mapping}"`);
    const patientPath = r.patientPath;
    const { resources, foreign } = mapPatientRecords({
      records: nodes.map((node) => xmlRecord(node, r.keyPath)),
      // Records of another patient never reach the mapping: the upstream got it wrong, we do not.
      ownerOf: patientPath === undefined ? undefined : (record) => ownerText(record.get(patientPath)),
      map: (record) => mapping.map(record),
      resourceType: type,
      patientRef,
      allowUnlinked,
    });
    // Counts only, never contents (house rule 6): the gateway raises the alarm.
    if (foreign > 0) ctx.reportForeign?.(type, foreign);
    return resources;
  };

  return {
    id: config.id,
    capabilities: () => ({
      resourceTypes,
      nativeSearchParams: [...new Set(Object.values(config.resources).flatMap((r) => Object.keys(r.forwardParams)))],
    }),

    async search(query: SearchQuery, ctx: AdapterContext): Promise<SearchResult> {
      assertFhirVersion(config, ctx);
      const r = config.resources[query.resourceType];
      if (!r?.search) return { resources: [] };
      const patientRef = ctx.patient.patientRef;
      if (!FHIR_ID.test(patientRef)) throw new MappingFailed('patient reference is not a FHIR id');
      // Parsed values, never the text as sent: an OR list becomes one vendor parameter per code,
      // a prefixed date a window bound (adapters/pushdown.ts); the gateway re-applies them exactly.
      const forwarded = Object.entries(r.forwardParams).flatMap(([param, specs]) =>
        specs.flatMap((vendor) => {
          const value = pushdownValue({ param, as: vendor.as, map: vendor.map }, query.criteria);
          if (value === null) return [];
          return (typeof value === 'string' ? [value] : value).map((v) => [vendor.name, v] as const);
        }),
      );
      const target = appendQuery(fillUrlTemplate(r.search, { patient: patientRef }), forwarded);
      const nodes = (await fetchRecords(target, ctx.signal, `search ${query.resourceType}`)) ?? [];
      return { resources: toResources(nodes, query.resourceType, r, patientRef, ctx, false) };
    },

    async read(resourceType, id, ctx) {
      assertFhirVersion(config, ctx);
      const r = config.resources[resourceType];
      if (!r?.read || !FHIR_ID.test(id)) return undefined;
      const nodes = await fetchRecords(fillUrlTemplate(r.read, { id }), ctx.signal, `read ${resourceType}`);
      if (!nodes || nodes.length === 0) return undefined;
      if (nodes.length > 1) throw new UpstreamRejected(`read ${resourceType}: upstream answered ${nodes.length} records`);
      // Shared records (no patientPath) may be read by any patient; patient records only by theirs.
      const [resource] = toResources(nodes, resourceType, r, ctx.patient.patientRef, ctx, true);
      if (resource !== undefined && resource.id !== id) throw new UpstreamRejected(`read ${resourceType}: upstream answered another record`);
      return resource;
    },

    /**
     * Delen: one document with every resource of the request, POSTed once to `write.url`
     * (never retried: a POST may have been stored). 2xx: stored; 5xx/429 or no answer: the EHR
     * is unavailable (nothing confirmed); another 4xx: the EHR refused the document, so none of
     * its records (it takes the document whole or not at all).
     */
    async write(requests: readonly WriteRequest[], ctx: AdapterContext): Promise<readonly WriteOutcome[]> {
      assertFhirVersion(config, ctx);
      const target = config.write;
      if (!target) throw new UpstreamRejected('write: this adapter has no write target');
      const patientRef = ctx.patient.patientRef;
      if (!FHIR_ID.test(patientRef)) throw new MappingFailed('patient reference is not a FHIR id');
      const records = requests.map(({ resource }) => {
        const shape = shapes.get(resource.resourceType);
        if (!shape) throw new UpstreamRejected(`write: no record shape for ${resource.resourceType}`);
        return { shape, resource };
      });
      const res = await client.fetch(fillUrlTemplate(target.url, { patient: patientRef }), { signal: ctx.signal, accept: ACCEPT, method: 'POST', xml: writeDocument(target.root, records, patientRef) });
      if (res.status >= 500 || res.status === 429) throw new UpstreamUnavailable(`write: upstream answered ${res.status}`);
      if (res.status >= 400) return requests.map(() => ({ stored: false as const, status: 422 as const, diagnostics: "the care provider's system refused this data" }));
      if (res.status < 200 || res.status >= 300) throw new UpstreamRejected(`write: upstream answered ${res.status}`);
      ctx.log.info({ adapter: config.id, resources: requests.length }, 'shared data stored');
      return requests.map(({ resource }) => ({ stored: true as const, resource }));
    },

    async findPatientByBsn(bsn: string, signal: AbortSignal): Promise<PatientContext | undefined> {
      const lookup = config.patientLookup;
      if (!lookup || !BSN.test(bsn)) return undefined;
      const nodes = await fetchRecords(lookup.path, signal, 'patient lookup', new URLSearchParams({ [lookup.field]: bsn }));
      const ids = (nodes ?? []).map((n) => xmlRecord(n, lookup.idPath).get(lookup.idPath)).filter((v): v is string => typeof v === 'string' && FHIR_ID.test(v));
      if (ids.length > 1) log.warn('patient lookup: more than one record for one BSN; refused');
      return ids.length === 1 && ids[0] !== undefined ? { patientRef: ids[0] } : undefined;
    },

    async health(signal) {
      if (!config.health) return { ok: true, detail: 'no health URL configured' };
      try {
        const res = await client.fetch(config.health, { signal, accept: ACCEPT });
        return res.status === 200 ? { ok: true } : { ok: false, detail: `health answered ${res.status}` };
      } catch (err) {
        return { ok: false, detail: err instanceof AdapterError ? err.message : 'health check failed' };
      }
    },

    close: () => client.close(),
  };
}

/** A patient field's value as text; anything that is not a string or number names no one we serve. */
function ownerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return value === undefined || value === null ? undefined : '\u0000not-a-patient-ref';
}
