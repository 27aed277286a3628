import type { FhirVersion } from '../../../adapters/types.js';
import type { LatestStoppedRule } from './latest-stopped.js';

/**
 * The search parameters the engine understands, as data: name → type and element paths, per
 * resource type and FHIR version. Paths use the small syntax of element-values.ts. Sources: the
 * FHIR STU3 and R4 search parameter registries, and for MP9 3.0 the Nictiz SearchParameters
 * (period-of-use on the TimeInterval extension, pharmaceutical-treatment-identifier).
 * A new information standard adds rows here and a catalogue YAML; no engine code changes.
 */
export type ParamType = 'token' | 'date' | 'reference' | 'string';

export interface ParamDefinition {
  readonly type: ParamType;
  readonly paths: readonly string[];
  /** Reference parameters: the resource types the reference may point to (for chains and includes). */
  readonly targets?: readonly string[];
  /** MP9 `period-of-use` on MedicationRequest/MedicationDispense: the latest stopped resource per treatment is a match too. */
  readonly latestStopped?: LatestStoppedRule;
}

type Table = Readonly<Record<string, Readonly<Record<string, ParamDefinition>>>>;

const EXT = 'http://nictiz.nl/fhir/StructureDefinition/';
const TIME_INTERVAL = `extension(${EXT}ext-TimeInterval.Period).valuePeriod`;
const TREATMENT_ID = `extension(${EXT}ext-PharmaceuticalTreatment.Identifier).valueIdentifier`;
/** STU3 (MP 9.0.7, GP data): the Nictiz `periodofuse` SearchParameter reads the zib period-of-use extension. */
const PERIOD_OF_USE_STU3 = `extension(${EXT}zib-Medication-PeriodOfUse).valuePeriod`;

const token = (...paths: string[]): ParamDefinition => ({ type: 'token', paths });
const str = (...paths: string[]): ParamDefinition => ({ type: 'string', paths });
const date = (...paths: string[]): ParamDefinition => ({ type: 'date', paths });
const periodOfUse = (path: string, datePath: string): ParamDefinition => ({ type: 'date', paths: [path], latestStopped: { datePath } });
const ref = (targets: string[], ...paths: string[]): ParamDefinition => ({ type: 'reference', paths, targets });

const PRACTITIONERS = ['Practitioner', 'PractitionerRole', 'Organization'];
const ACTORS = ['Practitioner', 'PractitionerRole', 'Organization', 'Patient', 'RelatedPerson', 'Device'];

/** Parameters with the same meaning in STU3 and R4. */
const COMMON: Table = {
  Patient: {
    identifier: token('identifier'),
    name: str('name'),
    family: str('name.family'),
    given: str('name.given'),
    'address-city': str('address.city'),
    birthdate: date('birthDate'),
    gender: token('gender'),
    'general-practitioner': ref(PRACTITIONERS, 'generalPractitioner'),
  },
  Coverage: {
    identifier: token('identifier'),
    payor: ref(['Organization', 'Patient', 'RelatedPerson'], 'payor'),
    beneficiary: ref(['Patient'], 'beneficiary'),
  },
  Consent: { category: token('category'), identifier: token('identifier'), patient: ref(['Patient'], 'patient') },
  Condition: { category: token('category'), code: token('code'), identifier: token('identifier'), subject: ref(['Patient'], 'subject') },
  Observation: {
    category: token('category'),
    code: token('code'),
    identifier: token('identifier'),
    status: token('status'),
    date: date('effective[x]'),
    subject: ref(['Patient'], 'subject'),
    specimen: ref(['Specimen'], 'specimen'),
  },
  NutritionOrder: { identifier: token('identifier'), status: token('status'), patient: ref(['Patient'], 'patient') },
  Flag: { identifier: token('identifier'), subject: ref(['Patient'], 'subject') },
  AllergyIntolerance: {
    category: token('category'),
    code: token('code'),
    identifier: token('identifier'),
    patient: ref(['Patient'], 'patient'),
  },
  DeviceUseStatement: {
    identifier: token('identifier'),
    device: ref(['Device'], 'device'),
    subject: ref(['Patient'], 'subject'),
  },
  DeviceRequest: {
    identifier: token('identifier'),
    status: token('status'),
    device: ref(['Device'], 'codeReference'),
    subject: ref(['Patient'], 'subject'),
  },
  Immunization: { identifier: token('identifier'), status: token('status'), patient: ref(['Patient'], 'patient') },
  ImmunizationRecommendation: { identifier: token('identifier'), patient: ref(['Patient'], 'patient') },
  Procedure: { category: token('category'), code: token('code'), identifier: token('identifier'), subject: ref(['Patient'], 'subject') },
  Encounter: {
    class: token('class'),
    identifier: token('identifier'),
    status: token('status'),
    date: date('period'),
    subject: ref(['Patient'], 'subject'),
  },
  Appointment: { identifier: token('identifier'), status: token('status'), date: date('start') },
  Medication: { code: token('code'), identifier: token('identifier') },
  PractitionerRole: {
    identifier: token('identifier'),
    organization: ref(['Organization'], 'organization'),
    practitioner: ref(['Practitioner'], 'practitioner'),
    location: ref(['Location'], 'location'),
  },
  Composition: { type: token('type'), identifier: token('identifier'), subject: ref(['Patient'], 'subject') },
  EpisodeOfCare: { identifier: token('identifier'), status: token('status'), patient: ref(['Patient'], 'patient') },
  DocumentReference: { identifier: token('identifier'), status: token('status'), subject: ref(['Patient'], 'subject') },
  DocumentManifest: {
    identifier: token('identifier'),
    status: token('status'),
    created: date('created'),
    subject: ref(['Patient'], 'subject'),
  },
};

/** STU3 only (BgZ 3.x, MP 9.0.7, GP data, PDF/A 3). */
const STU3: Table = {
  Observation: { 'related-target': ref(['Observation', 'QuestionnaireResponse', 'Sequence'], 'related.target') },
  ProcedureRequest: { identifier: token('identifier'), status: token('status'), subject: ref(['Patient'], 'subject') },
  DocumentReference: { indexed: date('indexed') },
  MedicationRequest: {
    category: token('category'),
    identifier: token('identifier'),
    status: token('status'),
    periodofuse: date(PERIOD_OF_USE_STU3),
    medication: ref(['Medication'], 'medicationReference'),
    subject: ref(['Patient'], 'subject'),
  },
  MedicationDispense: {
    category: token('category'),
    identifier: token('identifier'),
    status: token('status'),
    medication: ref(['Medication'], 'medicationReference'),
    patient: ref(['Patient'], 'subject'),
    subject: ref(['Patient'], 'subject'),
    performer: ref(ACTORS, 'performer.actor'),
  },
  MedicationStatement: {
    category: token('category'),
    identifier: token('identifier'),
    status: token('status'),
    medication: ref(['Medication'], 'medicationReference'),
    subject: ref(['Patient'], 'subject'),
  },
};

/** R4 only (MP9 3.0, vaccinations). */
const R4: Table = {
  Observation: {
    'has-member': ref(['Observation'], 'hasMember'),
    'derived-from': ref(['Observation'], 'derivedFrom'),
  },
  DocumentReference: { date: date('date') },
  ServiceRequest: { identifier: token('identifier'), status: token('status'), subject: ref(['Patient'], 'subject') },
  MedicationRequest: {
    category: token('category'),
    identifier: token('identifier'),
    status: token('status'),
    'pharmaceutical-treatment-identifier': token(TREATMENT_ID),
    'period-of-use': periodOfUse(TIME_INTERVAL, 'authoredOn'),
    medication: ref(['Medication'], 'medicationReference'),
    subject: ref(['Patient'], 'subject'),
    patient: ref(['Patient'], 'subject'),
    requester: ref(ACTORS, 'requester'),
    reason: ref(['Condition', 'Observation'], 'reasonReference'),
    'next-practitioner': ref(PRACTITIONERS, `extension(${EXT}ext-MedicationAgreement.NextPractitioner).valueReference`),
    'dispense-location': ref(['Location'], `dispenseRequest.extension(${EXT}ext-DispenseRequest.DispenseLocation).valueReference`),
  },
  MedicationDispense: {
    category: token('category'),
    identifier: token('identifier'),
    status: token('status'),
    'pharmaceutical-treatment-identifier': token(TREATMENT_ID),
    'period-of-use': periodOfUse(TIME_INTERVAL, `extension(${EXT}ext-AdministrationAgreement.AdministrationAgreementDateTime).valueDateTime`),
    whenhandedover: date('whenHandedOver'),
    medication: ref(['Medication'], 'medicationReference'),
    subject: ref(['Patient'], 'subject'),
    patient: ref(['Patient'], 'subject'),
    performer: ref(ACTORS, 'performer.actor'),
    destination: ref(['Location'], 'destination'),
  },
  MedicationStatement: {
    category: token('category'),
    identifier: token('identifier'),
    status: token('status'),
    'pharmaceutical-treatment-identifier': token(TREATMENT_ID),
    'period-of-use': date('effective[x]'),
    medication: ref(['Medication'], 'medicationReference'),
    subject: ref(['Patient'], 'subject'),
    patient: ref(['Patient'], 'subject'),
    source: ref(ACTORS, 'informationSource'),
    author: ref(ACTORS, `extension(${EXT}ext-MedicationUse2.Author).valueReference`),
    prescriber: ref(ACTORS, `extension(${EXT}ext-MedicationUse2.Prescriber).valueReference`),
  },
  MedicationAdministration: {
    category: token('category'),
    identifier: token('identifier'),
    status: token('status'),
    'pharmaceutical-treatment-identifier': token(TREATMENT_ID),
    'effective-time': date('effective[x]'),
    medication: ref(['Medication'], 'medicationReference'),
    subject: ref(['Patient'], 'subject'),
    patient: ref(['Patient'], 'subject'),
    performer: ref(ACTORS, 'performer.actor'),
  },
};

function merge(...tables: Table[]): Table {
  const out: Record<string, Record<string, ParamDefinition>> = {};
  for (const t of tables) {
    for (const [type, params] of Object.entries(t)) out[type] = { ...(out[type] ?? {}), ...params };
  }
  return out;
}

/**
 * Parameters of every resource (FHIR R4 §3.1.1.5.14 / STU3 Resource search parameters): `_id`
 * (token on the logical id) and `_lastUpdated` (date on meta.lastUpdated).
 */
const EVERY_RESOURCE: Readonly<Record<string, ParamDefinition>> = {
  _id: token('id'),
  _lastUpdated: date('meta.lastUpdated'),
};

export const SEARCH_PARAMETERS: Readonly<Record<FhirVersion, Table>> = {
  STU3: merge(COMMON, STU3),
  R4: merge(COMMON, R4),
};

/** The definition of `name` on `resourceType`, or undefined when the engine does not know it. */
export function findParamDefinition(version: FhirVersion, resourceType: string, name: string): ParamDefinition | undefined {
  return SEARCH_PARAMETERS[version][resourceType]?.[name] ?? EVERY_RESOURCE[name];
}
