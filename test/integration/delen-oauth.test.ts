import { randomUUID } from 'node:crypto';
import { SHARE_NOT_ACCEPTED } from '../../gateway/oauth/index.js';
import { authorizeWithSimulator, exchangeCode, hiddenFields, type HttpAnswer } from '../../gateway/pgo-client/index.js';
import { bloodPressureBatch, shareBloodPressure, DELEN_BSN, DELEN_CLIENT, DELEN_PATIENT, DELEN_SCOPE, startDelenGateway, UNKNOWN_DELEN_BSN, waitForAudit } from '../helpers/delen.js';
import type { TestGateway } from '../helpers/gateway.js';
import { authorizeUrl, HttpSession, type TokenTarget } from '../helpers/oauth.js';
import { readFile } from 'node:fs/promises';

/**
 * The OAuth side of Delen against the composed gateway, over real TLS (patient interface) and
 * two-sided TLS (token endpoint, FHIR): scope `demoziekenhuis~53`, the acceptance check in the
 * demo EHR, the Bevestigingsverklaring, a token without refresh token, and the POST of a batch.
 */
let gw: TestGateway;
let target: TokenTarget;

beforeAll(async () => {
  gw = await startDelenGateway();
  const [ca, clientCert, clientKey] = await Promise.all([readFile(gw.pki.caCert, 'utf8'), readFile(gw.pki.pgoListedCert, 'utf8'), readFile(gw.pki.pgoListedKey, 'utf8')]);
  target = { patientUrl: gw.urls.patient, nodeUrl: gw.urls.node, ca, clientCert, clientKey };
});
afterAll(() => gw.close());

const location = (a: HttpAnswer) => new URL(a.location!);

/** Authorization request up to the page after login (the confirmation page for a known patient). */
async function loginForShare(session: HttpSession, o: { bsn?: string; sessionId?: string; scope?: string } = {}): Promise<HttpAnswer> {
  const start = await session.get(authorizeUrl(target, { ...DELEN_CLIENT, scope: o.scope ?? DELEN_SCOPE, ...(o.sessionId ? { sessionId: o.sessionId } : {}) }));
  expect(start.status).toBe(303);
  const landing = await session.get(start.location!);
  expect(landing.status).toBe(200);
  const uid = /\/interaction\/([A-Za-z0-9_-]+)/.exec(start.location!)![1]!;
  const loginPage = await session.get(`/interaction/${uid}/login`);
  return session.postForm(`/interaction/${uid}/login`, { ...hiddenFields(loginPage.body), bsn: o.bsn ?? DELEN_BSN });
}

/** Follows the patient interface's redirects until one leaves it (the PGO's redirect_uri). */
async function backAtPgo(session: HttpSession, answer: HttpAnswer): Promise<URL> {
  let next = answer;
  for (let hop = 0; hop < 8; hop++) {
    const url = location(next);
    if (url.origin !== new URL(target.patientUrl).origin) return url;
    next = await session.get(url.href);
  }
  throw new Error('no redirect back to the PGO');
}

describe('Delen: authorization with the Bevestigingsverklaring', () => {
  it('logs in, checks acceptance, shows the confirmation page, issues a token without refresh token, and the batch is stored', async () => {
    const session = new HttpSession(target);
    const sessionId = randomUUID();
    try {
      const loggedIn = await loginForShare(session, { sessionId });
      expect(loggedIn.status).toBe(303);
      expect(location(loggedIn).pathname).toMatch(/^\/interaction\/[A-Za-z0-9_-]+\/confirm$/);
      const page = await session.get(loggedIn.location!);
      expect(page.status).toBe(200);
      // What will be sent, to whom: the service by its list name, the PGO and the care provider.
      expect(page.body).toContain('Je bevestigt dat Demo PGO jouw Zelfmetingen 2.0 mag delen met Demo Ziekenhuis.');
      // For this one run only: no long-term box exists on this page.
      expect(page.body).not.toContain('name="longTerm"');
      // Even a forged long-term field on the confirmation form changes nothing.
      const confirmed = await session.postForm(loggedIn.location!, { ...hiddenFields(page.body), decision: 'allow', longTerm: 'yes' });
      expect(confirmed.status).toBe(303);
      const back = await backAtPgo(session, confirmed);
      expect([...back.searchParams.keys()].sort()).toEqual(['code', 'state']);

      const raw = await session.token({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: DELEN_CLIENT.redirectUri, client_id: DELEN_CLIENT.clientId }, { 'x-correlation-id': sessionId });
      expect(raw.status).toBe(200);
      expect(Object.keys(raw.json).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
      expect(raw.json.scope).toBe(DELEN_SCOPE);
      const grant = await gw.gateway.verifier.verify(String(raw.json.access_token));
      expect(grant).toMatchObject({ patientRef: DELEN_PATIENT, serviceIds: ['53'], providerName: 'demoziekenhuis' });

      const posted = await shareBloodPressure(session, gw, String(raw.json.access_token), 127, sessionId);
      expect(posted.status).toBe(200);
      const bundle = JSON.parse(posted.body) as { type: string; entry: Array<{ response: { status: string } }> };
      expect(bundle.type).toBe('batch-response');
      expect(bundle.entry.map((e) => e.response.status)).toEqual(['200 OK', '201 Created']);

      // Every step of the run in the local audit trail, in order, for this session.
      await waitForAudit(gw.audit, (events) => events.some((e) => e.sessionId === sessionId && e.type === 'send_resource_response'));
      const steps = gw.audit.events.filter((e) => e.sessionId === sessionId).map((e) => e.type);
      // The OAuth steps exactly; then the resource request's pair, with whatever records the
      // write path keeps of its own (gateway/fhir/write) in between.
      expect(steps.slice(0, 9)).toEqual([
        'receive_authorization_request',
        'show_landing_page',
        'send_authentication_request',
        'receive_authentication_response',
        'share_acceptance_check',
        'show_confirmation_page',
        'send_authorization_response',
        'receive_token_request',
        'send_token_response',
      ]);
      expect(steps.slice(-2)).toEqual(['receive_resource_request', 'send_resource_response']);
      expect(steps.filter((t) => t.endsWith('_resource_request') || t.endsWith('_resource_response'))).toHaveLength(2);
      const acceptance = gw.audit.events.find((e) => e.sessionId === sessionId && e.type === 'share_acceptance_check')!;
      expect(acceptance).toMatchObject({ outcome: 'success', patientRef: DELEN_PATIENT });
      expect(JSON.stringify(gw.audit.events)).not.toContain(DELEN_BSN);
    } finally {
      await session.close();
    }
  });

  it('refuses an unknown patient at the acceptance check: access_denied with a description, audited', async () => {
    const session = new HttpSession(target);
    const sessionId = randomUUID();
    try {
      const back = await backAtPgo(session, await loginForShare(session, { bsn: UNKNOWN_DELEN_BSN, sessionId }));
      expect(back.searchParams.get('error')).toBe('access_denied');
      expect(back.searchParams.get('error_description')).toBe(SHARE_NOT_ACCEPTED);
      expect(back.searchParams.has('code')).toBe(false);
      const refusal = gw.audit.events.filter((e) => e.sessionId === sessionId && (e.type === 'share_acceptance_check' || e.type === 'send_authorization_request_error'));
      expect(refusal.map((e) => [e.type, e.outcome, e.reason])).toEqual([
        ['share_acceptance_check', 'refused', 'share_not_accepted'],
        ['send_authorization_request_error', 'refused', 'share_not_accepted'],
      ]);
      expect(gw.audit.events.some((e) => e.sessionId === sessionId && e.type === 'show_confirmation_page')).toBe(false);
    } finally {
      await session.close();
    }
  });

  it('ends in access_denied when the Person does not confirm', async () => {
    const session = new HttpSession(target);
    try {
      const back = await authorizeWithSimulator(session, authorizeUrl(target, { ...DELEN_CLIENT, scope: DELEN_SCOPE }), { bsn: DELEN_BSN, confirm: false });
      expect(back.searchParams.get('error')).toBe('access_denied');
      expect(back.searchParams.get('error_description')).toBe('Authorization denied.');
    } finally {
      await session.close();
    }
  });

  it('a cancel on the landing page says nothing was shared, then goes back with access_denied', async () => {
    const session = new HttpSession(target);
    try {
      const start = await session.get(authorizeUrl(target, { ...DELEN_CLIENT, scope: DELEN_SCOPE }));
      const landing = await session.get(start.location!);
      const uid = /\/interaction\/([A-Za-z0-9_-]+)/.exec(start.location!)![1]!;
      const cancelled = await session.postForm(`/interaction/${uid}/cancel`, hiddenFields(landing.body));
      const page = await session.get(cancelled.location!);
      expect(page.status).toBe(200);
      expect(page.body).toContain('Je hebt geen gegevens met Demo Ziekenhuis gedeeld.');
      const back = await backAtPgo(session, await session.get(`/interaction/${uid}/return`));
      expect(back.searchParams.get('error')).toBe('access_denied');
    } finally {
      await session.close();
    }
  });

  it('never lets a Delen flow through the consent form (whose long-term box would mean a refresh token)', async () => {
    const session = new HttpSession(target);
    try {
      const loggedIn = await loginForShare(session);
      const consentPath = loggedIn.location!.replace(/\/confirm(\?.*)?$/, '/consent');
      const page = await session.get(loggedIn.location!);
      const forged = await session.postForm(consentPath, { ...hiddenFields(page.body), decision: 'allow', longTerm: 'yes' });
      expect(forged.status).toBe(410);
      expect((await session.get(consentPath)).status).toBe(410);
    } finally {
      await session.close();
    }
  });

  it('takes Delen out of the bare provider scope: a Verzamelen token cannot POST to the Delen service', async () => {
    const session = new HttpSession(target);
    try {
      const back = await authorizeWithSimulator(session, authorizeUrl(target, { ...DELEN_CLIENT, scope: 'demoziekenhuis' }), { bsn: DELEN_BSN });
      const token = await exchangeCode(session, { code: back.searchParams.get('code')!, redirectUri: DELEN_CLIENT.redirectUri, clientId: DELEN_CLIENT.clientId, sessionId: randomUUID() });
      expect(token.scope).toBe('demoziekenhuis');
      expect((await gw.gateway.verifier.verify(token.access_token))?.serviceIds).toEqual(['48']);
      const posted = await session.nodePost(`${gw.urls.node}/fhir/demoziekenhuis/53`, JSON.stringify(bloodPressureBatch(120)), {
        authorization: `Bearer ${token.access_token}`,
        'content-type': 'application/fhir+json',
        'medmij-request-id': randomUUID(),
        'x-correlation-id': randomUUID(),
      });
      expect(posted.status).toBe(403);
    } finally {
      await session.close();
    }
  });

  it('refuses a scope that mixes the Delen service with another: invalid_scope back at the PGO', async () => {
    const session = new HttpSession(target);
    try {
      const start = await session.get(authorizeUrl(target, { ...DELEN_CLIENT, scope: 'demoziekenhuis~53 demoziekenhuis~48' }));
      const back = location(start);
      expect(back.origin).toBe('https://pgo.listed.test');
      expect(back.searchParams.get('error')).toBe('invalid_scope');
    } finally {
      await session.close();
    }
  });
});
