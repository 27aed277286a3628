import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createCertificateAuthority,
  DEV_LISTED_HOST,
  DEV_UNLISTED_HOST,
  buildDevPki,
  writeDevPki,
  issueCertificate,
  type DevPkiFiles,
  type IssueCertificateOptions,
  type IssuedCertificate,
} from '../../gateway/pki/index.js';

/** A certificate and its key, as PEM text and as files in the run's temporary folder. */
export interface PemPair {
  readonly cert: string;
  readonly key: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface TestPki {
  readonly dir: string;
  readonly files: DevPkiFiles;
  readonly listedHost: string;
  readonly unlistedHost: string;
  readonly ca: PemPair;
  readonly gateway: PemPair;
  readonly pgoListed: PemPair;
  readonly pgoUnlisted: PemPair;
  /** The listed host name, but notAfter lies in the past. */
  readonly pgoExpired: PemPair;
  /** The listed host name, signed by `otherCa`, which the gateway does not trust. */
  readonly pgoOtherCa: PemPair;
  readonly otherCa: PemPair;
  /** Mints one more certificate signed by the test CA (or `issuer`), written as `<name>.crt/.key`. */
  issue(name: string, options: Partial<Omit<IssueCertificateOptions, 'issuer'>> & { issuer?: 'ca' | 'otherCa' }): Promise<PemPair>;
  cleanup(): Promise<void>;
}

const DAY = 24 * 3600_000;

/**
 * A throwaway PKI in a fresh temporary folder: the development set of gateway/pki plus the odd
 * certificates the refusal tests need. Private keys exist only in os.tmpdir(), never in the repo.
 */
export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'medmij-pki-'));
  const dev = await buildDevPki();
  const files = await writeDevPki(dir, dev);
  const fromFiles = (certFile: string, keyFile: string): PemPair => ({
    cert: readFileSync(certFile, 'utf8'),
    key: readFileSync(keyFile, 'utf8'),
    certFile,
    keyFile,
  });
  const write = async (name: string, issued: IssuedCertificate): Promise<PemPair> => {
    const certFile = path.join(dir, `${name}.crt`);
    const keyFile = path.join(dir, `${name}.key`);
    await writeFile(certFile, issued.certPem, { mode: 0o600 });
    await writeFile(keyFile, issued.keyPem, { mode: 0o600 });
    return { cert: issued.certPem, key: issued.keyPem, certFile, keyFile };
  };

  const caIssued = dev.ca;
  const otherCaIssued = await createCertificateAuthority({
    commonName: 'Untrusted Other CA',
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 365 * DAY),
  });
  const otherCa = await write('other-ca', otherCaIssued);

  const issue: TestPki['issue'] = async (name, o) => {
    const issued = await issueCertificate({
      issuer: o.issuer === 'otherCa' ? otherCaIssued : caIssued,
      subjectCn: o.subjectCn ?? DEV_LISTED_HOST,
      dnsNames: o.dnsNames ?? [o.subjectCn ?? DEV_LISTED_HOST],
      ipAddresses: o.ipAddresses ?? [],
      notBefore: o.notBefore ?? new Date(Date.now() - DAY),
      notAfter: o.notAfter ?? new Date(Date.now() + 30 * DAY),
      serverAuth: o.serverAuth ?? true,
      clientAuth: o.clientAuth ?? true,
    });
    return write(name, issued);
  };

  const pgoExpired = await issue('pgo-expired', {
    notBefore: new Date(Date.now() - 10 * DAY),
    notAfter: new Date(Date.now() - DAY),
  });
  const pgoOtherCa = await issue('pgo-other-ca', { issuer: 'otherCa' });

  return {
    dir,
    files,
    listedHost: DEV_LISTED_HOST,
    unlistedHost: DEV_UNLISTED_HOST,
    ca: fromFiles(files.caCert, files.caKey),
    gateway: fromFiles(files.gatewayCert, files.gatewayKey),
    pgoListed: fromFiles(files.pgoListedCert, files.pgoListedKey),
    pgoUnlisted: fromFiles(files.pgoUnlistedCert, files.pgoUnlistedKey),
    pgoExpired,
    pgoOtherCa,
    otherCa,
    issue,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
