import type { FhirVersion } from '../../adapters/types.js';
import type { ServiceBase } from './exchange.js';
import { FhirError } from './outcome.js';

/** The config shape of `providers:` that the FHIR layer reads (gateway/config/sections/providers.ts). */
export interface ProviderServiceConfig {
  readonly id: string;
  readonly standard: string;
  readonly fhirVersion: FhirVersion;
  readonly adapter: string;
  readonly timeoutMs: number;
}

export interface ProviderConfig {
  readonly name: string;
  readonly displayName: string;
  readonly services: readonly ProviderServiceConfig[];
}

export type ServiceDirectory = ReadonlyMap<string, ServiceBase>;

/**
 * Each configured service has its own FHIR base, `{publicBaseUrl}/fhir/{provider}/{serviceId}`:
 * the ResourceEndpointuri published for its system role in the ZAL (digest §3).
 */
export function createServiceDirectory(providers: readonly ProviderConfig[], publicBaseUrl: string): ServiceDirectory {
  const root = publicBaseUrl.replace(/\/+$/, '');
  const dir = new Map<string, ServiceBase>();
  for (const p of providers) {
    for (const s of p.services) {
      dir.set(`${p.name}/${s.id}`, {
        providerName: p.name,
        serviceId: s.id,
        standard: s.standard,
        fhirVersion: s.fhirVersion,
        adapterId: s.adapter,
        timeoutMs: s.timeoutMs,
        url: `${root}/fhir/${encodeURIComponent(p.name)}/${encodeURIComponent(s.id)}`,
      });
    }
  }
  return dir;
}

export interface BasePath {
  readonly service: ServiceBase;
  /** Segments after the base, still percent-encoded. */
  readonly rest: readonly string[];
}

/** `/demoziekenhuis/48/Observation/$lastn` → the service and `['Observation', '$lastn']`. */
export function resolveBase(dir: ServiceDirectory, path: string): BasePath {
  const [empty, provider, serviceId, ...rest] = path.split('/');
  const service = empty === '' && provider && serviceId ? dir.get(`${provider}/${serviceId}`) : undefined;
  if (!service) throw new FhirError(404, 'not-found', 'no FHIR base at this address', { reason: 'unknown_base' });
  // A trailing slash (`Patient/`) is the same path.
  if (rest.length > 0 && rest[rest.length - 1] === '') rest.pop();
  return { service, rest };
}
