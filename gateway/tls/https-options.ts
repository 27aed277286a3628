import { constants } from 'node:crypto';
import type { ServerOptions } from 'node:https';
import type { SecureContextOptions } from 'node:tls';
import { ErrorCodes, GatewayError } from '../errors.js';

/**
 * The protocol policy of both listeners: MedMij core.tls.300–304 point to the NCSC TLS
 * guidelines 2.1, "good" settings only (digest §5.1).
 */
export interface TlsPolicy {
  /** TLS 1.2 must be supported by every MedMij participant; 1.3-only is allowed by config. */
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
}

/** The PEM text a listener serves with; see tls-material.ts. */
export interface TlsMaterialPem {
  readonly cert: string;
  readonly key: string;
  /** Trust anchors for client certificates (node interface only). */
  readonly ca?: string;
}

/**
 * NCSC "good": ECDHE key exchange, AES-GCM or CHACHA20-POLY1305, SHA-2. In Node the TLS 1.3
 * suites (TLS_*) go in the same string and OpenSSL applies them separately. No CBC, no RSA key
 * exchange, no DHE.
 */
export const NCSC_GOOD_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

/** NCSC "good" groups for key exchange. */
export const NCSC_GOOD_CURVES = ['X25519', 'prime256v1', 'secp384r1', 'X448'].join(':');

/**
 * The context part, shared by the first server options and every setSecureContext on reload.
 * What is not set here and why:
 * - compression: OpenSSL 3 in Node is built without TLS compression, and SSL_OP_NO_COMPRESSION
 *   makes it explicit (CRIME);
 * - renegotiation: SSL_OP_NO_RENEGOTIATION here, plus socket.disableRenegotiation() on every
 *   connection (hardenConnections / guardConnections);
 * - 0-RTT: a Node server never accepts early data (it does not enable it in OpenSSL), as NCSC asks;
 * - TLS False Start (core.tls.304) is a client behaviour; this server cannot be affected by it.
 */
export function createSecureContextOptions(material: TlsMaterialPem, policy: TlsPolicy): SecureContextOptions {
  return {
    cert: material.cert,
    key: material.key,
    ...(material.ca === undefined ? {} : { ca: material.ca }),
    minVersion: policy.minVersion,
    maxVersion: 'TLSv1.3',
    ciphers: NCSC_GOOD_CIPHERS,
    ecdhCurve: NCSC_GOOD_CURVES,
    honorCipherOrder: true,
    secureOptions: constants.SSL_OP_NO_RENEGOTIATION | constants.SSL_OP_NO_COMPRESSION,
  };
}

/**
 * The node interface (token and resource endpoints, backchannel): a client certificate is
 * requested from every peer. `rejectUnauthorized: false` is deliberate and safe only together
 * with guardConnections (whitelist-guard.ts), which destroys every connection whose peer is not
 * authorized, and records why (untrusted, expired, no certificate), which Node's own rejection
 * cannot do. The composition root must assert isGuarded(server) before listen().
 */
export function createNodeTlsOptions(material: TlsMaterialPem, policy: TlsPolicy): ServerOptions {
  if (material.ca === undefined) {
    throw new GatewayError(ErrorCodes.TLS_MATERIAL_INVALID, 'the node interface needs a client CA file (tls.clientCaFile)');
  }
  return { ...createSecureContextOptions(material, policy), requestCert: true, rejectUnauthorized: false };
}

/**
 * The patient interface (authorization endpoint, login and consent pages: frontchannel). Server
 * TLS only: browsers are never asked for a certificate (STYLE.md, digest §5.3: no whitelist check
 * for frontchannel traffic).
 */
export function createPatientTlsOptions(material: TlsMaterialPem, policy: TlsPolicy): ServerOptions {
  const { ca: _ignored, ...pem } = material;
  return { ...createSecureContextOptions(pem, policy), requestCert: false };
}
