import type { FhirVersion, Resource, SearchCriterion } from '../types.js';
import { MappingFailed } from '../errors.js';
import { TypeIndex } from './type-index.js';

/**
 * One FHIR version's demo data, indexed: by `Type/id`, by patient compartment and type, and
 * BSN → patient id. BSNs are kept only in that map; the stored Patient carries the masked form
 * (data-absent-reason `masked`), so no answer can leak one.
 */
/**
 * The patients a resource belongs to by the gateway's one compartment rule (HL7's
 * CompartmentDefinition `patient`; gateway/fhir/search/patient-compartment.ts), undefined for a
 * type outside the compartment. Injected, like the XML parser, because adapters import nothing
 * from gateway/: the demo EHR then indexes and checks its data by the very rule the gateway applies.
 */
export type CompartmentPatients = (version: FhirVersion, resource: Resource) => readonly string[] | undefined;

/** May the patient see this resource: a type outside the compartment, or a member that names this patient and no other. */
export function belongsOnlyTo(patients: readonly string[] | undefined, patientId: string): boolean {
  return patients === undefined || (patients.length > 0 && patients.every((id) => id === patientId));
}

export const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';
const MASKED = { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'masked' }] };

export class DemoStore {
  private readonly byKey = new Map<string, Resource>();
  private readonly byPatient = new Map<string, Map<string, Resource[]>>();
  private readonly bsnToPatient = new Map<string, string>();
  /** `patient\0type` → the visible resources indexed, built on first search, dropped on add. */
  private readonly indexes = new Map<string, TypeIndex>();
  readonly resourceTypes = new Set<string>();

  private readonly patientsOf: (resource: Resource) => readonly string[];

  constructor(resources: readonly Resource[], patientsOf: (resource: Resource) => readonly string[] | undefined) {
    this.patientsOf = (resource) => patientsOf(resource) ?? [];
    for (const raw of resources) {
      if (typeof raw.id !== 'string' || !/^[A-Za-z0-9\-.]{1,64}$/.test(raw.id)) {
        throw new MappingFailed(`demo data: a ${raw.resourceType} has no valid id`);
      }
      const resource = raw.resourceType === 'Patient' ? this.takeBsn(raw) : raw;
      const key = `${resource.resourceType}/${resource.id}`;
      if (this.byKey.has(key)) throw new MappingFailed(`demo data: ${key} occurs twice`);
      this.byKey.set(key, deepFreeze(resource));
      this.resourceTypes.add(resource.resourceType);
      this.indexByPatient(resource);
    }
  }

  /** Files the resource under every patient it is linked to; returns those patients. */
  private indexByPatient(resource: Resource): readonly string[] {
    const patients = this.patientsOf(resource);
    for (const patientId of patients) {
      let types = this.byPatient.get(patientId);
      if (!types) this.byPatient.set(patientId, (types = new Map()));
      const list = types.get(resource.resourceType);
      if (list) list.push(resource);
      else types.set(resource.resourceType, [resource]);
    }
    return patients;
  }

  private takeBsn(patient: Resource): Resource {
    const identifiers = Array.isArray(patient['identifier']) ? (patient['identifier'] as Record<string, unknown>[]) : [];
    const masked = identifiers.map((id) => {
      if (id['system'] !== BSN_SYSTEM || typeof id['value'] !== 'string') return id;
      this.bsnToPatient.set(id['value'], patient.id as string);
      const { value: _bsn, ...rest } = id;
      return { ...rest, _value: MASKED };
    });
    return identifiers.length > 0 ? { ...patient, identifier: masked } : patient;
  }

  /** A resource shared by the patient (Delen): indexed like the loaded ones, so searches serve it back. */
  add(resource: Resource): Resource {
    const key = `${resource.resourceType}/${String(resource.id)}`;
    if (this.byKey.has(key)) throw new MappingFailed(`demo data: ${key} occurs twice`);
    const frozen = deepFreeze(resource);
    this.byKey.set(key, frozen);
    this.resourceTypes.add(resource.resourceType);
    for (const patientId of this.indexByPatient(frozen)) this.indexes.delete(`${patientId}\u0000${resource.resourceType}`);
    return frozen;
  }

  get(resourceType: string, id: string): Resource | undefined {
    return this.byKey.get(`${resourceType}/${id}`);
  }

  compartment(patientId: string, resourceType: string): readonly Resource[] {
    return this.byPatient.get(patientId)?.get(resourceType) ?? [];
  }

  /**
   * The patient's resources of one type that are visible to them (none naming another patient),
   * narrowed by the index to a superset of what can match `criteria`: no scan of the whole
   * compartment per search (10,000 Observations of one patient answer in milliseconds).
   */
  candidates(patientId: string, resourceType: string, criteria: readonly SearchCriterion[]): readonly Resource[] {
    const key = `${patientId}\u0000${resourceType}`;
    let index = this.indexes.get(key);
    if (!index) {
      index = new TypeIndex(this.compartment(patientId, resourceType).filter((r) => belongsOnlyTo(this.patientsOf(r), patientId)));
      this.indexes.set(key, index);
    }
    return index.candidates(criteria);
  }

  patientByBsn(bsn: string): string | undefined {
    return this.bsnToPatient.get(bsn);
  }

  get size(): number {
    return this.byKey.size;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
