import { z } from 'zod';

/** The care providers (zorgaanbieders) this gateway serves, and their data services. */
export function providersSection() {
  const service = z.strictObject({
    /** The GegevensdienstId as on the Gegevensdienstnamenlijst, e.g. "48" for BgZ (digest §7). */
    id: z.string().regex(/^[A-Za-z0-9.-]{1,30}$/, 'letters, digits, dots and dashes (at most 30)'),
    /** Key of the information standard's query catalogue, e.g. `bgz-3` or `mp9-3.0`. */
    standard: z.string().min(1),
    fhirVersion: z.enum(['STU3', 'R4']),
    /** id of an entry under `adapters`. */
    adapter: z.string().min(1),
    /** Deadline for one adapter call; MedMij allows 60 s for the whole answer. */
    timeoutMs: z.number().int().positive().max(55_000).default(20_000),
  });

  const provider = z.strictObject({
    /** MedMij name without `@medmij`, as PGOs put it in the scope. */
    name: z.string().regex(/^[a-z0-9]+([.-][a-z0-9]+)*$/, 'lowercase letters, digits, dots and dashes'),
    displayName: z.string().min(1).max(100),
    /** Shown on the technical-failure page (MedMij "Technische storing"). */
    supportPhone: z.string().min(1),
    services: z.array(service).min(1),
  });

  return z.array(provider).default([]);
}
