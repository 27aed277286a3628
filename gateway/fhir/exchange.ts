import type { Response } from 'express';
import type { FhirVersion } from '../../adapters/types.js';
import type { Logger } from '../observability/index.js';
import type { GrantContext } from '../oauth/index.js';
import type { CompartmentViolation } from './compartment.js';
import type { BinaryFormat } from './format.js';
import type { FhirRequest } from './request.js';
import type { AccessDecision } from './policy.js';
import type { SearchOutcome } from './search/index.js';
import type { Resource } from '../../adapters/types.js';

/** What the adapter step produced, before the compartment check and rendering. */
export type FhirResult =
  | { readonly kind: 'search'; readonly outcome: SearchOutcome }
  | { readonly kind: 'read'; readonly resource: Resource | undefined };

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
 * What the pipeline has learnt about one request so far. Each step adds its typed result here; the
 * audit record and the access log line are written from it when the response finishes.
 */
export interface FhirExchange {
  readonly requestId: string;
  readonly started: bigint;
  log: Logger;
  traceId?: string;
  sessionId?: string;
  peerHost?: string;
  service?: ServiceBase;
  grant?: GrantContext;
  /** Path segments after the base, still percent-encoded. */
  rest?: readonly string[];
  request?: FhirRequest;
  /** The access decision for the request (policy.ts decideAccess): template, patient, post-check. */
  decision?: AccessDecision;
  format?: BinaryFormat;
  result?: FhirResult;
  /** Resources of other patients dropped so far (each one is an alarm). */
  readonly violations: CompartmentViolation[];
  /** Resources served (matches for a search, 1 for a read). */
  count?: number;
  /** Stable reason code of a refusal or failure, for the audit trail. */
  reason?: string;
}

const EXCHANGE = Symbol('fhirExchange');

export function setExchange(res: Response, exchange: FhirExchange): void {
  (res.locals as Record<symbol, FhirExchange>)[EXCHANGE] = exchange;
}

export function exchangeOf(res: Response): FhirExchange | undefined {
  return (res.locals as Record<symbol, FhirExchange | undefined>)[EXCHANGE];
}

/** For steps after startExchange: the exchange is always there. */
export function requireExchange(res: Response): FhirExchange {
  const ex = exchangeOf(res);
  if (!ex) throw new Error('FHIR exchange missing: startExchange must run first');
  return ex;
}
