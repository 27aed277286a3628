import type { Logger } from 'pino';
import type { Adapter } from '../types.js';
import { createFhirPassthroughAdapter } from './fhir-passthrough-adapter.js';
import { fhirPassthroughConfigSchema, type FhirPassthroughConfig } from './fhir-passthrough-config.js';

export { createFhirPassthroughAdapter } from './fhir-passthrough-adapter.js';
export { createBinaryProxy, type BinaryProxy, type BinaryProxyCall } from './binary-proxy.js';
export { fhirPassthroughConfigSchema, type FhirPassthroughConfig } from './fhir-passthrough-config.js';
export { buildSearchUrl, forwardableParams } from './build-search-url.js';
export { parseSearchBundle, parseResource, type SearchPage } from './parse-search-bundle.js';
export { rewriteUpstreamUrls } from './rewrite-upstream-urls.js';
// The upstream HTTP pieces are shared with the xml adapter kind.
export { upstreamHttpSchema, upstreamAuthSchema, type UpstreamHttpConfig, type UpstreamAuthConfig } from './upstream-config.js';
export { createUpstreamClient, toAdapterError, type UpstreamClient, type UpstreamResponse, type UpstreamRequest } from './upstream-client.js';
export { readCapped, BodyTooLarge } from './read-capped.js';

/** `kind: fhir` for the adapter registry. */
export const fhirPassthroughFactory = {
  kind: 'fhir' as const,
  configSchema: fhirPassthroughConfigSchema,
  create(config: FhirPassthroughConfig, deps: { readonly log: Logger; readonly baseDir: string }): Adapter {
    return createFhirPassthroughAdapter(config, deps);
  },
};
