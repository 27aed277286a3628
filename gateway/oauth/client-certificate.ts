/**
 * @module Which TLS client certificates may act for an OAuth client at the token endpoint.
 *
 * The MedMij lists do not link the two identities a PGO has: `client_id` is its hostname on the
 * OAuth client list, which is also the host of its frontchannel certificate and redirect URI
 * (digest §2.2, §5.2 [S24]); the token request arrives over its backchannel certificate, whose CN
 * or a SAN is on the Whitelist (digest §5.3). The Whitelist names nodes, the OCL names clients,
 * and neither names the other. A PGO may use different certificates for the two channels, so the
 * certificate name must not be *required* to equal `client_id`, yet accepting any whitelisted
 * certificate lets one PGO redeem another's stolen code (issue 9, finding 3).
 *
 * What can be tied together without guessing: a backchannel certificate that names the
 * `client_id` host itself belongs to that client (the same CA vetted both names). For a PGO
 * whose backchannel certificate names another host, the deployment says so explicitly
 * (`oauth.clientCertificateHosts`), and that host must still be on the Whitelist (the TLS guard
 * checks that before any request is read). Anything else is refused: fail closed.
 */
export type ClientCertificateHosts = Readonly<Record<string, readonly string[]>>;

export function certificateActsForClient(clientId: string, certificateHosts: readonly string[], mapped: ClientCertificateHosts): boolean {
  const client = clientId.toLowerCase();
  const allowed = new Set([client, ...(Object.hasOwn(mapped, client) ? (mapped[client] ?? []) : [])]);
  return certificateHosts.some((host) => allowed.has(host.toLowerCase()));
}
