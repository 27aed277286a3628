import { X509Certificate, createHash } from 'node:crypto';
import { buildDevPki, issueCertificate, createCertificateAuthority, type DevPki } from '../../../gateway/pki/index.js';
import { parsePeerIdentity } from '../../../gateway/tls/peer-identity.js';
import { chainWindow, judgeChain, verifyChain } from '../../../gateway/tls/verify-chain.js';
import { judgePeer } from '../../../gateway/tls/judge-peer.js';
import { createWhitelist } from '../../../gateway/tls/create-whitelist.js';
import { validateTlsMaterial } from '../../../gateway/tls/load-tls-material.js';
import { ErrorCodes } from '../../../gateway/errors.js';

const DAY = 86_400_000;
let pki: DevPki;
const x = (pem: string) => new X509Certificate(pem);

beforeAll(async () => {
  pki = await buildDevPki({ now: new Date('2030-01-01T00:00:00Z') });
});

describe('buildDevPki', () => {
  test('CA: self-signed, CA basic constraint, 10 years', () => {
    const ca = x(pki.ca.certPem);
    expect(ca.ca).toBe(true);
    expect(ca.checkIssued(ca)).toBe(true);
    expect(Date.parse(ca.validTo) - Date.parse('2030-01-01T00:00:00Z')).toBe(10 * 365 * DAY);
    expect(ca.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  test('gateway: SAN localhost, 127.0.0.1, ::1; both EKUs; 2 years; key matches', () => {
    const gw = x(pki.gateway.certPem);
    expect(gw.ca).toBe(false);
    expect(gw.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(gw.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']));
    expect(Date.parse(gw.validTo) - Date.parse('2030-01-01T00:00:00Z')).toBe(2 * 365 * DAY);
    expect(gw.checkIssued(x(pki.ca.certPem)) && gw.verify(x(pki.ca.certPem).publicKey)).toBe(true);
    expect(pki.gateway.keyPem.startsWith(['-----BEGIN', 'PRIVATE', 'KEY-----'].join(' '))).toBe(true);
  });

  test('PGO certificates: CN and SAN pgo.listed.test / pgo.unlisted.test', () => {
    expect(x(pki.pgoListed.certPem).subject).toBe('CN=pgo.listed.test');
    expect(x(pki.pgoListed.certPem).subjectAltName).toBe('DNS:pgo.listed.test');
    expect(x(pki.pgoUnlisted.certPem).subjectAltName).toBe('DNS:pgo.unlisted.test');
  });

  test('issueCertificate refuses a CN that could inject extra name attributes', async () => {
    const at = new Date();
    await expect(
      issueCertificate({ issuer: pki.ca, subjectCn: 'a.test, O=Evil', notBefore: at, notAfter: at, serverAuth: false, clientAuth: true }),
    ).rejects.toThrow(/commonName/);
  });
});

describe('parsePeerIdentity', () => {
  test('CN plus DNS SANs, deduplicated, lowercase; x5t#S256 fingerprint', () => {
    const cert = x(pki.pgoListed.certPem);
    const { identity, validFrom } = parsePeerIdentity(cert, 'tls');
    expect(identity.hostnames).toEqual(['pgo.listed.test']);
    expect(identity.commonName).toBe('pgo.listed.test');
    expect(identity.fingerprintSha256).toBe(createHash('sha256').update(cert.raw).digest('base64url'));
    expect(identity.validTo.getTime()).toBe(Date.parse(cert.validTo));
    expect(validFrom.getTime()).toBe(Date.parse(cert.validFrom));
  });

  test('a CN that is not a host name does not count', async () => {
    const at = new Date();
    const c = await issueCertificate({
      issuer: pki.ca,
      subjectCn: 'My PGO Ltd',
      dnsNames: ['Node.PGO.test'],
      notBefore: at,
      notAfter: new Date(at.getTime() + DAY),
      serverAuth: false,
      clientAuth: true,
    });
    const { identity } = parsePeerIdentity(x(c.certPem), 'proxy');
    expect(identity.commonName).toBeUndefined();
    expect(identity.hostnames).toEqual(['node.pgo.test']);
    expect(identity.via).toBe('proxy');
  });
});

describe('verifyChain', () => {
  test('ok, untrusted, expired; a non-CA cannot act as an intermediate', async () => {
    const now = new Date('2030-06-01T00:00:00Z');
    const leaf = x(pki.pgoListed.certPem);
    expect(verifyChain(leaf, [], [x(pki.ca.certPem)], now)).toBe('ok');
    const other = await createCertificateAuthority({ commonName: 'Other', notBefore: new Date('2029-01-01'), notAfter: new Date('2040-01-01') });
    expect(verifyChain(leaf, [], [x(other.certPem)], now)).toBe('untrusted');
    expect(verifyChain(leaf, [], [], now)).toBe('untrusted');
    expect(verifyChain(leaf, [], [x(pki.ca.certPem)], new Date('2033-01-01'))).toBe('expired');
    // A leaf under an intermediate: only with the intermediate presented does it chain.
    const inter = await issueCertificate({ issuer: pki.ca, subjectCn: 'Intermediate', notBefore: new Date('2029-01-01'), notAfter: new Date('2035-01-01'), serverAuth: false, clientAuth: false });
    expect(x(inter.certPem).ca).toBe(false); // issueCertificate mints end entities only
    const under = await issueCertificate({ issuer: inter, subjectCn: 'pgo.listed.test', notBefore: new Date('2029-01-01'), notAfter: new Date('2031-01-01'), serverAuth: false, clientAuth: true });
    expect(verifyChain(x(under.certPem), [x(inter.certPem)], [x(pki.ca.certPem)], now)).toBe('untrusted');
  });
});

describe('chainWindow', () => {
  test('spans the latest notBefore to the earliest notAfter of the path; no path → undefined', async () => {
    const leaf = x(pki.pgoListed.certPem);
    const ca = x(pki.ca.certPem);
    const window = chainWindow(leaf, [], [ca]);
    expect(window).toEqual({ from: Math.max(Date.parse(leaf.validFrom), Date.parse(ca.validFrom)), to: Math.min(Date.parse(leaf.validTo), Date.parse(ca.validTo)) });
    expect(judgeChain(window, new Date('2030-06-01T00:00:00Z'))).toBe('ok');
    expect(judgeChain(window, new Date(window!.to + 1))).toBe('expired');
    expect(judgeChain(window, new Date(window!.from - 1))).toBe('expired');
    const other = await createCertificateAuthority({ commonName: 'Other', notBefore: new Date('2029-01-01'), notAfter: new Date('2040-01-01') });
    expect(chainWindow(leaf, [], [x(other.certPem)])).toBeUndefined();
    expect(judgeChain(undefined, new Date('2030-06-01T00:00:00Z'))).toBe('untrusted');
  });
});

describe('judgePeer', () => {
  const peer = () => parsePeerIdentity(x(pki.pgoListed.certPem), 'tls');
  const now = new Date('2030-06-01T00:00:00Z');
  test('listed and valid → accepted', () => {
    expect(judgePeer(peer(), createWhitelist(['pgo.listed.test']), now)).toBeUndefined();
  });
  test('no list → no_whitelist; not on list → not_whitelisted; out of validity → expired', () => {
    expect(judgePeer(peer(), undefined, now)).toBe('no_whitelist');
    expect(judgePeer(peer(), createWhitelist(['other.test']), now)).toBe('not_whitelisted');
    expect(judgePeer(peer(), createWhitelist(['pgo.listed.test']), new Date('2035-01-01'))).toBe('expired');
    expect(judgePeer(peer(), createWhitelist(['pgo.listed.test']), new Date('2029-01-01'))).toBe('expired');
  });
});

describe('validateTlsMaterial', () => {
  const files = { certFile: '/certs/server.crt', keyFile: '/certs/server.key', caFile: '/certs/ca.crt' };
  const now = new Date('2030-06-01T00:00:00Z');
  test('accepts a matching pair and parses the CA bundle', () => {
    const m = validateTlsMaterial(files, { cert: pki.gateway.certPem, key: pki.gateway.keyPem, ca: pki.ca.certPem }, now);
    expect(m.trustedCa).toHaveLength(1);
    expect(m.certificate.subject).toBe('CN=localhost');
  });
  test('rejects mismatch, expiry and a non-CA in the CA file, with TLS_MATERIAL_INVALID and the file name', () => {
    const attempt = (pem: { cert: string; key: string; ca?: string }, at = now) => {
      try {
        validateTlsMaterial(files, pem, at);
        return undefined;
      } catch (err) {
        return err as { code: string; message: string };
      }
    };
    const mismatch = attempt({ cert: pki.gateway.certPem, key: pki.pgoListed.keyPem, ca: pki.ca.certPem });
    expect(mismatch?.code).toBe(ErrorCodes.TLS_MATERIAL_INVALID);
    expect(mismatch?.message).toMatch(/server\.key.*does not match/);
    expect(attempt({ cert: pki.gateway.certPem, key: pki.gateway.keyPem, ca: pki.ca.certPem }, new Date('2033-01-01'))?.message).toMatch(/server\.crt.*expired/);
    expect(attempt({ cert: pki.gateway.certPem, key: pki.gateway.keyPem, ca: pki.pgoListed.certPem })?.message).toMatch(/ca\.crt.*not a CA/);
    expect(attempt({ cert: pki.gateway.certPem, key: 'junk', ca: pki.ca.certPem })?.message).toMatch(/server\.key.*does not parse/);
    // The message never carries PEM content.
    expect(mismatch?.message).not.toMatch(/BEGIN/);
  });
});
