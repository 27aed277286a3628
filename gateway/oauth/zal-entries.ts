import type { ServedProvider } from './scope.js';

export interface ZalServiceEntry {
  readonly id: string;
  readonly authorizationEndpointUri: string;
  readonly tokenEndpointUri: string;
  readonly resourceEndpointUri: string;
}

export interface ZalEntry {
  /** Full MedMij name, e.g. `demoziekenhuis@medmij`. */
  readonly name: string;
  readonly services: readonly ZalServiceEntry[];
}

/**
 * What this gateway asks MedMij to publish on the Zorgaanbiederslijst for each provider (digest
 * §2.1, §3): the authorization endpoint on the patient (frontchannel) listener, token and resource
 * endpoints on the node (backchannel) listener. Note the ZAL XSD allows no port on frontchannel
 * URIs, so production patient URLs must use 443.
 */
export function zalEntriesFor(providers: readonly ServedProvider[], urls: { readonly patientPublicUrl: string; readonly nodePublicUrl: string }): ZalEntry[] {
  const patient = urls.patientPublicUrl.replace(/\/+$/, '');
  const node = urls.nodePublicUrl.replace(/\/+$/, '');
  return providers.map((p) => ({
    name: `${p.name}@medmij`,
    services: p.services.map((s) => ({
      id: s.id,
      authorizationEndpointUri: `${patient}/oauth/authorize`,
      tokenEndpointUri: `${node}/oauth/token`,
      resourceEndpointUri: `${node}/fhir/${p.name}/${s.id}`,
    })),
  }));
}
