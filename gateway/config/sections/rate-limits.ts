import { z } from 'zod';

/**
 * `rateLimits:` (issue 9, finding 4). Counted in the gateway's store (Redis in production), so all
 * replicas share one budget. The defaults leave a large PGO room (100 FHIR requests a second per
 * PGO) and stop a single browser address long before it fills Redis with interactions.
 */
export function rateLimitsSection() {
  const perWindow = z.number().int().min(1).max(10_000_000);
  return z
    .strictObject({
      enabled: z.boolean().default(true),
      windowSeconds: z.number().int().min(1).max(3600).default(60),
      authorizePerAddress: perWindow.default(60),
      authorizeTotal: perWindow.default(6000),
      tokenPerClient: perWindow.default(600),
      fhirPerClient: perWindow.default(6000),
    })
    .prefault({});
}

export type RateLimitsConfig = z.output<ReturnType<typeof rateLimitsSection>>;
