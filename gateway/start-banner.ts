/**
 * @module What `npm start` prints once the listeners are bound: where each MedMij endpoint is
 * (the same URIs `zal` prints) and whether the gateway can serve at all. A gateway whose
 * Whitelist or OAuth client list is not in force refuses every PGO (fail closed, README "MedMij
 * lists"); saying "running" then would send an operator looking in the wrong place.
 */
import path from 'node:path';
import { distinctPaths, serviceEndpoints, type GatewayConfig } from './config/index.js';
import type { ListKind, ListStatus } from './lists/index.js';

/** What a list that is not in force stops (README "MedMij lists"). */
const WITHOUT: Readonly<Record<ListKind, string>> = {
  whitelist: 'every connection to the node interface is refused',
  oauthClientList: 'no PGO can start or finish an authorization',
  zorgaanbiederslijst: 'nothing is refused, but the registered endpoints are not compared with the served ones',
  gegevensdienstnamenlijst: 'the consent page shows service ids instead of names',
};

export interface BannerInputs {
  readonly file: string;
  readonly config: Pick<GatewayConfig, 'mode' | 'listeners' | 'operations' | 'providers' | 'endpoints'>;
  readonly bound: { readonly node: string; readonly patient: string; readonly operations: string };
  readonly lists: readonly Pick<ListStatus, 'kind' | 'fresh'>[];
  /** Differences between the Zorgaanbiederslijst in force and what is served (zal-drift.ts). */
  readonly zalDrift?: readonly string[];
  /** Demo patients to show, when the demo EHR is configured. */
  readonly demoPatients?: ReadonlyArray<{ readonly name: string; readonly bsn: string }>;
}

export function startBanner(b: BannerInputs): string[] {
  const { config } = b;
  const where = path.relative(process.cwd(), b.file) || b.file;
  const stale = b.lists.filter((l) => !l.fresh);
  const blocking = stale.filter((l) => l.kind === 'whitelist' || l.kind === 'oauthClientList');
  const headline =
    blocking.length > 0 || config.providers.length === 0
      ? `MedMij gateway started but NOT serving PGOs (mode: ${config.mode}, config: ${where})`
      : `MedMij gateway running (mode: ${config.mode}, config: ${where})`;
  const lines = [
    '',
    headline,
    ...stale.map((l) => `  ! the ${l.kind} is not in force: ${WITHOUT[l.kind]} until a valid one is loaded`),
    ...(config.providers.length === 0 ? ['  ! no care provider is configured: there is nothing to serve (providers:)'] : []),
    ...(b.zalDrift ?? []).map((d) => `  ! ${d} (PGOs use the ZAL: register what medmij-gateway zal prints)`),
    `  MedMij node interface (mTLS + Whitelist): ${b.bound.node}   public URL ${config.listeners.node.publicUrl}`,
    `  patient interface (browser):              ${b.bound.patient}   public URL ${config.listeners.patient.publicUrl}`,
    `  operations (health, ready, metrics):      ${b.bound.operations}/health  /ready${config.operations.metrics ? '  /metrics' : ''}`,
    `  authorization server metadata:            ${config.listeners.patient.publicUrl}/.well-known/oauth-authorization-server`,
  ];
  const endpoints = serviceEndpoints({
    providers: config.providers,
    endpoints: config.endpoints,
    patientPublicUrl: config.listeners.patient.publicUrl,
    nodePublicUrl: config.listeners.node.publicUrl,
  });
  for (const e of endpoints) {
    const version = config.providers.find((p) => p.name === e.provider)?.services.find((s) => s.id === e.service)?.fhirVersion ?? '';
    lines.push(`  FHIR base ${e.provider} / ${e.service} (${version}): ${e.resourceEndpointUri}`);
  }
  if (endpoints.length > 0) {
    const node = config.listeners.node.publicUrl.replace(/\/+$/, '');
    lines.push(`  token endpoint: ${distinctPaths(endpoints, 'tokenPath').map((p) => `${node}${p}`).join('  ')}   (all endpoints to register: medmij-gateway zal)`);
  }
  if (b.demoPatients && b.demoPatients.length > 0) {
    lines.push(`  demo patients (BSN): ${b.demoPatients.map((p) => `${p.name} ${p.bsn}`).join(', ')}`);
    lines.push(`  try it: npx medmij-gateway pgo --bsn ${b.demoPatients[0]!.bsn}`);
  }
  return lines;
}
