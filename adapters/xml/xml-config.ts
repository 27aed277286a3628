import { z } from 'zod';
import { upstreamHttpSchema } from '../fhir-passthrough/index.js';
import { mappingsSchema, parseResourcePath } from '../mapping/index.js';
import { pushdownFormSchema } from '../pushdown.js';

/**
 * `kind: xml`: the EHR answers its own XML over HTTP (an HL7v3-ish or vendor export). Each served
 * resource type names a URL template for the patient's records, optionally one for reading a
 * record by id, and the mapping that turns a record element into a FHIR resource.
 */
const resourceType = z.string().regex(/^[A-Z][A-Za-z]{1,63}$/);

/** A path (and query) under baseUrl with `{placeholder}`s only from `allowed`; never absolute. */
const urlTemplate = (allowed: readonly string[], required: string | undefined) =>
  z
    .string()
    .min(1)
    .refine((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith('//'), 'a path under baseUrl, not an absolute URL')
    .refine((t) => [...t.matchAll(/\{([^{}]*)\}/g)].every((m) => allowed.includes(m[1] ?? '')), `placeholders: ${allowed.map((a) => `{${a}}`).join(', ')}`)
    .refine((t) => required === undefined || t.includes(`{${required}}`), `must contain {${required ?? ''}}`);

const vendorParam = z.string().regex(/^[A-Za-z_][\w.-]*$/);

const forwardSpec = z.strictObject({
  name: vendorParam,
  as: pushdownFormSchema.default('text'),
  map: z.record(z.string().min(1), z.string().min(1)).optional(),
});

const recordPath = z.string().regex(/^(\.|(@?[A-Za-z_][\w.-]*)(\/@?[A-Za-z_][\w.-]*)*)$/);

export const xmlResourceSchema = z.strictObject({
  /** The patient's records of this type; `{patient}` is always filled in by the adapter, never by the PGO. */
  search: urlTemplate(['patient'], 'patient').optional(),
  /**
   * FHIR search parameter → vendor query parameter, appended URL-encoded in parsed form
   * (adapters/pushdown.ts): `{ name, as: codes }` repeats the vendor parameter once per code of
   * the OR list (mapped through `map`), `as: from | to` sends a window bound (ISO instant) of a
   * prefixed date, `as: text` (or just the vendor name) the value as sent when it is one alternative;
   * a list sends several vendor parameters from one FHIR parameter.
   */
  forwardParams: z
    .record(
      z.string().regex(/^[a-z][a-z0-9.:-]*$/),
      z.union([
        vendorParam.transform((name) => [{ name, as: 'text' as const, map: undefined }]),
        forwardSpec.transform((spec) => [spec]),
        // Several vendor parameters from one FHIR parameter, e.g. a date window's `from` and `to`.
        z.array(forwardSpec).min(1),
      ]),
    )
    .default({}),
  /**
   * Delen: how a shared resource of this type appears in the document the adapter POSTs (see
   * `write` on the adapter): its record element, and child element → resource path
   * (adapters/mapping/resource-path.ts, e.g. `component[code=8480-6].valueQuantity.value`).
   */
  write: z
    .strictObject({
      element: z.string().regex(/^[A-Za-z_][\w.-]*$/),
      fields: z.record(z.string().regex(/^[A-Za-z_][\w.-]*$/), z.string().min(1)).default({}),
    })
    .optional(),
  /** One record by id (for reads and `_include`); `{id}` is checked to be a FHIR id first. */
  read: urlTemplate(['id'], 'id').optional(),
  mapping: z.string().min(1),
  /** Record path with the record's patient; records of anyone else are dropped (and logged by count). Absent for shared types. */
  patientPath: recordPath.optional(),
  /** Record path used to name a record in mapping errors. */
  keyPath: recordPath.default('@id'),
});

export const xmlConfigSchema = upstreamHttpSchema
  .extend({
    id: z.string().regex(/^[a-z0-9-]+$/),
    kind: z.literal('xml'),
    fhirVersion: z.enum(['STU3', 'R4']),
    /** Local name (namespace prefix ignored) of the repeated record element under the document root. */
    recordElement: z.string().regex(/^[A-Za-z_][\w.-]*$/),
    resources: z.record(resourceType, xmlResourceSchema),
    /** Login availability check. The BSN travels in the request body (POST, form-encoded), never in a URL. */
    patientLookup: z
      .strictObject({
        path: urlTemplate([], undefined),
        /** Form field name for the BSN. */
        field: z.string().regex(/^[A-Za-z_][\w.-]*$/).default('bsn'),
        /** Record path of the patient id in the answer's record. */
        idPath: recordPath.default('@id'),
      })
      .optional(),
    health: urlTemplate([], undefined).optional(),
    /**
     * Delen: where the shared data goes. One POST per request (`{patient}` filled in by the
     * adapter) of one document `<root>` holding a record per resource; only a 2xx counts as
     * stored, and the EHR must take the document whole or refuse it whole.
     */
    write: z.strictObject({ url: urlTemplate(['patient'], undefined), root: z.string().regex(/^[A-Za-z_][\w.-]*$/) }).optional(),
    mappings: mappingsSchema,
  })
  .superRefine((c, ctx) => {
    for (const [type, r] of Object.entries(c.resources)) {
      const m = c.mappings[r.mapping];
      if (!m) ctx.addIssue({ code: 'custom', path: ['resources', type, 'mapping'], message: `no mapping named "${r.mapping}"` });
      else if (m.resourceType !== type) {
        ctx.addIssue({ code: 'custom', path: ['resources', type, 'mapping'], message: `mapping "${r.mapping}" makes ${m.resourceType}, not ${type}` });
      }
      if (r.write !== undefined && c.write === undefined) ctx.addIssue({ code: 'custom', path: ['resources', type, 'write'], message: 'needs the adapter-level write: { url, root }' });
      for (const [name, p] of Object.entries(r.write?.fields ?? {})) {
        try {
          parseResourcePath(p);
        } catch (err) {
          ctx.addIssue({ code: 'custom', path: ['resources', type, 'write', 'fields', name], message: (err as Error).message });
        }
      }
      if (r.search !== undefined && r.patientPath === undefined) {
        ctx.addIssue({ code: 'custom', path: ['resources', type, 'patientPath'], message: 'a searchable type needs patientPath (records of other patients must be recognisable)' });
      }
    }
  });

export type XmlConfig = z.output<typeof xmlConfigSchema>;
export type XmlResourceConfig = z.output<typeof xmlResourceSchema>;
