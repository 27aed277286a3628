import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { parseFhirXml } from '../../gateway/fhir/fhir-xml.js';
import { compartmentPatients } from '../../gateway/fhir/search/index.js';
import { executeSearch, parseSearchRequest } from '../../gateway/fhir/search/index.js';
import { loadCatalogue, matchParams, catalogueFile, type QueryCatalogue } from '../../gateway/fhir/catalogue/index.js';
import { createDemoAdapter } from '../../adapters/index.js';
import type { Adapter, AdapterContext, FhirVersion, Resource, SearchParam } from '../../adapters/types.js';

/** Shared by the nictiz-*.test.ts files: the Nictiz fixtures in the demo adapter, one query at a time. */
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedRoot = path.resolve(projectRoot, '../shared');
export const fixturesRoot = path.join(sharedRoot, 'fixtures', 'nictiz');
export const haveFixtures = existsSync(fixturesRoot);

export async function loadNictiz(version: FhirVersion, loadDate: Date): Promise<Adapter> {
  const folder = path.join(fixturesRoot, version === 'STU3' ? 'stu3-bgz-test' : 'r4-medication-test');
  return createDemoAdapter(
    { id: 'nictiz', kind: 'demo', datasets: { [version]: [folder] } },
    { log: createSilentLogger(), parseXml: parseFhirXml, compartment: compartmentPatients, now: loadDate },
  );
}

export function context(version: FhirVersion, patientRef: string): AdapterContext {
  return { patient: { patientRef }, fhirVersion: version, requestId: 'test', signal: new AbortController().signal, log: createSilentLogger() };
}

/** `Type?a=b&c=d` or `Observation/$lastn?…` → the pieces, URL-decoded as an HTTP layer would. */
export function splitQuery(query: string): { resourceType: string; operation?: 'lastn'; params: SearchParam[] } {
  const [pathPart, qs = ''] = query.split('?') as [string, string | undefined];
  const [resourceType, op] = pathPart.split('/') as [string, string | undefined];
  const params = [...new URLSearchParams(qs.replace(/\+/g, '%2B'))].map(([name, value]) => ({ name, value }));
  return op === '$lastn' ? { resourceType, operation: 'lastn', params } : { resourceType, params };
}

export async function runQuery(
  catalogue: QueryCatalogue,
  adapter: Adapter,
  ctx: AdapterContext,
  query: string,
): Promise<{ matches: Resource[]; includes: Resource[]; total: number }> {
  const q = splitQuery(query);
  const m = matchParams(catalogue, q.resourceType, q.params, q.operation);
  if (!m.ok) throw new Error(`catalogue refused ${query}: ${m.reason}`);
  const request = parseSearchRequest({ fhirVersion: ctx.fhirVersion, ...q });
  return executeSearch(request, adapter, ctx);
}

export function loadStandard(key: string): Promise<QueryCatalogue> {
  return loadCatalogue(catalogueFile(key));
}
