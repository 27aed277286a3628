import type { KeyValueStore } from '../storage/index.js';

/** What a grant stands for beyond oidc-provider's record: the seam data for GrantContext. */
export interface GrantDetails {
  readonly providerName: string;
  readonly serviceIds: readonly string[];
  readonly patientRef: string;
  /** X-Correlation-ID of the authorization session. */
  readonly sessionId: string;
  /** The Person ticked "voor onbepaalde tijd" (digest §2.4): refresh tokens are issued. */
  readonly longTerm: boolean;
  /** Delen: confirmed for this one run only, so never a refresh token whatever else holds. */
  readonly share?: boolean;
}

export interface GrantDetailsStore {
  get(grantId: string): Promise<GrantDetails | undefined>;
  put(grantId: string, details: GrantDetails): Promise<void>;
}

/** Where a grant's details are kept; the access-token verifier reads them with the grant in one step. */
export function grantDetailsKey(grantId: string): string {
  return `oauth:grant-details:${grantId}`;
}

/** `parse` is JSON.parse, or the token check's parse-once (parsed-records.ts). */
export function parseGrantDetails(raw: string | undefined, parse: (text: string) => unknown = JSON.parse): GrantDetails | undefined {
  return raw === undefined ? undefined : (parse(raw) as GrantDetails);
}

export function createGrantDetailsStore(store: KeyValueStore, ttlMs: number): GrantDetailsStore {
  return {
    async get(grantId) {
      return parseGrantDetails(await store.get(grantDetailsKey(grantId)));
    },
    put: (grantId, details) => store.set(grantDetailsKey(grantId), JSON.stringify(details), ttlMs),
  };
}
