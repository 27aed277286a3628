import { z } from 'zod';

/**
 * Adapter blocks. Only `id` and `kind` are checked here; each kind's own keys are validated by its
 * factory's schema when the registry builds the adapter (adapters/), so the kinds stay pluggable.
 */
export function adaptersSection() {
  return z.array(z.looseObject({ id: z.string().regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and dashes'), kind: z.string().min(1) })).default([]);
}
