import { createHash } from 'node:crypto';
import { authenticateBearer, thumbprintBytes } from '../../../gateway/fhir/authenticate.js';
import { FhirError } from '../../../gateway/fhir/outcome.js';
import type { AccessTokenVerifier, GrantContext } from '../../../gateway/oauth/grant-context.js';

const der = Buffer.from('a certificate');
const sha = createHash('sha256').update(der).digest();
const hexColons = sha.toString('hex').toUpperCase().match(/../g)!.join(':');
const b64url = sha.toString('base64url');

const grant = (extra: Partial<GrantContext> = {}): GrantContext => ({
  clientId: 'pgo.example',
  providerName: 'demoziekenhuis',
  serviceIds: ['48'],
  patientRef: 'A',
  scope: 'demoziekenhuis',
  expiresAt: new Date(Date.now() + 60_000),
  ...extra,
});
const verifier = (g: GrantContext | undefined): AccessTokenVerifier & { seen: string[] } => {
  const seen: string[] = [];
  return { seen, verify: (t) => (seen.push(t), Promise.resolve(g)) };
};
const input = { authorization: 'Bearer tok-123', tokenInQuery: false, hasBody: false, peer: undefined };

async function refusal(p: Promise<unknown>): Promise<FhirError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FhirError) return err;
    throw err;
  }
  throw new Error('expected a FhirError');
}

describe('authenticateBearer', () => {
  it('returns the grant of a valid token, passing the token itself to the verifier', async () => {
    const v = verifier(grant());
    await expect(authenticateBearer(input, { verifier: v, requireCertificateBinding: true })).resolves.toMatchObject({ patientRef: 'A' });
    expect(v.seen).toEqual(['tok-123']);
  });

  it('401 without error attribute when no token is sent (RFC 6750 §3.1)', async () => {
    const err = await refusal(authenticateBearer({ ...input, authorization: undefined }, { verifier: verifier(grant()), requireCertificateBinding: false }));
    expect(err.status).toBe(401);
    expect(err.issueCode).toBe('security');
    expect(err.headers['WWW-Authenticate']).toBe('Bearer realm="fhir"');
  });

  it('401 invalid_token for an unknown or expired token', async () => {
    const unknown = await refusal(authenticateBearer(input, { verifier: verifier(undefined), requireCertificateBinding: false }));
    expect(unknown.status).toBe(401);
    expect(unknown.headers['WWW-Authenticate']).toMatch(/^Bearer realm="fhir", error="invalid_token", error_description="[^"]+"$/);
    const expired = await refusal(authenticateBearer(input, { verifier: verifier(grant({ expiresAt: new Date(Date.now() - 1) })), requireCertificateBinding: false }));
    expect(expired.reason).toBe('token_expired');
  });

  it('400 invalid_request for a token in the query or body, or another scheme', async () => {
    const opts = { verifier: verifier(grant()), requireCertificateBinding: false };
    for (const bad of [{ ...input, tokenInQuery: true }, { ...input, hasBody: true }, { ...input, authorization: 'Basic dXNlcjpwdw==' }]) {
      const err = await refusal(authenticateBearer(bad, opts));
      expect(err.status).toBe(400);
      expect(err.headers['WWW-Authenticate']).toContain('error="invalid_request"');
    }
    expect(opts.verifier.seen).toEqual([]);
  });

  it('checks RFC 8705 binding against the peer certificate when required', async () => {
    const bound = verifier(grant({ certificateThumbprint: b64url }));
    const opts = { verifier: bound, requireCertificateBinding: true };
    await expect(authenticateBearer({ ...input, peer: { fingerprintSha256: hexColons } }, opts)).resolves.toBeDefined();
    const other = createHash('sha256').update('other').digest('hex');
    expect((await refusal(authenticateBearer({ ...input, peer: { fingerprintSha256: other } }, opts))).reason).toBe('token_certificate_mismatch');
    expect((await refusal(authenticateBearer(input, opts))).status).toBe(401);
    // Binding off: the same mismatch passes.
    await expect(authenticateBearer({ ...input, peer: { fingerprintSha256: other } }, { ...opts, requireCertificateBinding: false })).resolves.toBeDefined();
  });

  it('reads both thumbprint spellings as the same bytes', () => {
    expect(thumbprintBytes(hexColons)?.equals(sha)).toBe(true);
    expect(thumbprintBytes(b64url)?.equals(sha)).toBe(true);
    expect(thumbprintBytes('nope')).toBeUndefined();
  });

  it('refuses two Authorization headers (RFC 9110 §5.3: not a list) without asking the verifier, and takes a single one as is', async () => {
    const v = verifier(grant());
    const err = await refusal(authenticateBearer({ ...input, authorization: ['Bearer tok-123', 'Bearer tok-123'] }, { verifier: v, requireCertificateBinding: false }));
    expect({ status: err.status, reason: err.reason }).toEqual({ status: 400, reason: 'bad_authorization' });
    expect(v.seen).toEqual([]);
    await expect(authenticateBearer({ ...input, authorization: ['Bearer tok-123'] }, { verifier: v, requireCertificateBinding: false })).resolves.toBeDefined();
  });
});
