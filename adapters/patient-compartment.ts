import type { Resource } from './types.js';

/**
 * Which elements put a resource in a patient's compartment, per resource type (after the FHIR
 * Patient CompartmentDefinition, STU3 and R4, limited to the types MedMij services use). Shared
 * by adapters (to index and filter) and the gateway (to check every result and every `_include`).
 * Types that are absent (Practitioner, Organization, Location, Medication, PractitionerRole, …)
 * belong to no patient and may be returned when a patient's own resource points at them.
 * Paths are dotted element names; arrays are walked.
 */
export const PATIENT_COMPARTMENT: Readonly<Record<string, readonly string[]>> = {
  AllergyIntolerance: ['patient', 'recorder', 'asserter'],
  Appointment: ['participant.actor'],
  CarePlan: ['subject'],
  CareTeam: ['subject', 'participant.member'],
  Composition: ['subject'],
  Condition: ['subject', 'asserter'],
  Consent: ['patient'],
  Coverage: ['beneficiary', 'subscriber', 'policyHolder', 'payor'],
  Device: ['patient'],
  DeviceRequest: ['subject'],
  DeviceUseStatement: ['subject'],
  DiagnosticReport: ['subject'],
  DocumentManifest: ['subject', 'recipient'],
  DocumentReference: ['subject'],
  Encounter: ['subject', 'patient'],
  EpisodeOfCare: ['patient'],
  Flag: ['subject'],
  Goal: ['subject'],
  Immunization: ['patient'],
  ImmunizationRecommendation: ['patient'],
  List: ['subject'],
  MedicationAdministration: ['subject', 'patient', 'performer.actor'],
  MedicationDispense: ['subject', 'patient', 'receiver'],
  MedicationRequest: ['subject'],
  MedicationStatement: ['subject'],
  NutritionOrder: ['patient'],
  Observation: ['subject', 'performer'],
  Patient: ['link.other'],
  Procedure: ['subject', 'performer.actor'],
  ProcedureRequest: ['subject', 'performer'],
  QuestionnaireResponse: ['subject', 'author'],
  RelatedPerson: ['patient'],
  ServiceRequest: ['subject', 'performer'],
  Specimen: ['subject'],
};

function referencesAt(node: unknown, steps: readonly string[]): string[] {
  if (node === undefined || node === null) return [];
  if (Array.isArray(node)) return node.flatMap((n) => referencesAt(n, steps));
  if (typeof node !== 'object') return [];
  const [head, ...rest] = steps;
  if (head === undefined) {
    const ref = (node as { reference?: unknown }).reference;
    return typeof ref === 'string' ? [ref] : [];
  }
  return referencesAt((node as Record<string, unknown>)[head], rest);
}

/**
 * The ids of the patients whose compartment holds `resource`; a Patient is in its own. An
 * empty list for a compartment type means "no patient named": callers decide (the gateway
 * treats a compartment resource without a patient as not the token's patient's).
 */
export function compartmentPatients(resource: Resource): string[] {
  const ids = new Set<string>();
  if (resource.resourceType === 'Patient' && typeof resource.id === 'string') ids.add(resource.id);
  for (const path of PATIENT_COMPARTMENT[resource.resourceType] ?? []) {
    for (const ref of referencesAt(resource, path.split('.'))) {
      const m = /^Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/.*)?$/.exec(ref);
      if (m?.[1] !== undefined) ids.add(m[1]);
    }
  }
  return [...ids];
}

/** True for types that can belong to a patient (listed in the compartment, or Patient itself). */
export function isCompartmentType(resourceType: string): boolean {
  return resourceType === 'Patient' || resourceType in PATIENT_COMPARTMENT;
}

/**
 * May this resource be shown to `patientRef`? Non-compartment types (practitioners,
 * organisations, medication) always. Compartment types when they name that patient and no
 * other (a resource shared between two patients is refused: fail closed). A compartment-type
 * resource that names no patient at all (a Specimen taken from a contained Device) is refused as
 * a match but may be reached from the patient's own resources with `allowUnlinked` (_include).
 */
export function isVisibleToPatient(resource: Resource, patientRef: string, options: { readonly allowUnlinked?: boolean } = {}): boolean {
  if (!isCompartmentType(resource.resourceType)) return true;
  if (resource.resourceType === 'Patient') return resource.id === patientRef;
  const ids = compartmentPatients(resource);
  if (ids.length === 0) return options.allowUnlinked === true;
  return ids.every((id) => id === patientRef);
}
