/**
 * @module The MedMij endpoints of each provider and data service, filled from the `endpoints:`
 * path templates: one source for what the gateway serves, what `zal` prints and what the start
 * banner shows, so the three cannot disagree.
 */

export const DEFAULT_ENDPOINT_PATHS = {
  /** Ends in `/fhir`: PGOs then append `/{Type}` directly (digest §3, §4.2 example `…/48/fhir`). */
  resourcePath: '/{provider}/{service}/fhir',
  tokenPath: '/oauth/token',
  authorizationPath: '/oauth/authorize',
} as const;

export interface EndpointPathTemplates {
  readonly resourcePath: string;
  readonly tokenPath: string;
  readonly authorizationPath: string;
}

/** Provider names and service ids are plain ASCII by schema; encoding keeps any other safe. */
export function fillPathTemplate(template: string, provider: string, service: string): string {
  return template.replaceAll('{provider}', encodeURIComponent(provider)).replaceAll('{service}', encodeURIComponent(service));
}

/** A FHIR base whose last segment reads as a resource type (`Patient`) or an operation (`$x`) would be ambiguous. */
export function isFhirBaseReserved(base: string): boolean {
  const last = base.slice(base.lastIndexOf('/') + 1);
  return /^[A-Z]/.test(last) || last.startsWith('$') || last === 'metadata';
}

export interface ServiceEndpoints {
  readonly provider: string;
  readonly service: string;
  /** Absolute URLs, as registered in the ZAL. */
  readonly authorizationEndpointUri: string;
  readonly tokenEndpointUri: string;
  readonly resourceEndpointUri: string;
  /** The same, as paths on their listener. */
  readonly authorizationPath: string;
  readonly tokenPath: string;
  readonly resourcePath: string;
}

interface EndpointInputs {
  readonly providers: ReadonlyArray<{ readonly name: string; readonly services: ReadonlyArray<{ readonly id: string }> }>;
  readonly endpoints?: EndpointPathTemplates;
  readonly patientPublicUrl: string;
  readonly nodePublicUrl: string;
}

/**
 * Per provider and service, in config order. The authorization endpoint is on the patient
 * (frontchannel) listener, token and resource endpoints on the node (mTLS) listener (digest §2.1,
 * §5.3). A path on the public URL (`https://host/medmij`) is kept: a proxy in front may add it.
 */
export function serviceEndpoints(input: EndpointInputs): ServiceEndpoints[] {
  const t = input.endpoints ?? DEFAULT_ENDPOINT_PATHS;
  const patient = input.patientPublicUrl.replace(/\/+$/, '');
  const node = input.nodePublicUrl.replace(/\/+$/, '');
  return input.providers.flatMap((p) =>
    p.services.map((s) => {
      const authorizationPath = fillPathTemplate(t.authorizationPath, p.name, s.id);
      const tokenPath = fillPathTemplate(t.tokenPath, p.name, s.id);
      const resourcePath = fillPathTemplate(t.resourcePath, p.name, s.id);
      return {
        provider: p.name,
        service: s.id,
        authorizationEndpointUri: `${patient}${authorizationPath}`,
        tokenEndpointUri: `${node}${tokenPath}`,
        resourceEndpointUri: `${node}${resourcePath}`,
        authorizationPath,
        tokenPath,
        resourcePath,
      };
    }),
  );
}

/** The distinct filled paths of one template over all services (the routes to answer on). */
export function distinctPaths(endpoints: readonly ServiceEndpoints[], key: 'authorizationPath' | 'tokenPath' | 'resourcePath'): readonly string[] {
  return [...new Set(endpoints.map((e) => e[key]))];
}
