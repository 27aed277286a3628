import { z } from 'zod';
import { DATE_PREFIXES } from '../search/index.js';

/**
 * The shape of a query catalogue (config/standards/*.yaml): for one information standard, every
 * search a PGO may send (MedMij: the standard's FHIR implementation guide fixes the query set;
 * shared/medmij/QUERIES.md). A parameter is either fixed (`equals`: the value must be one of
 * these, exactly as the guide writes it), free token (`format: token`, e.g. an identifier), or a
 * date window (`format: date` with the allowed prefixes and how often it may repeat), or free
 * text (`format: text`).
 */
const paramRule = z.union([
  z.strictObject({ required: z.boolean().default(false), equals: z.array(z.string().min(1)).min(1) }),
  z.strictObject({ required: z.boolean().default(false), format: z.literal('token') }),
  z.strictObject({
    required: z.boolean().default(false),
    format: z.literal('date'),
    prefixes: z.array(z.enum(DATE_PREFIXES)).min(1),
    maxRepeats: z.number().int().min(1).max(4).default(1),
  }),
  // Free text: string parameters and token `:text` (FHIR R4 §3.1.1.5.13); any value, once.
  z.strictObject({ required: z.boolean().default(false), format: z.literal('text') }),
]);

/**
 * A parameter key: the name as a PGO sends it, `_id`/`_lastUpdated`, a chain (`medication.code`)
 * and optionally one modifier (`code:not`, `identifier:of-type`, `subject:Patient`): a catalogue
 * admits a modifier by listing the parameter with it (FHIR R4 §3.1.1.5, search.html#modifiers).
 */
const PARAM_KEY = /^(_id|_lastUpdated|[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)?)(:(missing|exact|contains|text|not|of-type|identifier|[A-Z][A-Za-z]+))?$/;

const includeRe = /^[A-Z][A-Za-z]+:[a-z][a-z0-9-]*(:[A-Z][A-Za-z]+)?$/;

/** Never part of a template: the patient comes from the token (MedMij core.rscint.203, DIGEST §3). */
export const FORBIDDEN_PARAMS = /^(patient|subject)([.:].*)?$/;

const template = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    resourceType: z.string().regex(/^[A-Z][A-Za-z]+$/),
    operation: z.literal('lastn').optional(),
    params: z.record(z.string().regex(PARAM_KEY), paramRule).default({}),
    include: z.array(z.string().regex(includeRe)).default([]),
    iterate: z.array(z.string().regex(includeRe)).default([]),
  })
  .refine((t) => Object.keys(t.params).every((p) => !FORBIDDEN_PARAMS.test(p)), {
    message: 'patient and subject parameters are never allowed: the patient comes from the token',
    path: ['params'],
  });

const coding = z.strictObject({ system: z.string().url(), code: z.string().min(1) });

/**
 * A profile a Delen service accepts (data shared by the patient): the structure each resource
 * must have, from the profile's StructureDefinition (required elements, min 1; fixed codes). An
 * element name ending in `[x]` is a choice (`effective[x]`: effectiveDateTime or effectivePeriod);
 * `oneOf` lists alternatives of which at least one must be present (a vital sign carries a value,
 * components, or both).
 */
const acceptRule = z.strictObject({
  /** Absent: the resource need claim no profile (a Binary, which MedMij profiles no further). */
  profile: z.string().url().optional(),
  resourceType: z.string().regex(/^[A-Z][A-Za-z]+$/),
  required: z.array(z.string().regex(/^[a-z][A-Za-z]*(\[x\])?$/)).default([]),
  oneOf: z.array(z.string().regex(/^[a-z][A-Za-z]*(\[x\])?$/)).default([]),
  code: coding.optional(),
  category: coding.optional(),
  status: z.array(z.string().min(1)).optional(),
  /** Top-level primitive elements and the values allowed for them, e.g. `contentType: [application/pdf]`. */
  values: z.record(z.string().regex(/^[a-z][A-Za-z]*$/), z.array(z.string().min(1)).min(1)).default({}),
});

/** Delen: how a PGO may send (FHIR http.html#transaction and #create). */
const submitRule = z.strictObject({
  /** The Bundle types a POST to the base may carry: `batch` (each entry on its own), `transaction` (all or nothing). */
  bundleTypes: z.array(z.enum(['batch', 'transaction'])).min(1).default(['batch']),
  /** Whether a plain create of one resource (`POST {base}/{type}`) is allowed. */
  create: z.boolean().default(false),
  /** Cap on the request body: a document transaction carries the PDF, a batch a few measurements. */
  maxBytes: z.number().int().positive().max(64 * 1024 * 1024).default(1024 * 1024),
});

export const catalogueSchema = z
  .strictObject({
    /** Key used in config `services[].standard`, e.g. `bgz-3`. */
    standard: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
    title: z.string().min(1),
    fhirVersion: z.enum(['STU3', 'R4']),
    searches: z.array(template).default([]),
    /** Delen: the profiles PGOs may send to this service (POST of a batch Bundle to the base). */
    accepts: z.array(acceptRule).default([]),
    submit: submitRule.default({ bundleTypes: ['batch'], create: false, maxBytes: 1024 * 1024 }),
    /**
     * The serving (beschikbaarstellend) system role(s) a care provider registers on the ZAL for a
     * service of this standard, as the MedMij Catalogus names them (`medmij-gateway zal` prints
     * them). Empty where no code is published.
     */
    systemRoles: z.array(z.string().regex(/^[A-Z]{2,3}-[0-9]+\.[0-9A-Z]+(\.[0-9]+)?-[A-Z]{3}-FHIR$/)).default([]),
  })
  .refine((c) => c.searches.length > 0 || c.accepts.length > 0, { message: 'a catalogue lists searches (Verzamelen) or accepted profiles (Delen)', path: ['searches'] });

export type QueryCatalogue = z.output<typeof catalogueSchema>;
export type QueryTemplate = QueryCatalogue['searches'][number];
export type ParamRule = QueryTemplate['params'][string];
export type AcceptRule = QueryCatalogue['accepts'][number];
export type SubmitRule = QueryCatalogue['submit'];
