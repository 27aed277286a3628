import type { Adapter, AdapterContext } from '../adapters/types.js';
import type { GatewayConfig } from './config/index.js';
import type { QueryCatalogue } from './fhir/catalogue/index.js';
import type { CheckAvailability } from './oauth/index.js';
import type { Logger } from './observability/index.js';

/**
 * The "beschikbaarheidstoets" of the login (digest §2.4): does this care provider hold data for
 * this person, per requested data service? The BSN is handed to each service's adapter once, to
 * find the patient; from then on only the EHR's patient reference exists. A service counts as
 * available when its adapter knows the patient AND holds at least one resource of a type the
 * service's catalogue serves: MedMij ends the flow with "No such resources." otherwise.
 * All services of one grant must resolve to the same patient reference (one token, one patient);
 * a service whose EHR names the person differently is left out rather than mixed in.
 */
export function createAvailabilityCheck(
  providers: GatewayConfig['providers'],
  adapters: ReadonlyMap<string, Adapter>,
  catalogues: ReadonlyMap<string, QueryCatalogue>,
  log: Logger,
): CheckAvailability {
  return async (providerName, serviceIds, bsn, signal) => {
    const provider = providers.find((p) => p.name === providerName);
    if (!provider) return undefined;
    let patientRef: string | undefined;
    const available: string[] = [];
    for (const service of provider.services.filter((s) => serviceIds.includes(s.id))) {
      const adapter = adapters.get(service.adapter);
      const catalogue = catalogues.get(service.standard);
      if (!adapter || !catalogue) continue;
      const patient = await adapter.findPatientByBsn(bsn, signal);
      if (!patient) continue;
      if (patientRef !== undefined && patient.patientRef !== patientRef) {
        log.warn({ provider: providerName, service: service.id }, 'availability: service resolves the person to another patient; left out');
        continue;
      }
      const ctx: AdapterContext = {
        patient,
        fhirVersion: service.fhirVersion,
        requestId: 'availability-check',
        signal,
        log,
      };
      if (await holdsData(adapter, catalogue, ctx)) {
        patientRef = patient.patientRef;
        available.push(service.id);
      }
    }
    return patientRef === undefined ? undefined : { patientRef, serviceIds: available };
  };
}

async function holdsData(adapter: Adapter, catalogue: QueryCatalogue, ctx: AdapterContext): Promise<boolean> {
  const types = [...new Set(catalogue.searches.map((s) => s.resourceType))].filter((t) => t !== 'Patient');
  for (const resourceType of types) {
    const result = await adapter.search({ resourceType, params: [], criteria: [] }, ctx);
    if (result.resources.length > 0) return true;
  }
  return false;
}
