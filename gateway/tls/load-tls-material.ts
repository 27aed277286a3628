import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ErrorCodes, GatewayError } from '../errors.js';
import type { TlsMaterialPem } from './https-options.js';

export interface TlsMaterialFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** Client-certificate trust anchors (node interface). */
  readonly caFile?: string;
}

/** Validated PEM plus the parsed values other modules need. */
export interface TlsMaterial extends TlsMaterialPem {
  readonly certificate: X509Certificate;
  readonly trustedCa: readonly X509Certificate[];
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function invalid(file: string, why: string, cause?: unknown): GatewayError {
  // The file name helps the operator; the file's content never goes into the message.
  return new GatewayError(ErrorCodes.TLS_MATERIAL_INVALID, `TLS material invalid: ${path.basename(file)} (${file}): ${why}`, {
    cause,
  });
}

function parseCertificates(pem: string, file: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw invalid(file, 'no PEM certificate found');
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch (err) {
      throw invalid(file, `certificate #${i + 1} does not parse`, err);
    }
  });
}

/** Checks what a listener would otherwise discover only at the first handshake, or never. */
export function validateTlsMaterial(files: TlsMaterialFiles, pem: TlsMaterialPem, now: Date): TlsMaterial {
  const [certificate] = parseCertificates(pem.cert, files.certFile);
  if (certificate === undefined) throw invalid(files.certFile, 'no PEM certificate found');
  let key;
  try {
    key = createPrivateKey(pem.key);
  } catch (err) {
    throw invalid(files.keyFile, 'private key does not parse (encrypted keys are not supported)', err);
  }
  if (!certificate.checkPrivateKey(key)) throw invalid(files.keyFile, `key does not match ${path.basename(files.certFile)}`);
  const from = Date.parse(certificate.validFrom);
  const to = Date.parse(certificate.validTo);
  if (!(to >= now.getTime())) throw invalid(files.certFile, `certificate expired at ${new Date(to).toISOString()}`);
  if (!(from <= now.getTime())) throw invalid(files.certFile, `certificate not valid before ${new Date(from).toISOString()}`);
  const trustedCa = files.caFile === undefined || pem.ca === undefined ? [] : parseCertificates(pem.ca, files.caFile);
  if (files.caFile !== undefined && trustedCa.some((c) => !c.ca)) throw invalid(files.caFile, 'holds a certificate that is not a CA');
  return Object.freeze({ ...pem, certificate, trustedCa: Object.freeze(trustedCa) });
}

function readSync(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw invalid(file, 'cannot be read', err);
  }
}

async function readAsync(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw invalid(file, 'cannot be read', err);
  }
}

/** Startup: synchronous, so a bad file stops the gateway before it listens. */
export function loadTlsMaterialSync(files: TlsMaterialFiles, now: Date): TlsMaterial {
  const pem = {
    cert: readSync(files.certFile),
    key: readSync(files.keyFile),
    ...(files.caFile === undefined ? {} : { ca: readSync(files.caFile) }),
  };
  return validateTlsMaterial(files, pem, now);
}

/** Reload: asynchronous, so a SIGHUP never blocks the event loop on disk. */
export async function loadTlsMaterial(files: TlsMaterialFiles, now: Date): Promise<TlsMaterial> {
  const [cert, key, ca] = await Promise.all([
    readAsync(files.certFile),
    readAsync(files.keyFile),
    files.caFile === undefined ? undefined : readAsync(files.caFile),
  ]);
  return validateTlsMaterial(files, { cert, key, ...(ca === undefined ? {} : { ca }) }, now);
}
