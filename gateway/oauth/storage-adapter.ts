import type { KeyValueStore } from '../storage/index.js';

/** What oidc-provider stores per artefact; kept opaque here (the adapter only routes it). */
export type StoredPayload = Record<string, unknown> & {
  readonly grantId?: string;
  readonly uid?: string;
  readonly userCode?: string;
  readonly exp?: number;
  consumed?: unknown;
};

export interface StorageAdapterOptions {
  readonly store: KeyValueStore;
  /** Lifetime of the per-grant index: at least as long as the longest-lived artefact of a grant. */
  readonly grantIndexTtlMs: number;
  /**
   * Called when a second redemption of the same code or refresh token lost the race to consume it.
   * Must throw the OAuth `invalid_grant` error (the caller owns oidc-provider's error classes).
   */
  readonly onReplay: (model: string) => Error;
  readonly now?: () => number;
}

/**
 * oidc-provider's Adapter over the KeyValueStore port, so that sessions, interactions, codes,
 * grants and tokens live wherever the gateway's store lives (memory in development, Redis shared
 * by all replicas in production). Same indexes as oidc-provider's memory adapter: by grant id
 * (for revocation), by session uid and by user code.
 *
 * Consumption is atomic across replicas: the first `setIfAbsent` on the consumed marker wins. A
 * loser is a replay by definition (RFC 6749 §4.1.2, MedMij core.tknint.203/204: a code is used
 * once), so it revokes every artefact of the grant and the grant itself, and fails.
 */
export class KeyValueStoreAdapter {
  constructor(
    private readonly model: string,
    private readonly options: StorageAdapterOptions,
  ) {}

  static keyFor(model: string, id: string): string {
    return `oidc:${model}:${id}`;
  }

  private key(id: string): string {
    return KeyValueStoreAdapter.keyFor(this.model, id);
  }

  private get store(): KeyValueStore {
    return this.options.store;
  }

  async upsert(id: string, payload: StoredPayload, expiresIn?: number): Promise<void> {
    const ttlMs = expiresIn !== undefined && expiresIn > 0 ? expiresIn * 1000 : undefined;
    const { consumed: _consumed, ...rest } = payload;
    if (UNIQUE_AT_ISSUE.has(this.model)) {
      // MedMij 2.0.0: every issued code, access token and refresh token is checked unique. They
      // are saved once, at issue; an id already taken is never overwritten, and nothing is issued.
      if (!(await this.store.setIfAbsent(this.key(id), JSON.stringify(rest), ttlMs))) throw new Error(`${this.model} id collision: not issued`);
    } else {
      await this.store.set(this.key(id), JSON.stringify(rest), ttlMs);
    }
    if (typeof payload.grantId === 'string') {
      await this.store.addToSet(grantIndexKey(payload.grantId), this.key(id), this.options.grantIndexTtlMs);
    }
    if (typeof payload.uid === 'string' && this.model === 'Session') {
      await this.store.set(`oidc:sessionUid:${payload.uid}`, id, ttlMs);
    }
    if (typeof payload.userCode === 'string') {
      await this.store.set(`oidc:userCode:${payload.userCode}`, id, ttlMs);
    }
  }

  async find(id: string): Promise<StoredPayload | undefined> {
    if (NEVER_CONSUMED.has(this.model)) {
      // Every FHIR request finds its access token and grant: one store read each, not two.
      const raw = await this.store.get(this.key(id));
      return raw === undefined ? undefined : (JSON.parse(raw) as StoredPayload);
    }
    const [raw, consumed] = await this.store.getMany([this.key(id), consumedKey(this.key(id))]);
    if (raw === undefined) return undefined;
    const payload = JSON.parse(raw) as StoredPayload;
    if (consumed !== undefined) payload.consumed = Number(consumed);
    return payload;
  }

  async findByUid(uid: string): Promise<StoredPayload | undefined> {
    const id = await this.store.get(`oidc:sessionUid:${uid}`);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode: string): Promise<StoredPayload | undefined> {
    const id = await this.store.get(`oidc:userCode:${userCode}`);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id: string): Promise<void> {
    // find() does not read the marker of these models: consuming one would go unseen (fail closed).
    if (NEVER_CONSUMED.has(this.model)) throw new Error(`${this.model} is never consumed`);
    const now = (this.options.now ?? Date.now)();
    // The marker must outlive the artefact, or a replay after the marker expired would win. A
    // code's lifetime has a fixed bound, so every code exchange is one write, no read; other
    // artefacts (refresh tokens) take their marker's lifetime from the record's own expiry.
    const payload = this.model === 'AuthorizationCode' ? undefined : await this.find(id);
    const ttlMs =
      this.model === 'AuthorizationCode'
        ? CODE_MARKER_TTL_MS
        : typeof payload?.exp === 'number'
          ? Math.max(1000, payload.exp * 1000 - now + 60_000)
          : this.options.grantIndexTtlMs;
    const won = await this.store.setIfAbsent(consumedKey(this.key(id)), String(Math.floor(now / 1000)), ttlMs);
    if (!won) {
      // The loser of the race is the replay: the grant is found from the record only now.
      const grantId = (payload ?? (await this.find(id)))?.grantId;
      if (typeof grantId === 'string') await this.revokeByGrantId(grantId);
      throw this.options.onReplay(this.model);
    }
  }

  async destroy(id: string): Promise<void> {
    await this.store.del(this.key(id));
  }

  /** Deletes every artefact issued under the grant, and the grant itself. */
  async revokeByGrantId(grantId: string): Promise<void> {
    const index = grantIndexKey(grantId);
    const keys = await this.store.members(index);
    await Promise.all([...keys.map((k) => this.store.del(k)), this.store.del(KeyValueStoreAdapter.keyFor('Grant', grantId))]);
    await this.store.del(index);
  }
}

/**
 * How long a code's consumed marker is kept: the longest a code can live (MedMij digest §2.6: at
 * most 60 s; the config schema caps oauth.authorizationCodeTtlSeconds there), plus the same
 * minute of margin the other markers get. Independent of the configured lifetime, so a code
 * written under an earlier setting (another replica, before a restart) is still covered.
 */
const CODE_MARKER_TTL_MS = (60 + 60) * 1000;

/** The artefacts a PGO receives as credentials (MedMij 2.0.0 uniqueness duty). */
const UNIQUE_AT_ISSUE: ReadonlySet<string> = new Set(['AuthorizationCode', 'AccessToken', 'RefreshToken']);

/**
 * Models oidc-provider never consumes (only codes, refresh tokens and request objects have
 * `consume()`), so they never carry the consumed marker and `find` need not read it. A model not
 * listed here is read with its marker, as before.
 */
const NEVER_CONSUMED: ReadonlySet<string> = new Set(['AccessToken', 'Grant']);

function grantIndexKey(grantId: string): string {
  return `oidc:grant:${grantId}`;
}

function consumedKey(key: string): string {
  return `${key}:consumed`;
}
