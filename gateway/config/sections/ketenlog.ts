import { z } from 'zod';
import type { ConfigFields } from './config-fields.js';

/** MedMij's limit per batch: 60 MB, 62 914 560 characters (implementation guide ketenlogging). */
const MEDMIJ_MAX_BATCH_BYTES = 62_914_560;

/**
 * MedMij ketenmonitoring (Logging interface, afsprakenstelsel 2.2.4B): every DVA event also goes,
 * as a MedMij log record, through a durable outbox to MedMij's central log API. Off by default,
 * so development runs send nothing anywhere.
 */
export function ketenlogSection(f: ConfigFields) {
  return z
    .strictObject({
      enabled: z.boolean().default(false),
      /** Acceptance: https://acc-api.medmij.nl/eagleeye/v1/logs; production: https://api.medmij.nl/eagleeye/v1/logs. */
      url: f.httpsUrl.default('https://acc-api.medmij.nl/eagleeye/v1/logs'),
      /** Our host as the records' `event.location`; the host of listeners.node.publicUrl when absent. */
      location: z.string().regex(/^[A-Za-z0-9.-]{1,253}$/).optional(),
      /** Trust anchors for the log API's server certificate; the system's CAs when absent. */
      caFile: f.filePath.optional(),
      requestTimeoutMs: z.number().int().positive().max(300_000).default(15_000),
      batch: z
        .strictObject({
          maxEvents: z.number().int().positive().max(100_000).default(500),
          maxBytes: z.number().int().min(1024).max(MEDMIJ_MAX_BATCH_BYTES).default(1_048_576),
          maxAgeMs: z.number().int().positive().max(600_000).default(5000),
        })
        .prefault({}),
      retry: z
        .strictObject({
          initialDelayMs: z.number().int().positive().max(60_000).default(500),
          maxDelayMs: z.number().int().positive().max(3_600_000).default(60_000),
        })
        .prefault({}),
      outbox: z
        .strictObject({
          maxEvents: z.number().int().positive().max(10_000_000).default(1_000_000),
          /** keep-serving: drop the oldest records, with an alarm; refuse-new-flows: new authorization requests get 503 until there is room. */
          whenFull: z.enum(['keep-serving', 'refuse-new-flows']).default('refuse-new-flows'),
        })
        .prefault({}),
    })
    .prefault({});
}

export type KetenlogConfig = z.output<ReturnType<typeof ketenlogSection>>;
