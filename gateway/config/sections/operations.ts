import { z } from 'zod';
import type { ConfigFields } from './config-fields.js';

/** Plain-HTTP listener for /health, /ready and /metrics: bind it to loopback or a private network only. */
export function operationsSection(f: ConfigFields) {
  return z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: f.port.default(9090),
      metrics: z.boolean().default(true),
    })
    .prefault({});
}
