import { z } from 'zod';
import { field, items, type ConfigRule } from '../rules/config-rule.js';
import { DEFAULT_ENDPOINT_PATHS, fillPathTemplate, isFhirBaseReserved } from '../endpoint-paths.js';

/**
 * A URL path under a listener's public URL, with `{provider}` and `{service}` filled in per data
 * service. Only unreserved characters (RFC 3986 §2.3) besides the placeholders, so that a filled
 * path is its own percent-encoding and compares byte for byte with what a PGO sends.
 */
const pathTemplate = z
  .string()
  .max(200)
  .regex(/^(\/(?:[A-Za-z0-9._~-]|\{provider\}|\{service\})+)+$/, 'a path such as /{provider}/{service}/fhir: "/"-separated segments of letters, digits, . _ ~ - and the placeholders {provider} and {service}')
  .refine((p) => !p.split('/').some((s) => s === '.' || s === '..'), 'no "." or ".." segments');

/**
 * `endpoints:` — where the three MedMij endpoints of each provider and data service live: what
 * `medmij-gateway zal` prints and what to register on the Zorgaanbiederslijst (digest §4.2). The
 * resource endpoint is the FHIR base; PGOs form `{ResourceEndpointuri}/fhir/{Type}` unless the
 * URI already ends in `/fhir` (the government PGO, minvws/nl-mgo-dvp-proxy), so the default ends
 * in `/fhir` and a request works whichever convention a PGO follows.
 */
export function endpointsSection() {
  return z
    .strictObject({
      resourcePath: pathTemplate.default(DEFAULT_ENDPOINT_PATHS.resourcePath),
      tokenPath: pathTemplate.default(DEFAULT_ENDPOINT_PATHS.tokenPath),
      authorizationPath: pathTemplate.default(DEFAULT_ENDPOINT_PATHS.authorizationPath),
      /**
       * How long the pages of a search stay available (fhir/search/result-pages.ts): the first
       * page stores the whole result once; its next/previous links read from it until then.
       */
      searchPagesTtlSeconds: z.number().int().min(10).max(3600).default(300),
    })
    .prefault({});
}

export type EndpointsConfig = z.output<ReturnType<typeof endpointsSection>>;

/**
 * The filled paths must tell the data services apart: two services on one FHIR base, a base
 * inside another base, or a base on the token path would make a request ambiguous. The
 * authorization path must not shadow the provider's own resume and interaction routes.
 */
export const checkEndpointPaths: ConfigRule = (config, report) => {
  const endpoints = field(config, 'endpoints');
  const read = (key: 'resourcePath' | 'tokenPath' | 'authorizationPath'): string => {
    const v = field(endpoints, key);
    return typeof v === 'string' ? v : DEFAULT_ENDPOINT_PATHS[key];
  };
  const resource = read('resourcePath');
  const token = read('tokenPath');
  const authorization = read('authorizationPath');
  const bases = new Map<string, string>();
  const tokens = new Set<string>();
  for (const [, provider] of items(field(config, 'providers'))) {
    const name = field(provider, 'name');
    if (typeof name !== 'string') continue;
    for (const [, service] of items(field(provider, 'services'))) {
      const id = field(service, 'id');
      if (typeof id !== 'string') continue;
      const base = fillPathTemplate(resource, name, id);
      const owner = `${name}/${id}`;
      const other = bases.get(base);
      if (other !== undefined && other !== owner) {
        report(['endpoints', 'resourcePath'], `services ${other} and ${owner} would share the FHIR base ${base}: use {provider} and {service}`);
      }
      bases.set(base, owner);
      tokens.add(fillPathTemplate(token, name, id));
      if (isFhirBaseReserved(base)) report(['endpoints', 'resourcePath'], `the FHIR base ${base} ends in a FHIR resource type or operation`);
    }
  }
  const all = [...bases.keys()];
  for (const a of all) {
    for (const b of all) {
      if (a !== b && b.startsWith(`${a}/`)) report(['endpoints', 'resourcePath'], `the FHIR base ${b} lies inside the FHIR base ${a}`);
    }
    for (const t of tokens) {
      if (t === a || t.startsWith(`${a}/`) || a.startsWith(`${t}/`)) report(['endpoints', 'tokenPath'], `the token endpoint ${t} overlaps the FHIR base ${a}`);
    }
  }
  if (/^\/(?:interaction|oauth\/authorize)\//.test(authorization) || authorization.startsWith('/.well-known/')) {
    report(['endpoints', 'authorizationPath'], 'must not lie under /interaction/, /oauth/authorize/ or /.well-known/ (the login pages and the resume step live there)');
  }
};
