import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

/**
 * The seam between the gateway and the EHR. An adapter fetches the resources of ONE patient; it
 * never sees a BSN after login, never builds HTTP responses and throws only AdapterError
 * subclasses (adapters/errors.ts). The gateway re-applies every search parameter and completes
 * what a backend cannot do ($lastn, _include, date windows) in gateway/fhir/search, so an adapter
 * may return a superset of the matches, never resources of another patient.
 */

/** A FHIR resource as JSON, either version. Narrower types come from @types/fhir where needed. */
export interface Resource {
  readonly resourceType: string;
  readonly id?: string;
  readonly meta?: { readonly profile?: readonly string[] } & Record<string, unknown>;
  readonly [key: string]: unknown;
}

export type FhirVersion = 'STU3' | 'R4';

export interface PatientContext {
  /** The patient's id in the source system (the Patient resource id), fixed at login. */
  readonly patientRef: string;
}

export interface AdapterContext {
  readonly patient: PatientContext;
  readonly fhirVersion: FhirVersion;
  readonly requestId: string;
  /** The request deadline: adapters pass it to all I/O. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /**
   * Records of another patient that an adapter dropped before they became resources (a SQL row
   * or XML record whose own patient field names someone else): the gateway raises the alarm for
   * each (house rule 5). Set by the gateway's adapter boundary (compartment-guard.ts).
   */
  readonly reportForeign?: (resourceType: string, count: number) => void;
}

export interface SearchParam {
  /** Name as sent, with modifier, e.g. `category`, `period-of-use`, `medication.code`. */
  readonly name: string;
  readonly value: string;
}

/** One alternative of a token criterion (FHIR search `[system]|[code]`). */
export interface TokenAlternative {
  /** undefined: any system; '': the value must have no system. */
  readonly system: string | undefined;
  /** undefined: any code in the system. */
  readonly code: string | undefined;
}

/** FHIR search prefixes (R4 §3.1.1.4.1.1; STU3 the same). */
export type DatePrefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

/** One alternative of a date criterion: the prefix and the instant range (ms since epoch) the value stands for. */
export interface DateAlternative {
  readonly prefix: DatePrefix;
  readonly low: number;
  readonly high: number;
}

/**
 * One filter parameter of the request, parsed once by the gateway (gateway/fhir/search): what an
 * adapter may push down to its backend. Repeated parameters are separate criteria (AND); `any`
 * holds the comma-separated alternatives (OR). `raw` is the value as sent, for a passthrough.
 * Kinds an adapter does not know (chains, modifiers) it leaves to the gateway, which re-applies
 * every criterion to what the adapter returns.
 */
export type SearchCriterion =
  | { readonly kind: 'token'; readonly name: string; readonly raw: string; readonly any: readonly TokenAlternative[] }
  | { readonly kind: 'date'; readonly name: string; readonly raw: string; readonly any: readonly DateAlternative[] }
  | { readonly kind: 'other'; readonly name: string; readonly raw: string };

export interface SearchQuery {
  readonly resourceType: string;
  /** The filters in parsed form (AND). Result parameters (_include, _count, _format) are the gateway's. */
  readonly criteria: readonly SearchCriterion[];
  /** The same filters as sent (name with modifier, value), for a FHIR passthrough. */
  readonly params: readonly SearchParam[];
  /**
   * The `_include`s the gateway will resolve (it always does, through `readMany`/`read`). A
   * passthrough whose backend supports `_include` may forward them, so that the targets come
   * back with the search in one round trip instead of one more search per include round.
   */
  readonly includes?: readonly IncludeRequest[];
}

/** One `_include` as sent: `MedicationRequest:medication`; `iterate` for `:iterate` (R4) / `:recurse` (STU3). */
export interface IncludeRequest {
  readonly value: string;
  readonly iterate: boolean;
}

export interface SearchResult {
  /** Resources of `query.resourceType` in the patient's compartment; a superset of the matches is allowed. */
  readonly resources: readonly Resource[];
}

export interface AdapterCapabilities {
  /** Resource types this adapter serves. */
  readonly resourceTypes: readonly string[];
  /** Parameters the backend applies itself (informative: the gateway re-applies them anyway). */
  readonly nativeSearchParams?: readonly string[];
}

/** Where a streaming adapter sends a document: the PGO's request (method, conditional headers) and response. */
export interface BinaryStreamTarget {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

/** `started`: status and content headers are written and the body flows; `not-found`: nothing written. */
export type BinaryStreamStart = 'started' | 'not-found';

/** One resource the gateway accepted for the token's patient (Delen): id assigned, references resolved. */
export interface WriteRequest {
  readonly resource: Resource;
}

/** Per entry: stored (the resource as the EHR now holds it) or refused by the EHR with a reason it may show. */
export type WriteOutcome =
  | { readonly stored: true; readonly resource: Resource }
  | { readonly stored: false; readonly status: 400 | 409 | 422; readonly diagnostics: string };

export interface Adapter {
  /** The key in YAML; used in logs and metrics. */
  readonly id: string;
  capabilities(): AdapterCapabilities;
  search(query: SearchQuery, ctx: AdapterContext): Promise<SearchResult>;
  /**
   * One resource by type and id, for reads and for `_include`. Returns undefined when it does not
   * exist; the gateway checks that it belongs to the patient (or is a shared resource such as a
   * Practitioner or Medication reached through the patient's own resources).
   */
  read(resourceType: string, id: string, ctx: AdapterContext): Promise<Resource | undefined>;
  /**
   * Optional, for backends where one request per id is costly (a FHIR server): several resources
   * of one type by id in as few round trips as the backend allows, for `_include`. Same rules as
   * `read` per resource; ids not found are simply absent. Without it the gateway reads each id.
   */
  readMany?(resourceType: string, ids: readonly string[], ctx: AdapterContext): Promise<readonly Resource[]>;
  /**
   * Optional, for sources whose documents are too big to hold whole (the fhir passthrough): the
   * raw content of `Binary/{id}` piped from the source to `target.res`. The one exception to
   * "adapters never write HTTP answers", because streaming means writing as the bytes arrive. The
   * gateway calls it only after it decided that the token's patient may have this document
   * (gateway/fhir/stream-binary.ts); the adapter writes status, content headers from an
   * allow-list and the body, cut off at its size cap. Rejects with an AdapterError, or resolves
   * `not-found`, before anything is written; `ctx.signal` aborts the source request until `started`.
   */
  streamBinary?(id: string, target: BinaryStreamTarget, ctx: AdapterContext): Promise<BinaryStreamStart>;
  /**
   * Optional, for Delen (data shared by the patient): store the accepted resources of ONE
   * patient, one outcome per request in the same order. Resolves only when the EHR confirmed
   * each write (MedMij Delen: a 2xx means the data is with the care provider); throws an
   * AdapterError (UpstreamUnavailable/UpstreamTimeout) when the EHR cannot be reached, having
   * stored nothing. One call is atomic: if any request is answered `stored: false`, none of the
   * call's requests was stored (demo: checks first; fhir: one upstream transaction; sql: one
   * database transaction; xml: one document). That is what makes a Delen `transaction` all or
   * nothing. Without it the adapter's services accept no writes.
   */
  write?(requests: readonly WriteRequest[], ctx: AdapterContext): Promise<readonly WriteOutcome[]>;
  /**
   * Optional, for Delen: the acceptance check at login. Can this EHR accept data of the Delen
   * service `serviceId` for this patient (known here, record open for it)? Called after
   * findPatientByBsn with the reference it gave, never with a BSN. Without it an adapter that
   * can write accepts every patient it found.
   */
  canAcceptShare?(patientRef: string, serviceId: string, signal: AbortSignal): Promise<boolean>;
  /** Availability check at login: BSN → patient reference. The BSN goes no further than this call. */
  findPatientByBsn(bsn: string, signal: AbortSignal): Promise<PatientContext | undefined>;
  health(signal: AbortSignal): Promise<{ readonly ok: boolean; readonly detail?: string }>;
  close(): Promise<void>;
}
