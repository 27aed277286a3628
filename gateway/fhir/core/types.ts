import type { Readable } from 'node:stream';
import type * as fhir3 from 'fhir/r3';
import type * as fhir4 from 'fhir/r4';
import type { Adapter, BinaryStreamTarget, FhirVersion, Resource } from '../../../adapters/types.js';
import type { AuditLog, Logger } from '../../observability/index.js';
import type { AccessTokenVerifier, GrantContext } from '../../oauth/index.js';
import type { KeyValueStore } from '../../storage/index.js';
import type { PeerFingerprint } from '../authenticate.js';
import type { QueryCatalogue } from '../catalogue/index.js';
import type { ServiceBase } from '../exchange.js';
import type { FhirFormat } from '../format.js';
import type { BasePath, ServiceDirectory } from '../resolve-base.js';

/** The TLS peer as gateway/tls describes it (structural: only names and fingerprint are read). */
export interface CorePeer extends PeerFingerprint {
  readonly hostnames: readonly string[];
}

/** The request headers the FHIR pipeline reads, pulled out once at the edge. */
export interface CoreHeaders {
  readonly accept: string | undefined;
  /** Every Authorization header as sent (Node's `req.headers` keeps only the first). */
  readonly authorization: string | readonly string[] | undefined;
  readonly contentType: string | undefined;
  readonly contentLength: string | undefined;
  readonly prefer: string | undefined;
  /** True when the request announces a body (Content-Length ≠ 0 or Transfer-Encoding). */
  readonly hasBody: boolean;
  /** MedMij-Request-ID and X-Correlation-ID as received, checked by the core (400 when malformed). */
  readonly traceId: string | undefined;
  readonly sessionId: string | undefined;
}

/**
 * One FHIR request as a plain typed value, built at the edge (node-edge.ts or the Express shell,
 * both by edge-request.ts). Nothing in the core reads an HTTP framework object.
 */
export interface CoreRequest {
  readonly requestId: string;
  readonly method: string;
  /** The configured base the path resolved to (and the segments after it); undefined: 404. */
  readonly base: BasePath | undefined;
  /** The query string without `?`, as received; parsed once by the core's parse step. */
  readonly rawQuery: string;
  readonly headers: CoreHeaders;
  /** The verified TLS peer of the connection (or forwarded by a trusted proxy). */
  readonly peer: CorePeer | undefined;
  /** The request body stream, read only by the Delen write path (POST to the base). */
  readonly body: Readable | undefined;
  /** The one deadline of this request: the service's timeoutMs and the client going away. */
  readonly signal: AbortSignal;
  /** Bound to this request's ids; adapters get a child of it. */
  readonly log: Logger;
}

/** The FHIR resources the core itself produces, typed per version (@types/fhir). */
export type CoreResource =
  | fhir3.Bundle
  | fhir4.Bundle
  | fhir3.OperationOutcome
  | fhir4.OperationOutcome
  | fhir3.CapabilityStatement
  | fhir4.CapabilityStatement
  /** A resource read from an adapter, served as the adapter gave it (BSN-masked). */
  | Resource;

export type AnswerBody =
  | {
      readonly kind: 'resource';
      readonly resource: CoreResource;
      readonly format: FhirFormat;
      readonly fhirVersion: FhirVersion;
      /** The resource already serialised in `format`, when it was made once for many answers (the CapabilityStatement). */
      readonly serialized?: string;
    }
  | { readonly kind: 'bytes'; readonly bytes: Buffer | string }
  /**
   * A document piped from the source as it arrives (adapters' streamBinary). Rejects before
   * anything was written when the source has no such document or fails; the edge then writes
   * the error answer (answerError) instead.
   */
  | { readonly kind: 'stream'; pipe(target: BinaryStreamTarget): Promise<void> }
  | { readonly kind: 'empty' };

/**
 * What the audit records and the access-log line need to know about one request, as the core
 * learnt it. No patient data but the EHR's patient reference (audit only).
 */
export interface RequestRecord {
  readonly requestId: string;
  readonly method: string;
  readonly traceId?: string;
  readonly sessionId?: string;
  readonly peerHost?: string;
  readonly service?: ServiceBase;
  readonly grant?: GrantContext;
  readonly interaction?: 'search-type' | 'read' | 'metadata' | 'write';
  readonly resourceType?: string;
  /** Resources served (matches for a search, 1 for a read, stored entries for a write). */
  count?: number;
  /** Stable reason code of a refusal or failure. */
  readonly reason?: string;
  /** The metric/log route, built from validated values only (route-label.ts). */
  readonly route: string;
}

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | number>>;
  readonly body: AnswerBody;
  /** HEAD: the headers of the GET answer without its body. */
  readonly head: boolean;
  readonly record: RequestRecord;
}

/** What the core is built from once, at start (gateway.ts). */
export interface CoreDeps {
  readonly directory: ServiceDirectory;
  readonly adapters: ReadonlyMap<string, Adapter>;
  readonly catalogues: ReadonlyMap<string, QueryCatalogue>;
  readonly verifier: AccessTokenVerifier;
  readonly requireCertificateBinding: boolean;
  readonly audit: AuditLog;
  /** Delen: keeps first answers so a retried POST stores nothing twice (write/idempotency.ts); and search results for paging. */
  readonly store?: KeyValueStore;
  /** How long a stored search result serves its pages (search/result-pages.ts); 300 s when absent. */
  readonly searchPagesTtlMs?: number;
}
