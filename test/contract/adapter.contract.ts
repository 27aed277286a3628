import { builtInDemoData, createDemoAdapter, AdapterError, UpstreamTimeout } from '../../adapters/index.js';
import type { Adapter, AdapterContext, FhirVersion, Resource } from '../../adapters/types.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { parseFhirXml } from '../../gateway/fhir/fhir-xml.js';
import { compartmentPatients, linkedPatientIds } from '../../gateway/fhir/search/index.js';
import { maskBsn } from '../../gateway/fhir/mask-bsn.js';
import { guardAdapter } from '../../gateway/fhir/compartment-guard.js';
import { screenSearchAnswer } from '../../gateway/fhir/compartment.js';
import { executeSearch, parseSearchRequest } from '../../gateway/fhir/search/index.js';
import { catalogueFile, loadCatalogue, matchParams, type QueryCatalogue } from '../../gateway/fhir/catalogue/index.js';
import { bsnOf, haveNictiz, loadDataset, PUSHDOWN_QUERIES, sharedRoot, type Dataset } from '../integration/adapters-backends.js';
import { searchQueryOf } from '../helpers/search-query.js';
import { DE_GRAAF, NEW_SERVICE_CASES, NEW_STU3_SERVICES, VAN_LEEUWEN } from '../helpers/new-services-cases.js';

/**
 * The one contract every EHR adapter passes (STYLE.md §6.2, fhir-gateway AccessCheckerTestBase
 * idea): the same data set is loaded into the adapter's real backend and into the demo EHR (the
 * reference semantics), then every BgZ 3.x and MP9 3.0 search of QUERIES.md runs through
 * catalogue-match + executeSearch with both. The answers must be the same, resource for resource:
 * same ids, same content (BSNs compared masked: the HTTP layer masks them either way), same total.
 * Also: reads, patient lookup, another patient's resource, the deadline, health.
 */
export interface ContractBackend {
  readonly adapter: Adapter;
  close(): Promise<void>;
}

export type ContractSetup = (data: Dataset) => Promise<ContractBackend>;

const LOAD_DATE = new Date('2026-06-15T00:00:00Z');
const day = (n: number): string => new Date(LOAD_DATE.getTime() + n * 86_400_000).toISOString().slice(0, 10);
const SCT = 'http://snomed.info/sct';

/** BgZ 3.x: the 26 searches of the Test set plus the 2 Cert-only ones (QUERIES.md). */
export const BGZ_QUERIES: readonly string[] = [
  'Patient?_include=Patient:general-practitioner',
  'Coverage?_include=Coverage:payor:Patient&_include=Coverage:payor:Organization',
  `Consent?category=${SCT}|11291000146105`,
  `Consent?category=${SCT}|11341000146107`,
  `Observation/$lastn?category=${SCT}|118228005,${SCT}|384821006`,
  'Condition',
  `Observation?code=${SCT}|365508006`,
  `Observation?code=${SCT}|228366006`,
  `Observation?code=${SCT}|228273003`,
  `Observation?code=${SCT}|365980008`,
  'NutritionOrder',
  'Flag',
  'AllergyIntolerance',
  `MedicationRequest?category=${SCT}|16076005&_include=MedicationRequest:medication`,
  `MedicationDispense?category=${SCT}|422037009&_include=MedicationDispense:medication`,
  'MedicationStatement?category=urn:oid:2.16.840.1.113883.2.4.3.11.60.20.77.5.3|6&_include=MedicationStatement:medication',
  'DeviceUseStatement?_include=DeviceUseStatement:device',
  'Immunization?status=completed',
  'Observation/$lastn?code=http://loinc.org|85354-9',
  'Observation/$lastn?code=http://loinc.org|8302-2,http://loinc.org|8306-3,http://loinc.org|8308-9',
  'Observation/$lastn?code=http://loinc.org|29463-7',
  `Observation/$lastn?category=${SCT}|275711006&_include=Observation:related-target&_include=Observation:specimen`,
  `Procedure?category=${SCT}|387713003`,
  'Encounter?class=http://hl7.org/fhir/v3/ActCode|IMP,http://hl7.org/fhir/v3/ActCode|ACUTE,http://hl7.org/fhir/v3/ActCode|NONAC',
  'ProcedureRequest?status=active',
  'Appointment?status=booked,pending,proposed',
  'DeviceRequest?status=active&_include=DeviceRequest:device',
  'ImmunizationRecommendation',
];

const ITER = '&_include:iterate=PractitionerRole:organization&_include:iterate=PractitionerRole:practitioner&_include:iterate=PractitionerRole:location';
/** MP9 3.0: per building block [base query with its includes, resource type, date parameter]. */
const MP9_BLOCKS: ReadonlyArray<readonly [string, string, string | undefined]> = [
  [`MedicationRequest?category=${SCT}|33633005&_include=MedicationRequest:medication&_include=MedicationRequest:subject&_include=MedicationRequest:reason&_include=MedicationRequest:next-practitioner&_include=MedicationRequest:requester${ITER}`, 'MedicationRequest', 'period-of-use'],
  [`MedicationRequest?category=${SCT}|52711000146108&_include=MedicationRequest:medication&_include=MedicationRequest:requester&_include=MedicationRequest:dispense-location${ITER}`, 'MedicationRequest', undefined],
  [`MedicationRequest?category=${SCT}|395067002&_include=MedicationRequest:medication`, 'MedicationRequest', 'period-of-use'],
  [`MedicationDispense?category=${SCT}|422037009&_include=MedicationDispense:medication&_include=MedicationDispense:performer${ITER}`, 'MedicationDispense', 'period-of-use'],
  [`MedicationDispense?category=${SCT}|373784005&_include=MedicationDispense:medication&_include=MedicationDispense:performer&_include=MedicationDispense:destination${ITER}`, 'MedicationDispense', 'whenhandedover'],
  [`MedicationStatement?category=${SCT}|422979000&_include=MedicationStatement:medication&_include=MedicationStatement:author&_include=MedicationStatement:prescriber&_include=MedicationStatement:source${ITER}`, 'MedicationStatement', 'period-of-use'],
  [`MedicationAdministration?category=${SCT}|18629005&_include=MedicationAdministration:medication&_include=MedicationAdministration:performer${ITER}`, 'MedicationAdministration', 'effective-time'],
];

/** The MP9 variants for one patient: no filter, identifier (taken from the data), date windows. */
export function mp9Queries(data: Dataset, patient: string): string[] {
  const out: string[] = [];
  for (const [query, type, dateParam] of MP9_BLOCKS) {
    const category = /category=([^&]+)/.exec(query)?.[1] ?? '';
    const plain = `${type}?category=${category}`;
    out.push(query);
    const own = data.resources.find(
      (r) => r.resourceType === type && linkedPatientIds(data.version, r).includes(patient) && JSON.stringify(r['category'] ?? '').includes(category.split('|')[1] ?? '-'),
    );
    const ident = (own?.['identifier'] as Array<{ system?: string; value?: string }> | undefined)?.[0];
    if (ident?.system && ident.value) out.push(`${plain}&identifier=${ident.system}|${ident.value}`);
    out.push(`${plain}&identifier=urn:oid:2.16.840.1.113883.2.4.3.11.999.77.16076005.1|no-such-id`);
    out.push(`${plain}&medication.code=urn:oid:2.16.840.1.113883.2.4.4.10|105678&_include=${type}:medication`);
    out.push(`${plain}&pharmaceutical-treatment-identifier=urn:oid:2.16.840.1.113883.2.4.3.11.999.77.1.1|MBH_300_VolgendeBehandelaar-tmg`);
    if (dateParam) {
      for (const w of [`ge${day(-21)}`, `le${day(-21)}`, `lt${day(0)}`]) out.push(`${plain}&${dateParam}=${w}`);
      out.push(`${plain}&${dateParam}=ge${day(-21)}&${dateParam}=le${day(30)}`);
    }
  }
  return out;
}

function context(version: FhirVersion, patientRef: string, signal = new AbortController().signal): AdapterContext {
  return { patient: { patientRef }, fhirVersion: version, requestId: 'contract', signal, log: createSilentLogger() };
}

function splitQuery(query: string) {
  const [pathPart = '', qs = ''] = query.split('?');
  const [resourceType = '', op] = pathPart.split('/');
  const params = [...new URLSearchParams(qs.replace(/\+/g, '%2B'))].map(([name, value]) => ({ name, value }));
  return op === '$lastn' ? { resourceType, operation: 'lastn' as const, params } : { resourceType, params };
}

async function run(catalogue: QueryCatalogue, adapter: Adapter, ctx: AdapterContext, query: string) {
  const q = splitQuery(query);
  const m = matchParams(catalogue, q.resourceType, q.params, q.operation);
  if (!m.ok) throw new Error(`catalogue refused ${query}: ${m.reason}`);
  return executeSearch(parseSearchRequest({ fhirVersion: ctx.fhirVersion, ...q }), adapter, ctx);
}

/** The engine alone (no catalogue): for searches the standards do not send but adapters must answer right. */
function runEngine(adapter: Adapter, ctx: AdapterContext, query: string) {
  return executeSearch(parseSearchRequest({ fhirVersion: ctx.fhirVersion, ...splitQuery(query) }), adapter, ctx);
}

/** Order-free, BSN-masked view for comparing two answers resource for resource. */
function canonical(resources: readonly Resource[]): Resource[] {
  return resources.map((r) => maskBsn(JSON.parse(JSON.stringify(r)) as Resource)).sort((a, b) => `${a.resourceType}/${a.id}`.localeCompare(`${b.resourceType}/${b.id}`));
}

export interface ContractOptions {
  readonly versions?: readonly FhirVersion[];
  /** The backend filters status and hand-over dates itself (SQL, XML): its raw answers must be narrower. */
  readonly pushesDown?: boolean;
}

export function runAdapterContract(name: string, setup: ContractSetup, options: ContractOptions = {}): void {
  if (!haveNictiz) console.warn(`${name} contract: no Nictiz fixtures under ${sharedRoot}; running on the built-in demo patients instead`);
  newServicesContract(name, setup);
  for (const version of options.versions ?? (['STU3', 'R4'] as const)) {
    describe(`${name} adapter contract, FHIR ${version}`, () => {
      let data: Dataset;
      let reference: Adapter;
      let backend: ContractBackend;
      let catalogue: QueryCatalogue;
      let ready = false;

      beforeAll(async () => {
        data = await loadDataset(version, LOAD_DATE);
        reference = await createDemoAdapter(
          { id: 'reference', kind: 'demo', datasets: { [version]: [data.folder] } },
          { log: createSilentLogger(), parseXml: parseFhirXml, compartment: compartmentPatients, now: LOAD_DATE },
        );
        catalogue = await loadCatalogue(catalogueFile(version === 'STU3' ? 'bgz-3' : 'mp9-3.0'));
        backend = await setup(data);
        ready = true;
      }, 60_000);
      afterAll(async () => {
        await backend?.close();
        await reference?.close();
      });

      const same = async (patient: string, query: string): Promise<number> => {
        const want = await run(catalogue, reference, context(version, patient), query);
        const got = await run(catalogue, backend.adapter, context(version, patient), query);
        expect({ query, patient, total: got.total, matches: canonical(got.matches), includes: canonical(got.includes) }).toEqual({
          query, patient, total: want.total, matches: canonical(want.matches), includes: canonical(want.includes),
        });
        return want.total;
      };

      test('every search of the standard gives the demo EHR\'s answer, for every patient', async () => {
        expect(ready).toBe(true);
        let nonEmpty = 0;
        let searches = 0;
        for (const patient of data.patients) {
          const queries = version === 'STU3' ? BGZ_QUERIES : mp9Queries(data, patient);
          for (const q of queries) {
            searches += 1;
            if ((await same(patient, q)) > 0) nonEmpty += 1;
          }
        }
        // The comparison means something only if the data answer most searches.
        expect(searches).toBeGreaterThan(data.patients.length * 10);
        expect(nonEmpty).toBeGreaterThan(data.patients.length);
      }, 120_000);

      test('an OR list and a prefixed date give the demo EHR\'s answer; a backend that filters gets them parsed', async () => {
        const queries = version === 'STU3' ? PUSHDOWN_QUERIES.STU3 : PUSHDOWN_QUERIES.R4(day);
        let nonEmpty = 0;
        let narrowed = 0;
        for (const patient of data.patients) {
          for (const query of queries) {
            const ctx = context(version, patient);
            const want = await runEngine(reference, ctx, query);
            const got = await runEngine(backend.adapter, ctx, query);
            expect({ query, patient, total: got.total, matches: canonical(got.matches) }).toEqual({ query, patient, total: want.total, matches: canonical(want.matches) });
            if (want.total > 0) nonEmpty += 1;
            // What the backend itself returned, with and without the filters pushed down.
            const q = splitQuery(query);
            const pushed = await backend.adapter.search(searchQueryOf(version, q.resourceType, q.params), ctx);
            const everything = await backend.adapter.search({ resourceType: q.resourceType, criteria: [], params: [] }, ctx);
            expect(pushed.resources.length).toBeGreaterThanOrEqual(want.total);
            if (pushed.resources.length < everything.resources.length) narrowed += 1;
          }
        }
        expect(nonEmpty).toBeGreaterThan(0);
        if (options.pushesDown) expect(narrowed).toBeGreaterThan(0);
        else expect(narrowed).toBe(0);
      }, 60_000);

      test('reads: own and shared resources as the demo EHR; another patient\'s resource, unknown ids and bad ids are not found', async () => {
        const [p1, p2] = data.patients;
        expect(p1).toBeDefined();
        for (const r of data.resources) {
          const owners = linkedPatientIds(version, r);
          const ctx = context(version, owners[0] ?? p1!);
          const got = await backend.adapter.read(r.resourceType, r.id as string, ctx);
          const want = await reference.read(r.resourceType, r.id as string, ctx);
          expect(got === undefined ? undefined : canonical([got])).toEqual(want === undefined ? undefined : canonical([want]));
          if (p2 !== undefined && owners.length > 0 && !owners.includes(p2)) {
            // Whose a resource is, is the gateway's adapter boundary to judge (compartment-guard.ts).
            const alarms: string[] = [];
            expect(await guardAdapter(backend.adapter, (v) => alarms.push(...v.map((x) => x.resourceType))).read(r.resourceType, r.id as string, context(version, p2))).toBeUndefined();
          }
        }
        expect(await backend.adapter.read('Patient', 'no-such-patient', context(version, p1!))).toBeUndefined();
        expect(await backend.adapter.read('Patient', '../metadata', context(version, p1!))).toBeUndefined();
      }, 60_000);

      test('a search never returns another patient\'s resources, whatever the query', async () => {
        for (const patient of data.patients.slice(0, 3)) {
          for (const type of new Set(data.resources.map((r) => r.resourceType))) {
            const { resources } = await backend.adapter.search({ resourceType: type, params: [], criteria: [] }, context(version, patient));
            for (const r of resources) expect(linkedPatientIds(version, r)).toEqual([patient]);
          }
        }
      });

      test('a backend that hands out another patient\'s resource: the boundary raises the alarm and nothing of it is served', async () => {
        const [p1, p2] = data.patients;
        if (p1 === undefined || p2 === undefined) throw new Error('the contract data needs two patients');
        // One of p1's resources, filed under p1 by every backend, that also points at p2.
        const victim = data.resources.find((r) => linkedPatientIds(version, r).includes(p1) && r.resourceType !== 'Patient' && typeof r.id === 'string')!;
        const leak = { ...victim, extension: [...((victim['extension'] as unknown[] | undefined) ?? []), { url: 'urn:test:leak', valueReference: { reference: `Patient/${p2}` } }] };
        const leaky = await setup({ ...data, resources: data.resources.map((r) => (r === victim ? leak : r)) });
        try {
          const alarms: string[] = [];
          const guarded = guardAdapter(leaky.adapter, (v) => alarms.push(...v.map((x) => x.resourceType)));
          const ctx = context(version, p1);
          const found = await executeSearch(parseSearchRequest({ fhirVersion: version, resourceType: victim.resourceType, params: [] }), guarded, ctx);
          const served = screenSearchAnswer(found, { patientRef: p1, fhirVersion: version });
          expect(served.outcome.matches.map((r) => r.id)).not.toContain(victim.id);
          expect(JSON.stringify(served.outcome)).not.toContain(`Patient/${p2}`);
          expect(alarms).toContain(victim.resourceType);
          // Read by id: the same.
          const before = alarms.length;
          expect(await guarded.read(victim.resourceType, victim.id as string, ctx)).toBeUndefined();
          expect(alarms.length).toBe(before + 1);
        } finally {
          await leaky.close();
        }
      }, 60_000);

      test('patient lookup by BSN matches the demo EHR; unknown and malformed BSNs find nobody', async () => {
        const signal = AbortSignal.timeout(10_000);
        let checked = 0;
        for (const r of data.resources.filter((x) => x.resourceType === 'Patient')) {
          const bsn = bsnOf(r);
          if (!bsn) continue;
          checked += 1;
          expect(await backend.adapter.findPatientByBsn(bsn, signal)).toEqual(await reference.findPatientByBsn(bsn, signal));
        }
        expect(await backend.adapter.findPatientByBsn('000000000', signal)).toBeUndefined();
        expect(await backend.adapter.findPatientByBsn("1' OR '1'='1", signal)).toBeUndefined();
        if (checked === 0) console.warn(`${name} contract ${version}: no Patient with a BSN in the data set`);
      });

      test('an expired deadline rejects with UpstreamTimeout (an AdapterError)', async () => {
        const aborted = new AbortController();
        aborted.abort(new Error('deadline'));
        const patient = data.patients[0]!;
        const err = await backend.adapter.search({ resourceType: 'Patient', params: [], criteria: [] }, context(version, patient, aborted.signal)).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AdapterError);
        expect(err).toBeInstanceOf(UpstreamTimeout);
      });

      test('health is ok and capabilities list the data set\'s types', async () => {
        expect((await backend.adapter.health(AbortSignal.timeout(5000))).ok).toBe(true);
        const types = new Set(backend.adapter.capabilities().resourceTypes);
        for (const r of data.resources) expect(types.has(r.resourceType)).toBe(true);
      });
    });
  }
}

/**
 * The STU3 services added after BgZ (allergies 54, GGZ 50, BgLZ 61) have no shared Nictiz data,
 * so their searches run on the synthetic demo patients: the backend loaded with them answers
 * every implementation-guide search as the demo EHR does (care plans, care teams, goals, devices,
 * text results and the includes between them), and as the expected counts say.
 */
function newServicesContract(name: string, setup: ContractSetup): void {
  describe(`${name} adapter contract, the STU3 services 54, 50 and 61 on the synthetic patients`, () => {
    let data: Dataset;
    let reference: Adapter;
    let backend: ContractBackend;
    const catalogues = new Map<string, QueryCatalogue>();

    beforeAll(async () => {
      data = await loadDataset('STU3', LOAD_DATE, builtInDemoData.STU3);
      reference = await createDemoAdapter({ id: 'reference', kind: 'demo', datasets: { STU3: [data.folder] } }, { log: createSilentLogger(), parseXml: parseFhirXml, compartment: compartmentPatients, now: LOAD_DATE });
      for (const s of NEW_STU3_SERVICES) catalogues.set(s.id, await loadCatalogue(catalogueFile(s.standard)));
      backend = await setup(data);
    }, 60_000);
    afterAll(async () => {
      await backend?.close();
      await reference?.close();
    });

    test.each(NEW_STU3_SERVICES.map((s) => [s.id, s.standard] as const))('service %s (%s): every search, both patients', async (id) => {
      for (const [query, ...wants] of NEW_SERVICE_CASES[id]!) {
        for (const [patient, want] of [[DE_GRAAF, wants[0]], [VAN_LEEUWEN, wants[1]]] as const) {
          const ctx = context('STU3', patient);
          const expected = await run(catalogues.get(id)!, reference, ctx, query);
          const got = await run(catalogues.get(id)!, backend.adapter, ctx, query);
          expect({ query, patient, total: got.total, matches: canonical(got.matches), includes: canonical(got.includes) }).toEqual({
            query, patient, total: expected.total, matches: canonical(expected.matches), includes: canonical(expected.includes),
          });
          const includes = Object.values(want[1] ?? {}).reduce((a, b) => a + b, 0);
          expect({ query, patient, matches: got.matches.length, includes: got.includes.length }).toEqual({ query, patient, matches: want[0], includes });
        }
      }
    }, 60_000);
  });
}
