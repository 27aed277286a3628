import type { KeyValueStore } from '../storage/index.js';
import type { PendingLogin } from './identity/index.js';
import type { Lang } from './pages/index.js';

/**
 * What the interaction knows between pages, kept server-side by interaction uid. Never the BSN:
 * after the availability check only the EHR's patientRef remains (digest §2.4 step 3).
 */
export interface InteractionState {
  readonly clientId: string;
  readonly organisationName: string;
  readonly providerName: string;
  readonly serviceIds: readonly string[];
  readonly scope: string;
  /**
   * Delen (scope `name~serviceId` of a Delen service): the acceptance check replaces the
   * availability check and the Bevestigingsverklaring the consent page.
   */
  readonly share?: boolean;
  readonly traceId: string;
  readonly sessionId: string;
  readonly lang: Lang;
  /** Per-interaction CSRF token: every state-changing form carries it (issue 9 item 9). */
  readonly csrf: string;
  /**
   * How the interaction ended on our side: `answered` once the result went to oidc-provider (a
   * back button or second submit then gets the "already answered" page); `cancelled` and
   * `not_available` while their page is shown, before the Person goes back to the PGO; `failed`
   * after a technical failure inside a live interaction (its page offers the way back).
   */
  readonly outcome?: 'answered' | 'cancelled' | 'not_available' | 'failed';
  /** Set once the upstream login started (PKCE verifier, nonce, state). */
  readonly pendingLogin?: PendingLogin;
  /** Set after login and a positive availability check; unlocks the consent page. */
  readonly patientRef?: string;
  readonly availableServiceIds?: readonly string[];
}

export interface InteractionStateStore {
  get(uid: string): Promise<InteractionState | undefined>;
  put(uid: string, state: InteractionState): Promise<void>;
  drop(uid: string): Promise<void>;
  /** Upstream `state` → interaction uid, for the fixed OIDC callback URL. */
  linkUpstreamState(upstreamState: string, uid: string): Promise<void>;
  /** One-time: the link is removed when read. */
  takeUpstreamState(upstreamState: string): Promise<string | undefined>;
}

export function createInteractionStateStore(store: KeyValueStore, ttlMs: number): InteractionStateStore {
  const key = (uid: string) => `oauth:ix:${uid}`;
  return {
    async get(uid) {
      const raw = await store.get(key(uid));
      return raw === undefined ? undefined : (JSON.parse(raw) as InteractionState);
    },
    put: (uid, state) => store.set(key(uid), JSON.stringify(state), ttlMs),
    drop: (uid) => store.del(key(uid)),
    linkUpstreamState: (upstreamState, uid) => store.set(`oauth:upstream:${upstreamState}`, uid, ttlMs),
    takeUpstreamState: (upstreamState) => store.take(`oauth:upstream:${upstreamState}`),
  };
}
