/**
 * @module `medmij-gateway zal [file]`: the Zorgaanbiederslijst entries to register for the
 * configured care providers, per provider and data service (digest §4.2). The URIs come from
 * gateway/config/endpoint-paths.ts, the function the routers are built from, so what is printed
 * is exactly what this configuration serves.
 */
import { serviceEndpoints, type GatewayConfig } from './config/index.js';
import { catalogueFile, loadCatalogue } from './fhir/catalogue/index.js';

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

/**
 * The text `zal` prints: one block per provider, the ZAL element name before each URI. With
 * `rolesOf` (systemRolesOf) each service also names the Systeemrolcode to register its
 * ResourceEndpointuri under, or says that none is published for its standard.
 */
export function formatZalEntries(entries: readonly ZalEntry[], rolesOf?: SystemRoles): string {
  let out = '';
  for (const entry of entries) {
    out += `${entry.name}\n`;
    for (const s of entry.services) {
      out +=
        `  GegevensdienstId ${s.id}\n` +
        `    AuthorizationEndpointuri ${s.authorizationEndpointUri}\n` +
        `    TokenEndpointuri         ${s.tokenEndpointUri}\n`;
      if (rolesOf) {
        const { standard, roles } = rolesOf(entry.name, s.id);
        if (roles.length === 0) out += `    Systeemrolcode           (none published for ${standard}: take it from the MedMij Catalogus)\n`;
        for (const role of roles) out += `    Systeemrolcode           ${role}\n`;
      }
      out += `    ResourceEndpointuri      ${s.resourceEndpointUri}\n`;
    }
  }
  return out;
}

/** (ZAL provider name, GegevensdienstId) → the service's standard and the system roles its catalogue names. */
export type SystemRoles = (provider: string, serviceId: string) => { readonly standard: string; readonly roles: readonly string[] };

/** The system roles of every configured service, read from the catalogues the config uses. */
export async function systemRolesOf(config: Pick<GatewayConfig, 'providers' | 'standards'>): Promise<SystemRoles> {
  const byStandard = new Map<string, readonly string[]>();
  const standardOf = new Map<string, string>();
  for (const p of config.providers) {
    for (const s of p.services) {
      standardOf.set(`${p.name}@medmij|${s.id}`, s.standard);
      if (!byStandard.has(s.standard)) byStandard.set(s.standard, (await loadCatalogue(catalogueFile(s.standard, config.standards.folder))).systemRoles);
    }
  }
  return (provider, serviceId) => {
    const standard = standardOf.get(`${provider}|${serviceId}`) ?? '';
    return { standard, roles: byStandard.get(standard) ?? [] };
  };
}
