import { KeyValueStoreAdapter, type StorageAdapterOptions, type StoredPayload } from './storage-adapter.js';

/**
 * @module What a refresh token is bound to (`oauth.refreshTokenBinding`; issue 9, finding 2).
 *
 * - `client` (default): to the PGO's identity as the MedMij lists define it. Every refresh must
 *   arrive over a certificate that chains to the MedMij CA, is valid now, has a CN or SAN on the
 *   Whitelist (the TLS guard checks all three before a byte is read) and acts for the token's
 *   `client_id`: it names that host, or a host listed for it in `oauth.clientCertificateHosts`
 *   (client-certificate.ts, judged in the mTLS hook on every redemption). This is RFC 8705's PKI
 *   client identity (§2.1: the client is who the CA says holds its registered name), so the yearly
 *   renewal of a PGO's certificate keeps its patients' long-term consents. Another whitelisted
 *   PGO's certificate never names the client's host and is always refused.
 * - `certificate`: to the thumbprint of the certificate that redeemed the code (RFC 8705 §4
 *   `x5t#S256`, compared by oidc-provider on every refresh). Stricter, but a renewed certificate
 *   ends every long-term consent given through that PGO: each patient must consent again.
 *
 * Access tokens are bound to the certificate of the request that obtained them in both modes.
 *
 * oidc-provider copies the access token's thumbprint onto the refresh token of a client without
 * client authentication (all MedMij clients). In `client` mode the copy is not kept, also not
 * on tokens stored by an earlier setting; in `certificate` mode a refresh token that carries no
 * thumbprint (stored in `client` mode) is not found: fail closed, never silently weaker.
 */
export type RefreshTokenBinding = 'client' | 'certificate';

const THUMBPRINT = 'x5t#S256';

export class RefreshTokenAdapter extends KeyValueStoreAdapter {
  constructor(
    private readonly binding: RefreshTokenBinding,
    options: StorageAdapterOptions,
  ) {
    super('RefreshToken', options);
  }

  override async upsert(id: string, payload: StoredPayload, expiresIn?: number): Promise<void> {
    await super.upsert(id, this.binding === 'client' ? withoutThumbprint(payload) : payload, expiresIn);
  }

  override async find(id: string): Promise<StoredPayload | undefined> {
    const payload = await super.find(id);
    if (payload === undefined) return undefined;
    if (this.binding === 'client') return withoutThumbprint(payload);
    return typeof payload[THUMBPRINT] === 'string' ? payload : undefined;
  }
}

function withoutThumbprint(payload: StoredPayload): StoredPayload {
  const { [THUMBPRINT]: _thumbprint, ...rest } = payload;
  return rest as StoredPayload;
}
