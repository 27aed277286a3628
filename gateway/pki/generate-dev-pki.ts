import { mkdir, writeFile, rename, access } from 'node:fs/promises';
import path from 'node:path';
import { createCertificateAuthority, issueCertificate, type IssuedCertificate } from './issue-certificate.js';

/** Host names of the development PGOs; the dev whitelist lists only the first. */
export const DEV_LISTED_HOST = 'pgo.listed.test';
export const DEV_UNLISTED_HOST = 'pgo.unlisted.test';

/** Absolute paths of the files generateDevPki writes. */
export interface DevPkiFiles {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly gatewayCert: string;
  readonly gatewayKey: string;
  readonly pgoListedCert: string;
  readonly pgoListedKey: string;
  readonly pgoUnlistedCert: string;
  readonly pgoUnlistedKey: string;
}

const FILE_NAMES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  gatewayCert: 'gateway.crt',
  gatewayKey: 'gateway.key',
  pgoListedCert: 'pgo-listed.crt',
  pgoListedKey: 'pgo-listed.key',
  pgoUnlistedCert: 'pgo-unlisted.crt',
  pgoUnlistedKey: 'pgo-unlisted.key',
} as const;

const MINUTE = 60_000;
const YEAR = 365 * 24 * 60 * MINUTE;

export function devPkiFiles(dir: string): DevPkiFiles {
  const abs = path.resolve(dir);
  const entries = Object.entries(FILE_NAMES).map(([k, f]) => [k, path.join(abs, f)]);
  return { dir: abs, ...Object.fromEntries(entries) } as DevPkiFiles;
}

/** The certificates of the development PKI, in memory. */
export interface DevPki {
  readonly ca: IssuedCertificate;
  readonly gateway: IssuedCertificate;
  readonly pgoListed: IssuedCertificate;
  readonly pgoUnlisted: IssuedCertificate;
}

/**
 * Mints a development PKI: a CA (10 years), the gateway's server/client certificate (localhost,
 * 127.0.0.1, ::1) and two PGO client certificates (2 years each), one meant for the dev whitelist
 * and one not. For laptops and tests only; config refuses `generateDevCertificates` in production.
 */
export async function buildDevPki(options: { now?: Date } = {}): Promise<DevPki> {
  const now = options.now ?? new Date();
  // Back-date a little so that a peer whose clock lags by minutes still accepts the certificates.
  const notBefore = new Date(now.getTime() - 5 * MINUTE);
  const leafNotAfter = new Date(now.getTime() + 2 * YEAR);
  const ca = await createCertificateAuthority({
    commonName: 'MedMij Gateway Development CA',
    notBefore,
    notAfter: new Date(now.getTime() + 10 * YEAR),
  });
  const leaf = (subjectCn: string, ipAddresses: string[] = []) =>
    issueCertificate({
      issuer: ca,
      subjectCn,
      dnsNames: [subjectCn],
      ipAddresses,
      notBefore,
      notAfter: leafNotAfter,
      serverAuth: true,
      clientAuth: true,
    });
  return {
    ca,
    gateway: await leaf('localhost', ['127.0.0.1', '::1']),
    pgoListed: await leaf(DEV_LISTED_HOST),
    pgoUnlisted: await leaf(DEV_UNLISTED_HOST),
  };
}

/** Writes a DevPki into `dir` (created 0700; every file 0600, written atomically). */
export async function writeDevPki(dir: string, pki: DevPki): Promise<DevPkiFiles> {
  const files = devPkiFiles(dir);
  await mkdir(files.dir, { recursive: true, mode: 0o700 });
  const pairs: Array<[IssuedCertificate, string, string]> = [
    [pki.ca, files.caCert, files.caKey],
    [pki.gateway, files.gatewayCert, files.gatewayKey],
    [pki.pgoListed, files.pgoListedCert, files.pgoListedKey],
    [pki.pgoUnlisted, files.pgoUnlistedCert, files.pgoUnlistedKey],
  ];
  for (const [issued, certFile, keyFile] of pairs) {
    await writeAtomically(keyFile, issued.keyPem, 0o600);
    await writeAtomically(certFile, issued.certPem, 0o600);
  }
  return files;
}

/** buildDevPki + writeDevPki: what `certs:dev` and `generateDevCertificates` run. */
export async function generateDevPki(dir: string, options: { now?: Date } = {}): Promise<DevPkiFiles> {
  return writeDevPki(dir, await buildDevPki(options));
}

/** Generates the dev PKI only when one of its files is missing; returns whether it did. */
export async function ensureDevPki(dir: string, options: { now?: Date } = {}): Promise<boolean> {
  const files = devPkiFiles(dir);
  const present = await Promise.all(
    Object.keys(FILE_NAMES).map((k) =>
      access(files[k as keyof typeof FILE_NAMES]).then(
        () => true,
        () => false,
      ),
    ),
  );
  if (present.every(Boolean)) return false;
  await generateDevPki(dir, options);
  return true;
}

/** Write-then-rename, so a watcher never sees a half-written key or certificate. */
async function writeAtomically(file: string, content: string, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode });
  await rename(tmp, file);
}
