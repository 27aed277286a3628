import type { FhirVersion } from '../../adapters/types.js';
import type { ServiceBase } from './exchange.js';
import { DEFAULT_ENDPOINT_PATHS, fillPathTemplate } from '../config/index.js';
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

/** Configured FHIR bases by their URL path (`/demoziekenhuis/48/fhir`). */
export type ServiceDirectory = ReadonlyMap<string, ServiceBase>;

/**
 * Each configured service has its own FHIR base: `endpoints.resourcePath` with `{provider}` and
 * `{service}` filled in, under the node listener's public URL. That URL is the
 * ResourceEndpointuri registered for the service in the ZAL (digest §3, §4.2), and `zal` prints
 * it from the same function (gateway/config/endpoint-paths.ts).
 */
export function createServiceDirectory(
  providers: readonly ProviderConfig[],
  publicBaseUrl: string,
  resourcePath: string = DEFAULT_ENDPOINT_PATHS.resourcePath,
): ServiceDirectory {
  const root = publicBaseUrl.replace(/\/+$/, '');
  const dir = new Map<string, ServiceBase>();
  for (const p of providers) {
    for (const s of p.services) {
      const path = fillPathTemplate(resourcePath, p.name, s.id);
      dir.set(path, {
        providerName: p.name,
        serviceId: s.id,
        standard: s.standard,
        fhirVersion: s.fhirVersion,
        adapterId: s.adapter,
        timeoutMs: s.timeoutMs,
        url: `${root}${path}`,
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

/**
 * The one lookup URL path → FHIR base + the rest, for the whole path as the PGO sent it:
 * `/demoziekenhuis/48/fhir/Observation/$lastn` → the service and `['Observation', '$lastn']`.
 *
 * PGOs form the request URL from the registered ResourceEndpointuri in two ways: most append
 * `/{Type}`; the government PGO appends `/fhir/{Type}` unless the URI already ends in `/fhir`
 * (minvws/nl-mgo-dvp-proxy `generate_forward_url`). So on a base that does not end in `/fhir`, a
 * leading `fhir` segment is that convention and is dropped; it can never be a resource type
 * (those start with a capital). Bases never nest (config rule checkEndpointPaths), so the first
 * match is the only one. Anything else is not a FHIR base: 404, whatever it looks like.
 */
export function resolveBase(dir: ServiceDirectory, path: string): BasePath {
  const base = findBase(dir, path);
  if (!base) throw new FhirError(404, 'not-found', 'no FHIR base at this address', { reason: 'unknown_base' });
  return base;
}

const SLASH = 0x2f;

/**
 * The same lookup without the error: the edge asks it of every request (the token endpoint's too).
 * Each prefix that ends before a '/' (or at the end) is looked up as a slice of the path, shortest
 * first: no array of segments and no prefix built up by concatenation, which V8 flattens again for
 * each Map lookup (issue 14: this was 0.79 % of a search's samples). Origin-form paths only: one
 * that does not start with '/' is no base.
 */
export function findBase(dir: ServiceDirectory, path: string): BasePath | undefined {
  if (path.charCodeAt(0) !== SLASH) return undefined;
  let end = path.indexOf('/', 1);
  for (;;) {
    const prefix = end < 0 ? path : path.slice(0, end);
    const service = dir.get(prefix);
    if (service) return { service, rest: restAfter(path, end, prefix.endsWith('/fhir')) };
    if (end < 0) return undefined;
    end = path.indexOf('/', end + 1);
  }
}

/** The segments after the base (which ends before `end`, or is the whole path when `end` is -1). */
function restAfter(path: string, end: number, baseEndsInFhir: boolean): string[] {
  if (end < 0) return [];
  let rest = path.slice(end + 1).split('/');
  // A trailing slash (`Patient/`) is the same path.
  if (rest[rest.length - 1] === '') rest = rest.slice(0, -1);
  if (!baseEndsInFhir && rest[0] === 'fhir') rest = rest.slice(1);
  return rest;
}
