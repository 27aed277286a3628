import { randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'undici';
import { parseFhirXml } from '../../gateway/fhir/index.js';
import { issueCertificate, type IssuedCertificate } from '../../gateway/pki/index.js';
import { RedisStore } from '../../gateway/storage/redis-store.js';
import { assertMedMijAnswer } from '../helpers/fhir-answer-checks.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { HttpSession, authorizeWithoutBrowser, obtainToken, type TokenTarget } from '../helpers/oauth.js';

/**
 * The whole MedMij chain through the composed gateway (gateway.ts as `npm start` builds it):
 * authorization request → DigiD simulator → consent → code → token over mTLS → BgZ searches over
 * mTLS, in JSON and XML; then the same chain over two gateway instances sharing Redis.
 */
const BSN = '999911120';
const CLIENT = { clientId: 'pgo.listed.test', redirectUri: 'https://pgo.listed.test/medmij/callback', scope: 'demoziekenhuis' };
const BGZ = [
  'Patient?_include=Patient:general-practitioner',
  'Condition',
  'AllergyIntolerance',
  'MedicationRequest?category=http://snomed.info/sct|16076005&_include=MedicationRequest:medication',
  'Observation/$lastn?code=http://loinc.org|85354-9',
  'Immunization?status=completed',
];

interface Pem { ca: string; cert: string; key: string }

async function pemOf(gw: TestGateway): Promise<Pem> {
  return {
    ca: await readFile(gw.pki.caCert, 'utf8'),
    cert: await readFile(gw.pki.pgoListedCert, 'utf8'),
    key: await readFile(gw.pki.pgoListedKey, 'utf8'),
  };
}

function targetOf(patientUrl: string, nodeUrl: string, pem: Pem): TokenTarget {
  return { patientUrl, nodeUrl, ca: pem.ca, clientCert: pem.cert, clientKey: pem.key };
}

/** A FHIR search over mTLS with the MedMij headers; returns status, content type and body. */
async function search(nodeUrl: string, query: string, token: string, cert: { ca: string; cert: string; key: string }, accept = 'application/fhir+json') {
  const agent = new Agent({ connect: cert });
  try {
    const res = await request(`${nodeUrl}/fhir/demoziekenhuis/48/${query}`, {
      dispatcher: agent,
      headers: { authorization: `Bearer ${token}`, accept, 'medmij-request-id': crypto.randomUUID(), 'x-correlation-id': crypto.randomUUID() },
    });
    return { status: res.statusCode, type: String(res.headers['content-type'] ?? ''), challenge: res.headers['www-authenticate'], body: await res.body.text() };
  } finally {
    await agent.close();
  }
}

/** The absolute URL as the gateway's self link would repeat it (for assertMedMijAnswer). */
const urlOf = (nodeUrl: string, query: string) => `${nodeUrl}/fhir/demoziekenhuis/48/${query}`;

function assertNoSecrets(gws: readonly TestGateway[], token: string): void {
  const trail = JSON.stringify(gws.flatMap((g) => g.audit.events));
  expect(trail.length).toBeGreaterThan(100);
  expect(trail).not.toContain(BSN);
  expect(trail).not.toContain(token);
}

describe('one composed gateway, memory storage', () => {
  let gw: TestGateway;
  let pem: Pem;
  beforeAll(async () => {
    gw = await startTestGateway();
    pem = await pemOf(gw);
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('runs the MedMij chain: token through the OAuth flow, then BgZ answers in JSON and XML that pass the MedMij checks', async () => {
    const token = await obtainToken(targetOf(gw.urls.patient, gw.urls.node, pem), { ...CLIENT, bsn: BSN });
    expect(token).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'demoziekenhuis' });
    const grant = await gw.gateway.verifier.verify(token.access_token);
    expect(grant).toBeDefined();
    const patientRef = grant!.patientRef.replace(/^Patient\//, '');
    let entries = 0;
    for (const query of BGZ) {
      const json = await search(gw.urls.node, query, token.access_token, pem);
      expect({ query, status: json.status }).toEqual({ query, status: 200 });
      expect(json.type).toContain('application/fhir+json');
      const bundle = JSON.parse(json.body) as { entry?: unknown[] };
      assertMedMijAnswer(bundle, { url: urlOf(gw.urls.node, query), patientRef });
      entries += bundle.entry?.length ?? 0;

      const xml = await search(gw.urls.node, query, token.access_token, pem, 'application/fhir+xml');
      expect({ query, status: xml.status }).toEqual({ query, status: 200 });
      expect(xml.type).toContain('application/fhir+xml');
      const fromXml = parseFhirXml(xml.body, 'STU3');
      assertMedMijAnswer(fromXml, { url: urlOf(gw.urls.node, query), patientRef });
      // The same content in both formats (QUERIES.md "What every answer is checked for").
      expect((fromXml as { entry?: unknown[] }).entry?.length ?? 0).toBe(bundle.entry?.length ?? 0);
    }
    expect(entries).toBeGreaterThan(BGZ.length);
    assertNoSecrets([gw], token.access_token);
    // Every adapter call is timed for the operator (availability check at login, then searches).
    const metrics = await (await fetch(`${gw.urls.operations}/metrics`)).text();
    expect(metrics).toMatch(/medmij_gateway_adapter_duration_seconds_count\{adapter="demo-ehr",outcome="ok"\} [1-9]/);
  });

  it('refuses the certificate-bound token (401) over another whitelisted certificate of the same host', async () => {
    const token = await obtainToken(targetOf(gw.urls.patient, gw.urls.node, pem), { ...CLIENT, bsn: BSN });
    const other = await mintListedCertificate(gw);
    // The other certificate passes TLS and the Whitelist (same CA, same host name) ...
    const otherAgent = new Agent({ connect: { ca: pem.ca, cert: other.certPem, key: other.keyPem } });
    const metadata = await request(`${gw.urls.node}/fhir/demoziekenhuis/48/metadata`, { dispatcher: otherAgent });
    await metadata.body.text();
    await otherAgent.close();
    expect(metadata.statusCode).toBe(200);
    // ... but the token was bound to the first one's thumbprint (RFC 8705 §3).
    const refused = await search(gw.urls.node, 'Condition', token.access_token, { ca: pem.ca, cert: other.certPem, key: other.keyPem });
    expect(refused.status).toBe(401);
    expect(String(refused.challenge)).toMatch(/^Bearer /);
    expect(JSON.parse(refused.body)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'security' }] });
    const accepted = await search(gw.urls.node, 'Condition', token.access_token, pem);
    expect(accepted.status).toBe(200);
  });
});

/** A second client certificate for pgo.listed.test from the gateway's development CA, with a new key. */
async function mintListedCertificate(gw: TestGateway): Promise<IssuedCertificate> {
  const caPem = await readFile(gw.pki.caCert, 'utf8');
  const caKeyPem = await readFile(gw.pki.caKey, 'utf8');
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;
  const der = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der(caKeyPem), algorithm, true, ['sign']);
  const spki = new X509Certificate(caPem).publicKey.export({ type: 'spki', format: 'der' });
  const publicKey = await webcrypto.subtle.importKey('spki', spki, algorithm, true, ['verify']);
  const ca = new X509Certificate(caPem);
  const issuer: IssuedCertificate = {
    certPem: caPem,
    keyPem: caKeyPem,
    subject: ca.subject,
    notBefore: new Date(ca.validFrom),
    notAfter: new Date(ca.validTo),
    keys: { privateKey, publicKey },
  };
  const now = Date.now();
  const issued = await issueCertificate({
    issuer,
    subjectCn: 'pgo.listed.test',
    dnsNames: ['pgo.listed.test'],
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 86_400_000),
    serverAuth: true,
    clientAuth: true,
  });
  // Kept in memory only: the key never touches the repository (or any disk).
  return issued;
}

describe('two composed gateways sharing Redis and one PKI', () => {
  const REDIS_URL = 'redis://127.0.0.1:6379';
  let a: TestGateway | undefined;
  let b: TestGateway | undefined;
  let skip = false;

  beforeAll(async () => {
    const probe = new RedisStore({ url: REDIS_URL, keyPrefix: 'test:probe:', connectTimeoutMs: 1000, commandTimeoutMs: 1000 });
    let reachable = false;
    for (let i = 0; i < 20 && !reachable; i++) {
      reachable = await probe.ping();
      if (!reachable) await new Promise((r) => setTimeout(r, 50));
    }
    await probe.close();
    if (!reachable) {
      skip = true;
      console.warn('gateway-e2e.test.ts (Redis) skipped: no Redis answering at 127.0.0.1:6379');
      return;
    }
    const storageYaml = `{ kind: redis, url: '${REDIS_URL}', keyPrefix: 'test:${randomBytes(6).toString('hex')}:' }`;
    // Replicas share config: the same cookie keys, as a deployment behind a load balancer would.
    const extraYaml = `oauth: { cookieKeys: ["${randomBytes(32).toString('base64url')}"] }`;
    a = await startTestGateway({ storageYaml, extraYaml });
    b = await startTestGateway({ storageYaml, extraYaml, certsDir: a.pki.dir });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('authorizes on one instance, issues the token on the other, and serves FHIR on either', async () => {
    if (skip || !a || !b) return;
    const pem = await pemOf(a);
    // Authorization on A's patient interface, the code redeemed at B's token endpoint.
    const session = new HttpSession(targetOf(a.urls.patient, b.urls.node, pem));
    const sessionId = crypto.randomUUID();
    const back = await authorizeWithoutBrowser(session, { ...CLIENT, bsn: BSN, sessionId });
    const answer = await session.token({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: CLIENT.redirectUri, client_id: CLIENT.clientId }, { 'x-correlation-id': sessionId });
    await session.close();
    expect(answer.status).toBe(200);
    const token = String(answer.json.access_token);
    expect(a.audit.events.some((e) => e.type === 'send_authorization_response' && e.sessionId === sessionId)).toBe(true);
    expect(b.audit.events.some((e) => e.type === 'send_token_response' && e.sessionId === sessionId)).toBe(true);

    const grant = await a.gateway.verifier.verify(token);
    const patientRef = grant!.patientRef.replace(/^Patient\//, '');
    for (const gw of [a, b]) {
      for (const query of BGZ.slice(0, 3)) {
        const res = await search(gw.urls.node, query, token, pem);
        expect({ query, status: res.status }).toEqual({ query, status: 200 });
        assertMedMijAnswer(JSON.parse(res.body), { url: urlOf(gw.urls.node, query), patientRef });
      }
    }
    assertNoSecrets([a, b], token);
  });
});
