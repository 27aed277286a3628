import { z } from 'zod';

/**
 * The declarative mapping from a legacy record (an XML element or an SQL row) to one FHIR
 * resource, as written in YAML. Used by the xml and sql adapters alike, so an EHR moving from one
 * transport to the other keeps its mapping.
 *
 *   resourceType: Observation
 *   template: { meta: { profile: [http://nictiz.nl/fhir/StructureDefinition/zib-LaboratoryTestResult] } }
 *   fields:
 *     - { to: id, from: obs_id, required: true }
 *     - { to: status, from: status, map: { F: final, P: preliminary } }
 *     - { to: subject.reference, template: "Patient/{patient_id}" }
 *     - { to: valueQuantity.value, from: value, type: decimal }
 *
 * `to` is a FHIR element path (dots, `[n]` for list positions); `$` merges a JSON object into the
 * resource root (for systems that keep part of the record as a document). `from` is a record path:
 * a column name for SQL, `child/grandchild`, `@attribute` or `child/@attribute` for XML.
 */
export const VALUE_TYPES = ['string', 'code', 'integer', 'decimal', 'boolean', 'date', 'dateTime', 'json'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

/** `a.b[0].c`: identifiers as in FHIR element names, optional list positions. `$` is the root. */
const FHIR_PATH = /^(\$|[A-Za-z][A-Za-z0-9_]*(\[\d{1,3}\])?(\.[A-Za-z][A-Za-z0-9_]*(\[\d{1,3}\])?)*)$/;
/** Column names or XML paths: names, `/` steps and one trailing `@attribute`, or `.` (the record's own text). */
const RECORD_PATH = /^(\.|(@?[A-Za-z_][\w.-]*)(\/@?[A-Za-z_][\w.-]*)*)$/;

const recordPath = z.string().regex(RECORD_PATH, 'a column name or an XML path such as child/@attr');

export const fieldSpecSchema = z
  .strictObject({
    to: z.string().regex(FHIR_PATH, 'a FHIR element path such as code.coding[0].system, or $'),
    /** Exactly one of from / value / template. */
    from: recordPath.optional(),
    value: z.union([z.string(), z.number(), z.boolean()]).optional(),
    /** A string with `{record path}` placeholders, e.g. `Patient/{patient_id}`. */
    template: z.string().min(1).optional(),
    type: z.enum(VALUE_TYPES).default('string'),
    /** Vendor code → FHIR code. A value outside the map is a mapping error unless `default` is set. */
    map: z.record(z.string(), z.string()).optional(),
    default: z.string().optional(),
    /** A missing value is a mapping error (otherwise the element is left out). */
    required: z.boolean().default(false),
  })
  .refine((f) => [f.from, f.value, f.template].filter((x) => x !== undefined).length === 1, {
    message: 'exactly one of from, value, template',
  })
  .refine((f) => f.to !== '$' || f.type === 'json', { message: 'to: $ needs type: json', path: ['type'] })
  .refine((f) => f.to !== 'resourceType', { message: 'resourceType is fixed by the mapping', path: ['to'] });

export const mappingSpecSchema = z.strictObject({
  resourceType: z.string().regex(/^[A-Z][A-Za-z]{1,63}$/),
  /** Fixed parts every resource of this mapping carries (meta.profile, fixed codings...). */
  template: z.record(z.string(), z.unknown()).default({}),
  fields: z.array(fieldSpecSchema).min(1),
});

export type FieldSpec = z.output<typeof fieldSpecSchema>;
export type MappingSpec = z.output<typeof mappingSpecSchema>;
/** Mappings by name, as under `mappings:` in an adapter block. */
export const mappingsSchema = z.record(z.string().regex(/^[A-Za-z0-9_-]+$/), mappingSpecSchema);
