import type { FhirVersion } from '../../adapters/types.js';
import type { Logger } from '../observability/index.js';
import type { GrantContext } from '../oauth/index.js';

/** One configured data service of one provider: what a FHIR base in the URL resolves to. */
export interface ServiceBase {
  readonly providerName: string;
  readonly serviceId: string;
  readonly standard: string;
  readonly fhirVersion: FhirVersion;
  readonly adapterId: string;
  readonly timeoutMs: number;
  /** Absolute, e.g. `https://localhost:9443/fhir/demoziekenhuis/48`. */
  readonly url: string;
}

/**
 * Who asked for what, as the write path (write/receive-write.ts) and the alarm writer
 * (compartment-alarm.ts) read it. The core (core/handle.ts) makes one for an authenticated
 * request; the write path reports `count` and `reason` back in it.
 */
export interface FhirExchange {
  readonly requestId: string;
  readonly log: Logger;
  readonly traceId?: string;
  readonly sessionId?: string;
  readonly peerHost?: string;
  readonly service?: ServiceBase;
  readonly grant?: GrantContext;
  count?: number;
  reason?: string;
}
