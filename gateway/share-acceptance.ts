import type { Adapter } from '../adapters/types.js';
import type { GatewayConfig } from './config/index.js';
import type { QueryCatalogue } from './fhir/catalogue/index.js';
import type { CheckShareAcceptance } from './oauth/index.js';

/**
 * The acceptance check of Delen (issue 10, flow step 2): can this care provider accept the data
 * of this Delen service for this person? The BSN is handed to the service's adapter once, to find
 * the patient; the adapter then answers for that patient reference (`canAcceptShare`), or, without
 * that method, accepts every patient it found. Fail closed: a service that is no Delen service
 * (its catalogue accepts nothing), or whose adapter cannot write, accepts nothing.
 */
export function createShareAcceptanceCheck(
  providers: GatewayConfig['providers'],
  adapters: ReadonlyMap<string, Adapter>,
  catalogues: ReadonlyMap<string, QueryCatalogue>,
): CheckShareAcceptance {
  return async (providerName, serviceId, bsn, signal) => {
    const service = providers.find((p) => p.name === providerName)?.services.find((s) => s.id === serviceId);
    if (!service) return undefined;
    const adapter = adapters.get(service.adapter);
    const catalogue = catalogues.get(service.standard);
    if (!adapter?.write || !catalogue || catalogue.accepts.length === 0) return undefined;
    const patient = await adapter.findPatientByBsn(bsn, signal);
    if (!patient) return undefined;
    if (adapter.canAcceptShare && !(await adapter.canAcceptShare(patient.patientRef, serviceId, signal))) return undefined;
    return { patientRef: patient.patientRef };
  };
}
