import { readFileSync } from 'node:fs';
import type { GatewayConfig } from '../config/index.js';
import { createFileListSource } from './file-list-source.js';
import { createHttpsListSource } from './https-list-source.js';
import type { ListSource } from './list-source.js';
import type { ListKind } from './types.js';

/**
 * The source a list's config names: an https URL or a file path (config/schema.ts resolves the
 * path and refuses http). Key material is read here, once, so a missing file fails at start.
 */
export function createListSource(config: GatewayConfig['lists'], kind: ListKind): ListSource {
  const { source } = config[kind];
  const { timeoutMs, maxBytes, caFile, clientCertFile, clientKeyFile } = config.fetch;
  if (!/^https:\/\//i.test(source)) return createFileListSource(source, { maxBytes });
  return createHttpsListSource(source, {
    timeoutMs,
    maxBytes,
    ...(caFile === undefined ? {} : { ca: readFileSync(caFile) }),
    ...(clientCertFile === undefined ? {} : { cert: readFileSync(clientCertFile) }),
    ...(clientKeyFile === undefined ? {} : { key: readFileSync(clientKeyFile) }),
  });
}
