import { z } from 'zod';

export function loggingSection() {
  return z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** Where audit records go: `stdout`, `stderr`, or a file path. A separate stream from the log (NEN 7513). */
      audit: z.string().min(1).default('stderr'),
    })
    .prefault({});
}
