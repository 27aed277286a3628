/**
 * RFC 8414 metadata, served on the patient listener. Each URL points at the listener that really
 * answers it: authorization on the patient interface, token on the node (mTLS) interface.
 * No registration, userinfo, jwks or revocation endpoints exist.
 */
export function authorizationServerMetadata(v: {
  readonly patientPublicUrl: string;
  readonly nodePublicUrl: string;
  readonly scopes: readonly string[];
  readonly certificateBoundTokens: boolean;
  /** Paths of the endpoints on their listener (endpoints.authorizationPath / tokenPath, filled). */
  readonly authorizationPath?: string;
  readonly tokenPath?: string;
}): Record<string, unknown> {
  const patient = v.patientPublicUrl.replace(/\/+$/, '');
  const node = v.nodePublicUrl.replace(/\/+$/, '');
  return {
    issuer: patient,
    authorization_endpoint: `${patient}${v.authorizationPath ?? '/oauth/authorize'}`,
    token_endpoint: `${node}${v.tokenPath ?? '/oauth/token'}`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    // Client authentication is the mutual TLS + whitelist check on the node listener (digest §2.6).
    token_endpoint_auth_methods_supported: ['none'],
    scopes_supported: [...v.scopes],
    code_challenge_methods_supported: ['S256'],
    tls_client_certificate_bound_access_tokens: v.certificateBoundTokens,
    ui_locales_supported: ['nl', 'en'],
  };
}
