import { z } from 'zod';
import { upstreamHttpSchema } from './upstream-config.js';

/**
 * `kind: fhir`: the EHR has a FHIR API of its own. The gateway forwards the PGO's (already
 * authorised) filters with the patient filter added, and reads back searchset Bundles.
 */
const resourceType = z.string().regex(/^[A-Z][A-Za-z]{1,63}$/);
const paramName = z.string().regex(/^[a-z_][a-z0-9_.:-]*$/i);

export const fhirPassthroughConfigSchema = upstreamHttpSchema.extend({
  id: z.string().regex(/^[a-z0-9-]+$/),
  kind: z.literal('fhir'),
  fhirVersion: z.enum(['STU3', 'R4']),
  resourceTypes: z.array(resourceType).min(1),
  /**
   * How the patient is put into the upstream query: `patient=<ref>`, `subject=Patient/<ref>`, or
   * the compartment path `Patient/<ref>/<type>` (FHIR compartments). A Patient search is always
   * `Patient?_id=<ref>`. The PGO never sends a patient parameter (digest §3); the adapter adds it.
   */
  patientFilter: z.enum(['patient', 'subject', 'compartment']).default('patient'),
  /** Per-type parameter when the default does not exist for a type, e.g. `Coverage: beneficiary`. */
  patientParamByType: z.record(resourceType, paramName).default({}),
  /** Filters forwarded upstream; `*` forwards every filter (the gateway re-applies them all anyway). */
  forwardParams: z.array(z.union([z.literal('*'), paramName])).default(['*']),
  /** Upstream page size asked with `_count`, and how many `next` links are followed at most. */
  pageSize: z.number().int().positive().max(1000).default(100),
  maxPages: z.number().int().positive().max(100).default(20),
  /** Further absolute bases the upstream writes into its data (its own idea of its URL). */
  rewriteBases: z.array(z.url({ protocol: /^https?$/ })).default([]),
  /**
   * The upstream resolves `_include` (and `:iterate` / `:recurse`) itself: the gateway forwards
   * the PGO's includes with the search and takes the targets from the answer's include entries,
   * one round trip for the whole search. Off: one `Type?_id=a,b,c` search per include round and
   * target type. Either way the gateway checks every target, and asks for any the upstream left out.
   */
  forwardIncludes: z.boolean().default(false),
  /** Login availability check: BSN lookup by POST `Patient/_search` (keeps the BSN out of URLs and access logs) or GET. */
  bsnLookup: z.enum(['post', 'get']).default('post'),
});

export type FhirPassthroughConfig = z.output<typeof fhirPassthroughConfigSchema>;
