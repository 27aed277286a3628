import { z } from 'zod';

/**
 * The shape of a query catalogue (config/standards/*.yaml): for one information standard, every
 * search a PGO may send (MedMij: the standard's FHIR implementation guide fixes the query set;
 * shared/medmij/QUERIES.md). A parameter is either fixed (`equals`: the value must be one of
 * these, exactly as the guide writes it), free token (`format: token`, e.g. an identifier), or a
 * date window (`format: date` with the allowed prefixes and how often it may repeat).
 */
const paramRule = z.union([
  z.strictObject({ required: z.boolean().default(false), equals: z.array(z.string().min(1)).min(1) }),
  z.strictObject({ required: z.boolean().default(false), format: z.literal('token') }),
  z.strictObject({
    required: z.boolean().default(false),
    format: z.literal('date'),
    prefixes: z.array(z.enum(['eq', 'ne', 'gt', 'lt', 'ge', 'le'])).min(1),
    maxRepeats: z.number().int().min(1).max(4).default(1),
  }),
]);

const includeRe = /^[A-Z][A-Za-z]+:[a-z][a-z0-9-]*(:[A-Z][A-Za-z]+)?$/;

/** Never part of a template: the patient comes from the token (MedMij core.rscint.203, DIGEST §3). */
export const FORBIDDEN_PARAMS = /^(patient|subject)([.:].*)?$/;

const template = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    resourceType: z.string().regex(/^[A-Z][A-Za-z]+$/),
    operation: z.literal('lastn').optional(),
    params: z.record(z.string().regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)?$/), paramRule).default({}),
    include: z.array(z.string().regex(includeRe)).default([]),
    iterate: z.array(z.string().regex(includeRe)).default([]),
  })
  .refine((t) => Object.keys(t.params).every((p) => !FORBIDDEN_PARAMS.test(p)), {
    message: 'patient and subject parameters are never allowed: the patient comes from the token',
    path: ['params'],
  });

export const catalogueSchema = z.strictObject({
  /** Key used in config `services[].standard`, e.g. `bgz-3`. */
  standard: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  title: z.string().min(1),
  fhirVersion: z.enum(['STU3', 'R4']),
  searches: z.array(template).min(1),
});

export type QueryCatalogue = z.output<typeof catalogueSchema>;
export type QueryTemplate = QueryCatalogue['searches'][number];
export type ParamRule = QueryTemplate['params'][string];
