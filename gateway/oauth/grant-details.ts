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

export function createGrantDetailsStore(store: KeyValueStore, ttlMs: number): GrantDetailsStore {
  const key = (grantId: string) => `oauth:grant-details:${grantId}`;
  return {
    async get(grantId) {
      const raw = await store.get(key(grantId));
      return raw === undefined ? undefined : (JSON.parse(raw) as GrantDetails);
    },
    put: (grantId, details) => store.set(key(grantId), JSON.stringify(details), ttlMs),
  };
}
