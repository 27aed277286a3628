import { randomBytes } from 'node:crypto';
import { x509, webcrypto } from './x509.js';

type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** ECDSA P-256 with SHA-256: small, fast, and an NCSC "good" signature scheme. */
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A certificate with its private key, in the forms callers need: PEM for files, keys for signing. */
export interface IssuedCertificate {
  readonly certPem: string;
  /** PKCS#8 PEM of the private key. */
  readonly keyPem: string;
  /** Distinguished name, e.g. `CN=pgo.listed.test`. */
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Needed to sign certificates when this one is a CA; opaque to callers otherwise. */
  readonly keys: CryptoKeyPair;
}

export interface IssueCertificateOptions {
  /** The CA that signs; see createCertificateAuthority. */
  readonly issuer: IssuedCertificate;
  readonly subjectCn: string;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly serverAuth: boolean;
  readonly clientAuth: boolean;
}

export interface CreateCertificateAuthorityOptions {
  readonly commonName: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** RFC 5280 §4.1.2.2: positive, at most 20 octets; 16 random bytes with the top bit cleared. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

/** A distinguished-name value must not let a caller inject extra RDNs (`CN=a, O=b`). */
function assertPlainCn(cn: string): void {
  if (!/^[A-Za-z0-9 ._-]{1,64}$/.test(cn)) throw new Error('commonName: letters, digits, space, dot, dash and underscore only (max 64)');
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function toIssued(cert: x509.X509Certificate, keys: CryptoKeyPair): Promise<IssuedCertificate> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    certPem: `${cert.toString('pem')}\n`,
    keyPem: `${x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')}\n`,
    subject: cert.subject,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    keys,
  };
}

/** A self-signed root: basicConstraints CA (critical), may sign certificates only (RFC 5280 §4.2.1.9). */
export async function createCertificateAuthority(options: CreateCertificateAuthorityOptions): Promise<IssuedCertificate> {
  assertPlainCn(options.commonName);
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${options.commonName}`,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    signingAlgorithm: SIGNING_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return toIssued(cert, keys);
}

/**
 * An end-entity certificate signed by `issuer`. MedMij nodes use one certificate as TLS server and
 * TLS client, so both EKUs are usual (digest §5.2); tests switch them off to mint odd certificates.
 */
export async function issueCertificate(options: IssueCertificateOptions): Promise<IssuedCertificate> {
  assertPlainCn(options.subjectCn);
  const keys = await generateKeys();
  const issuerCert = new x509.X509Certificate(options.issuer.certPem);
  const usages: string[] = [];
  if (options.serverAuth) usages.push(x509.ExtendedKeyUsage.serverAuth);
  if (options.clientAuth) usages.push(x509.ExtendedKeyUsage.clientAuth);
  const names: x509.JsonGeneralName[] = [
    ...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(options.issuer.keys.publicKey),
  ];
  if (usages.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(usages, false));
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${options.subjectCn}`,
    issuer: issuerCert.subject,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    signingAlgorithm: SIGNING_ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: options.issuer.keys.privateKey,
    extensions,
  });
  return toIssued(cert, keys);
}
