import { z } from 'zod';

/**
 * The `kind: demo` adapter block. Without `datasets` it serves the synthetic patients shipped in
 * adapters/demo/data; a dataset folder holds FHIR JSON or XML files, one resource or Bundle each.
 */
export const demoConfigSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  kind: z.literal('demo'),
  datasets: z
    .strictObject({
      STU3: z.array(z.string().min(1)).optional(),
      R4: z.array(z.string().min(1)).optional(),
    })
    .optional(),
  /** The date `${DATE, T, …}` placeholders count from (YYYY-MM-DD); default: the day of loading. */
  loadDate: z.iso.date().optional(),
});

export type DemoConfig = z.output<typeof demoConfigSchema>;
