/**
 * @module `medmij-gateway zal [file]`: the Zorgaanbiederslijst entries to register for the
 * configured care providers, per provider and data service (digest §4.2). The URIs come from
 * gateway/config/endpoint-paths.ts, the function the routers are built from, so what is printed
 * is exactly what this configuration serves.
 */
import { serviceEndpoints, type GatewayConfig } from './config/index.js';

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

type ZalInputs = Pick<GatewayConfig, 'providers' | 'endpoints' | 'listeners'>;

/**
 * The authorization endpoint on the patient (frontchannel) listener, token and resource
 * endpoints on the node (backchannel) listener (digest §2.1, §5.3). Note the ZAL XSD allows no
 * port on frontchannel URIs, so production patient URLs must use 443.
 */
export function zalEntriesFor(config: ZalInputs): ZalEntry[] {
  const all = serviceEndpoints({
    providers: config.providers,
    endpoints: config.endpoints,
    patientPublicUrl: config.listeners.patient.publicUrl,
    nodePublicUrl: config.listeners.node.publicUrl,
  });
  return config.providers.map((p) => ({
    name: `${p.name}@medmij`,
    services: all
      .filter((e) => e.provider === p.name)
      .map((e) => ({
        id: e.service,
        authorizationEndpointUri: e.authorizationEndpointUri,
        tokenEndpointUri: e.tokenEndpointUri,
        resourceEndpointUri: e.resourceEndpointUri,
      })),
  }));
}

/** The text `zal` prints: one block per provider, the ZAL element name before each URI. */
export function formatZalEntries(entries: readonly ZalEntry[]): string {
  let out = '';
  for (const entry of entries) {
    out += `${entry.name}\n`;
    for (const s of entry.services) {
      out +=
        `  GegevensdienstId ${s.id}\n` +
        `    AuthorizationEndpointuri ${s.authorizationEndpointUri}\n` +
        `    TokenEndpointuri         ${s.tokenEndpointUri}\n` +
        `    ResourceEndpointuri      ${s.resourceEndpointUri}\n`;
    }
  }
  return out;
}
