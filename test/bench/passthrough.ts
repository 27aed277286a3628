import pg from 'pg';
import { Agent, request } from 'undici';
import { createAdapters } from '../../adapters/registry.js';
import type { Adapter, AdapterContext, SearchParam } from '../../adapters/types.js';
import { buildSearchUrl, fhirPassthroughConfigSchema } from '../../adapters/fhir-passthrough/index.js';
import { compileNamedQuery } from '../../adapters/sql/index.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { executeSearch, parseSearchRequest } from '../../gateway/fhir/search/index.js';
import { catalogueFile, loadCatalogue, matchParams } from '../../gateway/fhir/catalogue/index.js';
import { createPgSchema, loadDataset, PG, sqlAdapterBlock, startFhirBackend, type Dataset } from '../integration/adapters-backends.js';

/**
 * Throughput of BgZ searches through an adapter + executeSearch versus the same backend called
 * directly with the same kind of client (keep-alive undici for FHIR, a pg pool for SQL), on
 * loopback, for a bounded time. Shows what the adapter layer (re-paging, compartment checks,
 * mapping, the search engine) costs over the raw backend call. The lead adds the whole-gateway run.
 */
export interface BenchOptions {
  readonly durationMs: number;
  readonly concurrency: number;
}

const LOAD_DATE = new Date('2026-06-15T00:00:00Z');
const QUERIES: ReadonlyArray<readonly [string, SearchParam[]]> = [
  ['Condition', []],
  ['Observation', [{ name: 'code', value: 'http://snomed.info/sct|365980008' }]],
  ['AllergyIntolerance', []],
  ['MedicationRequest', [{ name: 'category', value: 'http://snomed.info/sct|16076005' }]],
];

async function measure(opts: BenchOptions, once: (i: number) => Promise<unknown>): Promise<number> {
  const durationMs = Math.min(Math.max(opts.durationMs, 100), 60_000);
  const concurrency = Math.min(Math.max(opts.concurrency, 1), 64);
  const end = Date.now() + durationMs;
  let done = 0;
  const worker = async (w: number): Promise<void> => {
    for (let i = w; Date.now() < end; i += concurrency) {
      await once(i);
      done += 1;
    }
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return done / ((Date.now() - t0) / 1000);
}

async function viaAdapter(data: Dataset, adapter: Adapter) {
  const catalogue = await loadCatalogue(catalogueFile('bgz-3'));
  const patient = data.patients[0] ?? 'none';
  const ctx = (): AdapterContext => ({ patient: { patientRef: patient }, fhirVersion: 'STU3', requestId: 'bench', signal: AbortSignal.timeout(10_000), log: createSilentLogger() });
  return async (i: number) => {
    const [type, params] = QUERIES[i % QUERIES.length]!;
    if (!matchParams(catalogue, type, params).ok) throw new Error(`catalogue refused ${type}`);
    return executeSearch(parseSearchRequest({ fhirVersion: 'STU3', resourceType: type, params }), adapter, ctx());
  };
}

export async function benchPassthrough(opts: BenchOptions): Promise<{ directRps: number; viaAdapterRps: number }> {
  const data = await loadDataset('STU3', LOAD_DATE);
  const server = await startFhirBackend(data);
  const types = [...new Set(data.resources.map((r) => r.resourceType))];
  const block = { id: 'bench-fhir', kind: 'fhir', baseUrl: server.url, fhirVersion: 'STU3', resourceTypes: types, maxConnections: opts.concurrency };
  const adapters = await createAdapters([block], { log: createSilentLogger(), baseDir: '.' });
  const adapter = adapters.get('bench-fhir')!;
  const config = fhirPassthroughConfigSchema.parse(block);
  const agent = new Agent({ connections: opts.concurrency, keepAliveTimeout: 30_000 });
  const patient = data.patients[0] ?? 'none';
  try {
    const directRps = await measure(opts, async (i) => {
      const [type, params] = QUERIES[i % QUERIES.length]!;
      const res = await request(`${server.url}/${buildSearchUrl({ resourceType: type, criteria: [], params }, patient, config)}`, {
        dispatcher: agent,
        headers: { accept: 'application/fhir+json' },
      });
      return JSON.parse(await res.body.text()) as unknown;
    });
    const viaAdapterRps = await measure(opts, await viaAdapter(data, adapter));
    return { directRps, viaAdapterRps };
  } finally {
    await Promise.all([adapter.close(), agent.close(), server.close()]);
  }
}

export async function benchSql(opts: BenchOptions): Promise<{ directRps: number; viaAdapterRps: number }> {
  const data = await loadDataset('STU3', LOAD_DATE);
  const db = await createPgSchema(data, 'bench');
  const block = sqlAdapterBlock('bench-sql', db.schema, data, { pool: { max: opts.concurrency } });
  const adapters = await createAdapters([block as { id: string; kind: string }], { log: createSilentLogger(), baseDir: '.' });
  const adapter = adapters.get('bench-sql')!;
  const pool = new pg.Pool({ ...PG, max: opts.concurrency, options: `-c search_path=${db.schema}` });
  const resources = block['resources'] as Record<string, { search?: { sql: string; params?: Record<string, unknown> } }>;
  const patient = data.patients[0] ?? 'none';
  try {
    const directRps = await measure(opts, async (i) => {
      const [type] = QUERIES[i % QUERIES.length]!;
      const search = resources[type]?.search;
      if (!search) return [];
      // The patient bound, every filter parameter NULL: the same query the adapter sends for a
      // search without those parameters.
      const q = compileNamedQuery(search.sql, ['patient', ...Object.keys(search.params ?? {})]);
      return (await pool.query(q.text, q.names.map((name) => (name === 'patient' ? patient : null)))).rows;
    });
    const viaAdapterRps = await measure(opts, await viaAdapter(data, adapter));
    return { directRps, viaAdapterRps };
  } finally {
    await Promise.all([adapter.close(), pool.end()]);
    await db.drop();
  }
}
