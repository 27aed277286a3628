import type { Logger } from 'pino';
import { assertFhirVersion } from '../assert-fhir-version.js';
import type { Adapter, AdapterContext, BinaryStreamStart, BinaryStreamTarget, PatientContext, Resource, SearchQuery, SearchResult } from '../types.js';
import { MappingFailed, UpstreamRejected, UpstreamUnavailable } from '../errors.js';
import { createBinaryProxy, type BinaryProxy } from './binary-proxy.js';
import { buildSearchUrl } from './build-search-url.js';
import type { FhirPassthroughConfig } from './fhir-passthrough-config.js';
import { parseResource, parseSearchBundle } from './parse-search-bundle.js';
import { rewriteUpstreamUrls } from './rewrite-upstream-urls.js';
import { outcomesOf, transactionFor } from './forward-write.js';
import { createUpstreamClient, type UpstreamClient, type UpstreamResponse } from './upstream-client.js';

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
/** Ids per `_id=` search: well inside common URL limits (64-char ids). */
const READ_MANY_CHUNK = 50;
const BSN = /^\d{9}$/;
const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';

export function createFhirPassthroughAdapter(
  config: FhirPassthroughConfig,
  deps: { readonly log: Logger; readonly baseDir: string },
): Adapter {
  const client: UpstreamClient = createUpstreamClient(config, deps.baseDir);
  const accept = `application/fhir+json; fhirVersion=${config.fhirVersion === 'R4' ? '4.0' : '3.0'}`;
  const bases = [config.baseUrl, ...config.rewriteBases];
  const served = new Set(config.resourceTypes);
  const log = deps.log.child({ adapter: config.id });
  // Documents are streamed, never read whole (binary-proxy.ts); only when Binary is served at all.
  const binaryProxy: BinaryProxy | undefined = served.has('Binary') ? createBinaryProxy(config, deps) : undefined;

  const streamBinary = (id: string, target: BinaryStreamTarget, ctx: AdapterContext): Promise<BinaryStreamStart> => {
    assertFhirVersion(config, ctx);
    if (!binaryProxy || !FHIR_ID.test(id)) return Promise.resolve('not-found');
    return new Promise<BinaryStreamStart>((resolve, reject) => {
      const next = (err?: unknown): void => (err === undefined ? resolve('not-found') : reject(err));
      binaryProxy(target.req, target.res, next, { id, signal: ctx.signal, onStart: () => resolve('started') }).catch(reject);
    });
  };

  const readJson = (res: UpstreamResponse, what: string): unknown => {
    if (!/json/i.test(res.contentType)) throw new UpstreamRejected(`${what}: upstream answered ${res.contentType || 'no content type'}, not JSON`);
    try {
      return JSON.parse(res.body.toString('utf8'));
    } catch (err) {
      throw new UpstreamRejected(`${what}: upstream answer is not JSON`, { cause: err });
    }
  };

  const checkStatus = (res: UpstreamResponse, what: string): void => {
    if (res.status === 200) return;
    // 5xx and throttling are the EHR being unavailable (503 to the PGO); anything else means the
    // upstream refused what we asked, which is our configuration's fault (502).
    if (res.status >= 500 || res.status === 429) throw new UpstreamUnavailable(`${what}: upstream answered ${res.status}`);
    throw new UpstreamRejected(`${what}: upstream answered ${res.status}`);
  };

  /**
   * Re-paging: follow the upstream's next links so that the gateway holds the whole match set
   * and pages it itself, with its own links (the upstream's name internal hosts).
   */
  const fetchPages = async (first: string, what: string, ctx: AdapterContext, keep: (r: Resource) => boolean) => {
    const kept: Resource[] = [];
    const included: Resource[] = [];
    let dropped = 0;
    let url = first;
    for (let page = 1; ; page += 1) {
      const res = await client.fetch(url, { signal: ctx.signal, accept });
      checkStatus(res, what);
      let parsed;
      try {
        parsed = parseSearchBundle(readJson(res, what));
      } catch (err) {
        if (err instanceof UpstreamRejected) throw err;
        throw new UpstreamRejected(`${what}: ${(err as Error).message}`, { cause: err });
      }
      for (const r of parsed.matches) {
        const resource = rewriteUpstreamUrls(r, bases);
        if (keep(resource)) kept.push(resource);
        else dropped += 1;
      }
      for (const r of parsed.included) included.push(rewriteUpstreamUrls(r, bases));
      if (parsed.next === undefined) return { kept, included, dropped };
      if (page >= config.maxPages) {
        // Fail closed: a partial match set would give the PGO wrong answers without saying so.
        throw new UpstreamRejected(`${what}: more than ${config.maxPages} upstream pages`);
      }
      url = parsed.next;
    }
  };

  /**
   * Targets of forwarded `_include`s, per request (keyed by its deadline signal, so they go with
   * it): `read`/`readMany` serve them from here, checked like any read, and ask the upstream only
   * for the ones it left out.
   */
  const includedByRequest = new WeakMap<AbortSignal, Map<string, Resource>>();
  const takeIncluded = (resourceType: string, id: string, ctx: AdapterContext): Resource | undefined =>
    includedByRequest.get(ctx.signal)?.get(`${resourceType}/${id}`);

  return {
    id: config.id,
    capabilities: () => ({ resourceTypes: config.resourceTypes }),

    async search(query: SearchQuery, ctx: AdapterContext): Promise<SearchResult> {
      assertFhirVersion(config, ctx);
      if (!served.has(query.resourceType)) return { resources: [] };
      let url: string;
      try {
        url = buildSearchUrl(query, ctx.patient.patientRef, config);
      } catch (err) {
        throw new MappingFailed(`adapter "${config.id}": ${(err as Error).message}`, { cause: err });
      }
      // The compartment rule is the gateway's, at the adapter boundary (and an alarm for each
      // resource of another patient): here only what is not of the searched type is left out.
      // Include entries the backend sent with the answer are held for this request's readMany.
      const { kept, included } = await fetchPages(url, `search ${query.resourceType}`, ctx, (r) => r.resourceType === query.resourceType);
      if (included.length > 0) {
        let held = includedByRequest.get(ctx.signal);
        if (!held) includedByRequest.set(ctx.signal, (held = new Map()));
        for (const r of included) held.set(`${r.resourceType}/${r.id}`, r);
      }
      return { resources: kept };
    },

    /**
     * `_include` targets of one type in one upstream search, `{type}?_id=a,b,c` (FHIR R4 §3.1.1.4.2,
     * `_id` with an OR list), in chunks that keep the URL short, instead of one read per id. No
     * patient filter: shared and unlinked resources are reached by id, as with read; the same
     * compartment rule as read applies to each.
     */
    async readMany(resourceType, ids, ctx) {
      assertFhirVersion(config, ctx);
      const wanted = [...new Set(ids)].filter((id) => FHIR_ID.test(id));
      if (!served.has(resourceType) || wanted.length === 0) return [];
      const out: Resource[] = [];
      const missing: string[] = [];
      for (const id of wanted) {
        // Held include entries pass the gateway's compartment rule at the boundary like any read.
        const held = takeIncluded(resourceType, id, ctx);
        if (held) out.push(held);
        else missing.push(id);
      }
      for (let i = 0; i < missing.length; i += READ_MANY_CHUNK) {
        const chunk = missing.slice(i, i + READ_MANY_CHUNK);
        const params = new URLSearchParams({ _id: chunk.join(','), _count: String(Math.max(chunk.length, config.pageSize)) });
        const { kept } = await fetchPages(`${resourceType}?${params.toString()}`, `read ${resourceType}`, ctx, (r) => r.resourceType === resourceType && chunk.includes(r.id ?? ''));
        out.push(...kept);
      }
      return out;
    },

    async write(requests, ctx) {
      assertFhirVersion(config, ctx);
      for (const { resource } of requests) {
        if (!served.has(resource.resourceType)) throw new UpstreamRejected(`write: ${resource.resourceType} is not among resourceTypes`);
      }
      const res = await client.fetch('', { signal: ctx.signal, accept, method: 'POST', fhirJson: transactionFor(requests), headers: { prefer: 'return=representation' } });
      return outcomesOf(res, requests);
    },

    async read(resourceType, id, ctx) {
      assertFhirVersion(config, ctx);
      if (!served.has(resourceType) || !FHIR_ID.test(id)) return undefined;
      const held = takeIncluded(resourceType, id, ctx);
      if (held) return held; // the gateway's compartment rule checks it at the boundary
      const res = await client.fetch(`${resourceType}/${encodeURIComponent(id)}`, { signal: ctx.signal, accept });
      if (res.status === 404 || res.status === 410) return undefined;
      checkStatus(res, `read ${resourceType}`);
      let resource: Resource;
      try {
        resource = rewriteUpstreamUrls(parseResource(readJson(res, `read ${resourceType}`)), bases);
      } catch (err) {
        if (err instanceof UpstreamRejected) throw err;
        throw new UpstreamRejected(`read ${resourceType}: ${(err as Error).message}`, { cause: err });
      }
      if (resource.resourceType !== resourceType || resource.id !== id) throw new UpstreamRejected(`read ${resourceType}: upstream answered another resource`);
      return resource;
    },

    async findPatientByBsn(bsn: string, signal: AbortSignal): Promise<PatientContext | undefined> {
      if (!BSN.test(bsn)) return undefined;
      const form = new URLSearchParams({ identifier: `${BSN_SYSTEM}|${bsn}` });
      const res =
        config.bsnLookup === 'post'
          ? await client.fetch('Patient/_search', { signal, accept, method: 'POST', form })
          : await client.fetch(`Patient?${form.toString()}`, { signal, accept });
      checkStatus(res, 'patient lookup');
      let matches: readonly Resource[];
      try {
        matches = parseSearchBundle(readJson(res, 'patient lookup')).matches;
      } catch (err) {
        if (err instanceof UpstreamRejected) throw err;
        throw new UpstreamRejected(`patient lookup: ${(err as Error).message}`, { cause: err });
      }
      // Trust only a Patient that carries this very BSN: an upstream that ignored the identifier
      // filter would otherwise log the person in as someone else.
      const hits = matches.filter((p) => p.resourceType === 'Patient' && hasBsn(p, bsn));
      if (hits.length > 1) log.warn('patient lookup: more than one upstream Patient for one BSN; refused');
      return hits.length === 1 && hits[0]?.id ? { patientRef: hits[0].id } : undefined;
    },

    async health(signal) {
      try {
        const res = await client.fetch('metadata', { signal, accept });
        return res.status === 200 ? { ok: true } : { ok: false, detail: `metadata answered ${res.status}` };
      } catch (err) {
        return { ok: false, detail: (err as Error).message };
      }
    },

    ...(binaryProxy ? { streamBinary } : {}),

    close: async () => {
      binaryProxy?.close();
      await client.close();
    },
  };
}

function hasBsn(patient: Resource, bsn: string): boolean {
  const ids = patient['identifier'];
  return Array.isArray(ids) && ids.some((i: { system?: unknown; value?: unknown }) => i?.system === BSN_SYSTEM && i?.value === bsn);
}
