import type { Resource } from '../../adapters/types.js';
import type { QueryCatalogue } from './catalogue/index.js';
import type { ServiceBase } from './exchange.js';
import { findParamDefinition } from './search/index.js';

/**
 * `GET {base}/metadata` (FHIR http.html#capabilities): what this base serves, derived from the
 * service's query catalogue so that it never promises more than the policy allows. Public, as
 * FHIR expects; it names no patient. Shapes differ between STU3 (acceptUnknown, Reference
 * operation definitions) and R4 (canonical operation definitions).
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
  return byType;
}

export function buildCapabilityStatement(service: ServiceBase, catalogue: QueryCatalogue, readable: ReadonlySet<string>, date: string): Resource {
  const stu3 = service.fhirVersion === 'STU3';
  const types = summarise(catalogue, service, readable);
  const searched = new Set(catalogue.searches.map((t) => t.resourceType));
  const resource = [...types.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, s]) => ({
      type,
      interaction: searched.has(type) ? [{ code: 'read' }, { code: 'search-type' }] : [{ code: 'read' }],
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
        ...(stu3 && [...types.values()].some((s) => s.lastn) ? { operation: [{ name: 'lastn', definition: { reference: LASTN } }] } : {}),
      },
    ],
  };
}
