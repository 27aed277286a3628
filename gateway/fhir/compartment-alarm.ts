import type { AuditLog } from '../observability/index.js';
import type { FhirExchange } from './exchange.js';

/**
 * One `compartment_violation` alarm per resource type for resources of another patient, whether
 * they came from an adapter (read side) or from a PGO's shared data (Delen): house rule 5.
 */
export function recordCompartmentAlarms(audit: AuditLog, ex: FhirExchange, resourceTypes: readonly string[], reason: 'foreign_patient_resource' | 'foreign_patient_in_shared_data'): void {
  const byType = new Map<string, number>();
  for (const t of resourceTypes) byType.set(t, (byType.get(t) ?? 0) + 1);
  for (const [resourceType, count] of byType) {
    audit.record({
      type: 'compartment_violation',
      outcome: 'alarm',
      reason,
      resourceType,
      count,
      ...(ex.grant ? { clientId: ex.grant.clientId, patientRef: ex.grant.patientRef } : {}),
      ...(ex.peerHost === undefined ? {} : { peerHost: ex.peerHost }),
      ...(ex.service ? { providerId: ex.service.providerName, serviceId: ex.service.serviceId } : {}),
      ...(ex.traceId === undefined ? {} : { traceId: ex.traceId }),
      ...(ex.sessionId === undefined ? {} : { sessionId: ex.sessionId }),
    });
  }
}
