import type { Resource } from '../../adapters/types.js';
import type { QueryCatalogue } from './catalogue/index.js';
import type { ServiceBase } from './exchange.js';
import { findParamDefinition } from './search/index.js';

/**
 * `GET {base}/metadata` (FHIR http.html#capabilities): what this base serves, derived from the
 * service's query catalogue so that it never promises more than the policy allows. Public, as
 * FHIR expects; it names no patient. Shapes differ between STU3 (acceptUnknown, Reference
 * operation definitions) and R4 (canonical operation definitions). A Delen service (a catalogue
 * that `accepts:` profiles) lists what it takes and no more: the system interactions `batch` and
 * `transaction` of its `submit.bundleTypes`, and `create` only on accepted types where
 * `submit.create` allows a plain create (FHIR http.html#transaction, #create).
 */
const FHIR_VERSIONS = { STU3: '3.0.2', R4: '4.0.1' } as const;
const LASTN = 'http://hl7.org/fhir/OperationDefinition/Observation-lastn';

interface TypeSummary {
  readonly params: Map<string, string>;
  readonly includes: Set<string>;
  lastn: boolean;
}

function summarise(catalogue: QueryCatalogue, service: ServiceBase, readable: ReadonlySet<string>): Map<string, TypeSummary> {
  const byType = new Map<string, TypeSummary>();
  const entry = (type: string): TypeSummary => {
    let s = byType.get(type);
    if (!s) byType.set(type, (s = { params: new Map(), includes: new Set(), lastn: false }));
    return s;
  };
  for (const t of catalogue.searches) {
    const s = entry(t.resourceType);
    if (t.operation === 'lastn') s.lastn = true;
    for (const name of Object.keys(t.params)) {
      const [head = name] = name.split('.'); // a chain (medication.code) is declared on its reference parameter
      s.params.set(head, findParamDefinition(service.fhirVersion, t.resourceType, head)?.type ?? 'token');
    }
    for (const inc of [...t.include, ...t.iterate]) s.includes.add(inc);
  }
  for (const type of readable) entry(type);
  for (const type of creatableTypes(catalogue)) entry(type);
  return byType;
}

/** The types a PGO may create one by one (`POST {base}/{type}`): none unless the catalogue allows a plain create. */
function creatableTypes(catalogue: QueryCatalogue): ReadonlySet<string> {
  return new Set(catalogue.submit.create ? catalogue.accepts.map((a) => a.resourceType) : []);
}

/** What a type allows, in the order FHIR lists the restful interactions. */
function interactionsOf(type: string, searched: ReadonlySet<string>, readable: ReadonlySet<string>, creatable: ReadonlySet<string>): Array<{ code: string }> {
  return [
    ...(searched.has(type) || readable.has(type) ? [{ code: 'read' }] : []),
    ...(creatable.has(type) ? [{ code: 'create' }] : []),
    ...(searched.has(type) ? [{ code: 'search-type' }] : []),
  ];
}

/** Delen: the Bundle types a POST to the base may carry; nothing for a Verzamelen-only service (whose `submit` is only the schema's default). */
function systemInteractionsOf(catalogue: QueryCatalogue): Array<{ code: string }> {
  if (catalogue.accepts.length === 0) return [];
  return (['transaction', 'batch'] as const).filter((t) => catalogue.submit.bundleTypes.includes(t)).map((code) => ({ code }));
}

export function buildCapabilityStatement(service: ServiceBase, catalogue: QueryCatalogue, readable: ReadonlySet<string>, date: string): Resource {
  const stu3 = service.fhirVersion === 'STU3';
  const types = summarise(catalogue, service, readable);
  const searched = new Set(catalogue.searches.map((t) => t.resourceType));
  const creatable = creatableTypes(catalogue);
  const system = systemInteractionsOf(catalogue);
  const resource = [...types.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, s]) => ({
      type,
      interaction: interactionsOf(type, searched, readable, creatable),
      ...(s.includes.size > 0 ? { searchInclude: [...s.includes].sort() } : {}),
      ...(s.params.size > 0 ? { searchParam: [...s.params.entries()].map(([name, type]) => ({ name, type })) } : {}),
      ...(s.lastn && !stu3 ? { operation: [{ name: 'lastn', definition: LASTN }] } : {}),
    }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    publisher: service.providerName,
    kind: 'instance',
    implementation: { description: `${catalogue.title} (data service ${service.serviceId})`, url: service.url },
    fhirVersion: FHIR_VERSIONS[service.fhirVersion],
    ...(stu3 ? { acceptUnknown: 'no' } : {}),
    format: ['application/fhir+json', 'application/fhir+xml'],
    rest: [
      {
        mode: 'server',
        security: { description: 'OAuth 2.0 bearer token (MedMij Afsprakenstelsel) in the Authorization header; the patient is taken from the token.' },
        resource,
        ...(system.length > 0 ? { interaction: system } : {}),
        ...(stu3 && [...types.values()].some((s) => s.lastn) ? { operation: [{ name: 'lastn', definition: { reference: LASTN } }] } : {}),
      },
    ],
  };
}
