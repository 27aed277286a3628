import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { catalogueFile, loadCatalogue, type QueryCatalogue } from '../../gateway/fhir/catalogue/index.js';
import { authorizeWithSimulator, buildAuthorizationUrl, buildCatalogueQueries, PgoSession, type PgoTarget, type TokenAnswer } from '../../gateway/pgo-client/index.js';
import { formatZalEntries, zalEntriesFor, type ZalServiceEntry } from '../../gateway/zal-command.js';
import { assertMedMijAnswer } from '../helpers/fhir-answer-checks.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { parseZalText } from '../helpers/zal.js';
import { syntheticPdf } from './documents-harness.js';

/**
 * Real PGOs against the composed gateway, over two-sided TLS, request for request as their public
 * code forms them (issue 8; minvws/nl-mgo-dvp-proxy):
 * - every URL is built from what `medmij-gateway zal` prints for the configuration, the way a PGO
 *   builds it from the Zorgaanbiederslijst: ResourceEndpointuri + `/fhir/` + Type unless the URI
 *   already ends in `/fhir` (the government PGO), or ResourceEndpointuri + `/` + Type (the plain
 *   convention); both against a base that ends in `/fhir` (the default) and one that does not;
 * - `Accept: application/fhir+json; fhirVersion=3.0`, raw `|` and `,` in the query, repeated
 *   `_include`, `$lastn`; every BgZ (48), GP (49) and PDF/A (51) query of the catalogues, the
 *   bare document searches, and the Binary download as a resource and raw;
 * - the token request as MedMij 2.x and the government PGO send it (ids in headers, form body,
 *   `refresh_code` behind its switch).
 */
const BSN = '999911120'; // Marieke de Graaf, a synthetic demo patient
const PATIENT = 'demo-patient-de-graaf';
const OTHER = 'demo-patient-van-leeuwen';
const CLIENT = { clientId: 'pgo.listed.test', redirectUri: 'https://pgo.listed.test/medmij/callback' };
const PUBLIC_NODE = 'https://localhost:9443';
const PUBLIC_PATIENT = 'https://localhost:8443';
const MGO_ACCEPT = 'application/fhir+json; fhirVersion=3.0';

const SERVICES = `      - { id: "48", standard: bgz-3, fhirVersion: STU3, adapter: demo-ehr }
      - { id: "49", standard: gp-2, fhirVersion: STU3, adapter: demo-ehr }
      - { id: "51", standard: pdfa-3, fhirVersion: STU3, adapter: docs }`;

const pdfs = { 'pdf-1': syntheticPdf('letter'), 'pdf-2': syntheticPdf('discharge'), 'pdf-other': syntheticPdf('other') };

/** The documents EHR: the same person as the demo EHR (BSN), two documents, and one of another patient. */
function documentsDataset(publicBase: string): Array<[string, unknown]> {
  const profile = (p: string) => ({ profile: [`http://nictiz.nl/fhir/StructureDefinition/${p}`] });
  const person = (id: string, bsn: string) => ({ resourceType: 'Patient', id, meta: profile('nl-core-patient'), identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: bsn }] });
  const docRef = (id: string, who: string, status: string, indexed: string, url: string) => ({
    resourceType: 'DocumentReference',
    id,
    meta: profile('IHE.MHD.Minimal.DocumentReference'),
    status,
    type: { coding: [{ system: 'http://loinc.org', code: '11488-4', display: 'Consult note' }] },
    subject: { reference: `Patient/${who}`, display: 'patient' },
    indexed,
    content: [{ attachment: { contentType: 'application/pdf', url } }],
  });
  const manifest = (id: string, who: string, binary: string) => ({
    resourceType: 'DocumentManifest',
    id,
    meta: profile('IHE.MHD.Minimal.DocumentManifest'),
    status: 'current',
    subject: { reference: `Patient/${who}`, display: 'patient' },
    created: '2024-06-01T10:00:00Z',
    content: [{ pAttachment: { contentType: 'application/pdf', url: binary } }],
  });
  const binary = (id: keyof typeof pdfs) => ({ resourceType: 'Binary', id, contentType: 'application/pdf', content: pdfs[id].toString('base64') });
  return [
    ['patient.json', person(PATIENT, BSN)],
    ['patient-other.json', person(OTHER, '999990020')],
    // One relative, one absolute on the gateway's own base: both reach the PGO as `Binary/{id}`.
    ['dr-1.json', docRef('dr-1', PATIENT, 'current', '2024-03-10T10:00:00Z', 'Binary/pdf-1')],
    ['dr-2.json', docRef('dr-2', PATIENT, 'superseded', '2024-05-20T09:30:00Z', `${publicBase}/Binary/pdf-2`)],
    ['dr-other.json', docRef('dr-other', OTHER, 'current', '2024-04-15T12:00:00Z', 'Binary/pdf-other')],
    ['dm-1.json', manifest('dm-1', PATIENT, 'Binary/pdf-1')],
    ['pdf-1.json', binary('pdf-1')],
    ['pdf-2.json', binary('pdf-2')],
    ['pdf-other.json', binary('pdf-other')],
  ];
}

interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

interface Harness {
  readonly gw: TestGateway;
  readonly zal: readonly ZalServiceEntry[];
  readonly target: PgoTarget;
  get(url: string, headers: Record<string, string>): Promise<Answer>;
  close(): Promise<void>;
}

/** The public URLs of the ZAL onto the ports this run listens on (what DNS and a port map do in production). */
const onBound = (gw: TestGateway, url: string): string => url.replace(PUBLIC_NODE, gw.urls.node).replace(PUBLIC_PATIENT, gw.urls.patient);

async function startHarness(endpointsYaml: string, extraYaml = ''): Promise<Harness> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pgo-interop-docs-'));
  // The public base of service 51 is only known from the config; the absolute attachment URL uses it.
  const base51 = endpointsYaml.includes('/fhir/{provider}/{service}') ? `${PUBLIC_NODE}/fhir/demoziekenhuis/51` : `${PUBLIC_NODE}/demoziekenhuis/51/fhir`;
  for (const [file, resource] of documentsDataset(base51)) await writeFile(path.join(dataDir, file), JSON.stringify(resource));
  const gw = await startTestGateway({
    servicesYaml: SERVICES,
    adaptersYaml: `  - { id: demo-ehr, kind: demo }\n  - { id: docs, kind: demo, datasets: { STU3: ["${dataDir}"] } }`,
    endpointsYaml,
    extraYaml,
  });
  // Exactly the text the CLI prints, read back as a PGO reads the ZAL.
  const printed = parseZalText(formatZalEntries(zalEntriesFor(gw.gateway.config)));
  expect(printed.map((e) => e.name)).toEqual(['demoziekenhuis@medmij']);
  const zal = printed[0]!.services;
  expect(zal.map((s) => s.id)).toEqual(['48', '49', '51']);
  expect(new Set(zal.map((s) => s.resourceEndpointUri.slice(0, 8))).size).toBe(1);
  const tls = {
    ca: await readFile(gw.pki.caCert, 'utf8'),
    cert: await readFile(gw.pki.pgoListedCert, 'utf8'),
    key: await readFile(gw.pki.pgoListedKey, 'utf8'),
  };
  const agent = new https.Agent({ ...tls, keepAlive: true, maxSockets: 4 });
  const target: PgoTarget = { patientUrl: gw.urls.patient, nodeUrl: gw.urls.node, tokenEndpoint: onBound(gw, zal[0]!.tokenEndpointUri), ca: tls.ca, clientCert: tls.cert, clientKey: tls.key };
  return {
    gw,
    zal,
    target,
    get: (url, headers) =>
      new Promise((resolve, reject) => {
        const req = https.get(onBound(gw, url), { agent, servername: 'localhost', headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        });
        req.on('error', reject);
      }),
    async close() {
      agent.destroy();
      await gw.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The MedMij login and consent, then the token request as the government PGO sends it. */
async function login(h: Harness, options: { longTerm: boolean }): Promise<{ token: TokenAnswer; sessionId: string; session: PgoSession }> {
  const session = new PgoSession(h.target);
  const sessionId = crypto.randomUUID();
  const url = buildAuthorizationUrl({
    endpoint: onBound(h.gw, h.zal[0]!.authorizationEndpointUri),
    ...CLIENT,
    scope: 'demoziekenhuis',
    state: crypto.randomUUID(),
    requestId: crypto.randomUUID(),
    sessionId,
  });
  const back = await authorizeWithSimulator(session, url, { bsn: BSN, longTerm: options.longTerm });
  const code = back.searchParams.get('code');
  if (!code) throw new Error(`no code: ${back.search}`);
  const token = await session.token(
    { grant_type: 'authorization_code', code, client_id: CLIENT.clientId, redirect_uri: CLIENT.redirectUri },
    { 'x-correlation-id': sessionId, 'medmij-request-id': crypto.randomUUID() },
  );
  return { token, sessionId, session };
}

/** The two ways PGOs turn a ResourceEndpointuri into a FHIR base. */
const CONVENTIONS = {
  'government PGO (/fhir/ added unless the URI ends in /fhir)': (uri: string) => (uri.replace(/\/+$/, '').endsWith('/fhir') ? uri : `${uri}/fhir`),
  'plain (Type appended to the URI)': (uri: string) => uri,
} as const;

/** Every query of a catalogue as the PGO writes it on the wire: raw `|`, `,` and `:`, repeated `_include`. */
function rawQueries(catalogue: QueryCatalogue): string[] {
  return buildCatalogueQueries(catalogue, new Date()).map((q) => {
    const pathPart = q.operation ? `${q.resourceType}/$${q.operation}` : q.resourceType;
    return q.params.length === 0 ? pathPart : `${pathPart}?${q.params.map(([k, v]) => `${k}=${v}`).join('&')}`;
  });
}

const json = (a: Answer): Record<string, unknown> => JSON.parse(a.body.toString('utf8')) as Record<string, unknown>;

function describeConfig(title: string, endpointsYaml: string) {
  describe(title, () => {
    let h: Harness;
    let accessToken: string;
    let sessionId: string;
    const catalogues = new Map<string, QueryCatalogue>();
    const resourceHeaders = () => ({ authorization: `Bearer ${accessToken}`, accept: MGO_ACCEPT, 'medmij-request-id': crypto.randomUUID(), 'x-correlation-id': sessionId });

    beforeAll(async () => {
      h = await startHarness(endpointsYaml);
      for (const standard of ['bgz-3', 'gp-2', 'pdfa-3']) catalogues.set(standard, await loadCatalogue(catalogueFile(standard)));
      const { token, sessionId: sid, session } = await login(h, { longTerm: false });
      await session.close();
      expect(token.status).toBe(200);
      accessToken = String(token.json['access_token']);
      sessionId = sid;
    });
    afterAll(async () => {
      await h?.close();
    });

    const standardOf = { '48': 'bgz-3', '49': 'gp-2', '51': 'pdfa-3' } as const;

    for (const [convention, baseOf] of Object.entries(CONVENTIONS)) {
      test(`${convention}: every BgZ, GP and PDF/A query of the catalogue, and the bare document searches, answer a searchset`, async () => {
        let asked = 0;
        for (const service of h.zal) {
          const base = baseOf(service.resourceEndpointUri);
          const queries = rawQueries(catalogues.get(standardOf[service.id as keyof typeof standardOf])!);
          if (service.id === '51') queries.push('DocumentReference', 'DocumentManifest');
          expect(queries.length).toBeGreaterThan(service.id === '48' ? 20 : 1);
          for (const query of queries) {
            const url = `${base}/${query}`;
            const answer = await h.get(url, resourceHeaders());
            expect([url, answer.status]).toEqual([url, 200]);
            expect(String(answer.headers['content-type'])).toMatch(/^application\/fhir\+json/);
            assertMedMijAnswer(json(answer), { url, patientRef: PATIENT });
            asked++;
          }
        }
        expect(asked).toBeGreaterThan(35);
      });

      test(`${convention}: the bare DocumentReference search lists every document of the patient, with relative Binary URLs that download`, async () => {
        const base = baseOf(h.zal.find((s) => s.id === '51')!.resourceEndpointUri);
        const bundle = json(await h.get(`${base}/DocumentReference`, resourceHeaders()));
        const entries = bundle['entry'] as Array<{ resource: { id: string; content: Array<{ attachment: { url: string } }> } }>;
        // No status filter: the superseded document is listed too; the other patient's is not.
        expect(entries.map((e) => e.resource.id).sort()).toEqual(['dr-1', 'dr-2']);
        const urls = entries.map((e) => e.resource.content[0]!.attachment.url).sort();
        expect(urls).toEqual(['Binary/pdf-1', 'Binary/pdf-2']);
        for (const relative of urls) {
          const id = relative.slice('Binary/'.length) as keyof typeof pdfs;
          // As the government PGO fetches it: the FHIR base + the relative URL, asking for FHIR JSON.
          const asResource = await h.get(`${base}/${relative}`, resourceHeaders());
          expect(asResource.status).toBe(200);
          expect(String(asResource.headers['content-type'])).toMatch(/^application\/fhir\+json/);
          const binary = json(asResource);
          expect(binary).toMatchObject({ resourceType: 'Binary', id, contentType: 'application/pdf' });
          expect(Buffer.from(String(binary['content']), 'base64').equals(pdfs[id])).toBe(true);
          // Without Accept: the document itself.
          const { accept: _accept, ...withoutAccept } = resourceHeaders();
          const raw = await h.get(`${base}/${relative}`, withoutAccept);
          expect(raw.status).toBe(200);
          expect(raw.headers['content-type']).toBe('application/pdf');
          expect(raw.body.equals(pdfs[id])).toBe(true);
          // Without the token: nothing of it (PDF/A scenario 2.5).
          const { authorization: _authorization, ...anonymous } = resourceHeaders();
          const refused = await h.get(`${base}/${relative}`, anonymous);
          expect(refused.status).toBe(401);
          expect(refused.body.includes(pdfs[id].subarray(0, 40))).toBe(false);
        }
        // The other patient's document is not served on this token, whatever the URL.
        expect((await h.get(`${base}/Binary/pdf-other`, resourceHeaders())).status).toBe(404);
      });
    }

    test('a path that is no configured base is 404 with an OperationOutcome, never 400', async () => {
      const node = h.gw.urls.node;
      const bgz = h.zal[0]!.resourceEndpointUri;
      const other = bgz.includes('/fhir/demoziekenhuis/') ? `${PUBLIC_NODE}/demoziekenhuis/48/fhir` : `${PUBLIC_NODE}/fhir/demoziekenhuis/48`;
      for (const url of [`${other}/Patient`, `${bgz.replace('/48', '/47')}/Patient`, `${node}/`, `${node}/demoziekenhuis`, `${node}/nope/Patient?x=|`]) {
        const answer = await h.get(url, resourceHeaders());
        expect([url, answer.status]).toEqual([url, 404]);
        expect(json(answer)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
      }
    });

    test('the CapabilityStatement and Bundle links name the base as registered in the ZAL', async () => {
      const bgz = h.zal[0]!.resourceEndpointUri;
      const metadata = await h.get(`${CONVENTIONS['government PGO (/fhir/ added unless the URI ends in /fhir)'](bgz)}/metadata`, { accept: MGO_ACCEPT });
      expect(metadata.status).toBe(200);
      expect(json(metadata)['resourceType']).toBe('CapabilityStatement');
      const bundle = json(await h.get(`${bgz}/Condition`, resourceHeaders()));
      const self = (bundle['link'] as Array<{ relation: string; url: string }>).find((l) => l.relation === 'self')!.url;
      expect(self.startsWith(`${bgz}/Condition`)).toBe(true);
      for (const e of bundle['entry'] as Array<{ fullUrl: string }>) expect(e.fullUrl.startsWith(`${bgz}/Condition/`)).toBe(true);
    });
  });
}

describeConfig('default endpoints (FHIR base ending in /fhir; OAuth endpoints per provider)', '{ tokenPath: "/{provider}/oauth/token", authorizationPath: "/{provider}/oauth/authorize" }');
describeConfig('FHIR base at /fhir/{provider}/{service} (not ending in /fhir)', '{ resourcePath: "/fhir/{provider}/{service}" }');

describe('the token request of MedMij 2.x', () => {
  let h: Harness;
  let compat: Harness;
  beforeAll(async () => {
    h = await startHarness('{}');
    compat = await startHarness('{}', 'oauth:\n  compatibility: { refreshCodeGrantType: true }');
  });
  afterAll(async () => {
    await Promise.all([h?.close(), compat?.close()]);
  });

  test('the ZAL token and authorization endpoints are the ones that answer', () => {
    expect(h.zal.every((s) => s.tokenEndpointUri === `${PUBLIC_NODE}/oauth/token` && s.authorizationEndpointUri === `${PUBLIC_PATIENT}/oauth/authorize`)).toBe(true);
  });

  test('long-term consent: the answer has MedMij\'s five fields; one-time consent: no refresh token', async () => {
    const long = await login(h, { longTerm: true });
    await long.session.close();
    expect(long.token.status).toBe(200);
    expect(Object.keys(long.token.json).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
    expect(long.token.json).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    const once = await login(h, { longTerm: false });
    await once.session.close();
    expect(Object.keys(once.token.json).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
  });

  test.each([
    ['MedMij-Request-ID', { 'x-correlation-id': crypto.randomUUID() }],
    ['X-Correlation-ID', { 'medmij-request-id': crypto.randomUUID() }],
  ])('a token request without %s is invalid_request, and the code stays unused', async (missing, headers) => {
    const session = new PgoSession(h.target);
    try {
      const url = buildAuthorizationUrl({ endpoint: `${h.gw.urls.patient}/oauth/authorize`, ...CLIENT, scope: 'demoziekenhuis', state: 's', requestId: crypto.randomUUID(), sessionId: crypto.randomUUID() });
      const back = await authorizeWithSimulator(session, url, { bsn: BSN, longTerm: false });
      const form = { grant_type: 'authorization_code', code: back.searchParams.get('code')!, client_id: CLIENT.clientId, redirect_uri: CLIENT.redirectUri };
      // PgoSession adds both ids by default; an empty value is the same as none (never a valid id).
      const refused = await session.token(form, { 'medmij-request-id': '', 'x-correlation-id': '', ...headers });
      expect(refused.status).toBe(400);
      expect(refused.json).toMatchObject({ error: 'invalid_request' });
      expect(String(refused.json['error_description'])).toContain(missing);
      expect(refused.json['access_token']).toBeUndefined();
      const accepted = await session.token(form);
      expect(accepted.status).toBe(200);
    } finally {
      await session.close();
    }
    const refusals = h.gw.audit.events.filter((e) => e.type === 'send_token_response' && e.reason === 'medmij_ids_missing');
    expect(refusals.length).toBeGreaterThan(0);
  });

  test('grant_type=refresh_code: refused by default; read as refresh_token with the switch on, rotating the refresh token', async () => {
    const plain = await login(h, { longTerm: true });
    const refusedAlias = await plain.session.token({ grant_type: 'refresh_code', refresh_token: String(plain.token.json['refresh_token']), client_id: CLIENT.clientId });
    await plain.session.close();
    expect(refusedAlias.status).toBe(400);
    expect(refusedAlias.json['error']).toBe('unsupported_grant_type');

    const { token, session } = await login(compat, { longTerm: true });
    try {
      const first = String(token.json['refresh_token']);
      const refreshed = await session.token({ grant_type: 'refresh_code', refresh_token: first, client_id: CLIENT.clientId });
      expect(refreshed.status).toBe(200);
      expect(Object.keys(refreshed.json).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
      expect(refreshed.json['refresh_token']).not.toBe(first);
      // The alias never bypasses the refresh token's own checks: the used one is spent.
      const replay = await session.token({ grant_type: 'refresh_code', refresh_token: first, client_id: CLIENT.clientId });
      expect(replay.status).toBe(400);
      expect(replay.json['error']).toBe('invalid_grant');
      // Nor does it make one out of a one-time consent.
      const once = await login(compat, { longTerm: false });
      await once.session.close();
      expect(once.token.json['refresh_token']).toBeUndefined();
    } finally {
      await session.close();
    }
  });
});
