import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SHARE_NOT_ACCEPTED } from '../../gateway/oauth/index.js';
import { chromiumAvailable, launchBrowser, runAxe } from '../helpers/browser.js';
import { shareBloodPressure, DELEN_BSN, DELEN_CLIENT, DELEN_PATIENT, DELEN_SCOPE, startDelenGateway, UNKNOWN_DELEN_BSN } from '../helpers/delen.js';
import type { TestGateway } from '../helpers/gateway.js';
import { authorizeUrl, HttpSession, type TokenTarget } from '../helpers/oauth.js';

const haveChromium = chromiumAvailable();
if (!haveChromium) console.warn('delen-browser.test.ts skipped: /usr/bin/chromium is not installed');
const suite = haveChromium ? describe : describe.skip;

/** What each language must show on the way (the built-in texts of gateway/oauth/pages/texts). */
const LANGUAGES = {
  nl: {
    locale: 'nl-NL',
    landing: 'Je gaat naar Demo Ziekenhuis',
    landingShare: 'Je wilt met Demo PGO jouw gegevens delen met Demo Ziekenhuis.',
    login: 'Inloggen met DigiD',
    submit: 'Inloggen',
    title: 'Bevestig je dat je deze gegevens deelt?',
    statement: 'Je bevestigt dat Demo PGO jouw Zelfmetingen 2.0 mag delen met Demo Ziekenhuis. Demo Ziekenhuis kijkt of die gegevens in je dossier komen.',
    once: 'Je bevestiging geldt één keer: alleen voor het delen van nu.',
    record: 'Demo Ziekenhuis beslist zelf of het de gegevens die je deelt in je dossier opneemt.',
    allow: 'Ja, ik bevestig',
    deny: 'Nee, niet delen',
  },
  en: {
    locale: 'en-GB',
    landing: 'You are going to Demo Ziekenhuis',
    landingShare: 'You want to use Demo PGO to share your data with Demo Ziekenhuis.',
    login: 'Log in with DigiD',
    submit: 'Log in',
    title: 'Do you confirm that you share this data?',
    statement: 'You confirm that Demo PGO may share your Zelfmetingen 2.0 with Demo Ziekenhuis. Demo Ziekenhuis decides whether that data goes into your record.',
    once: 'Your confirmation counts once: only for sharing the data now.',
    record: 'Demo Ziekenhuis decides itself whether it adds the data you share to your record.',
    allow: 'Yes, I confirm',
    deny: 'No, do not share',
  },
} as const;
type Lang = keyof typeof LANGUAGES;

/**
 * The whole Delen flow in Chromium against the composed gateway: the Person's pages over TLS in
 * the browser, the PGO's code exchange and POST over two-sided TLS with its client certificate.
 */
suite('Delen in a real browser', () => {
  let gw: TestGateway;
  let target: TokenTarget;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pgoHits: string[] = [];

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startDelenGateway(), launchBrowser()]);
    const [ca, clientCert, clientKey] = await Promise.all([readFile(gw.pki.caCert, 'utf8'), readFile(gw.pki.pgoListedCert, 'utf8'), readFile(gw.pki.pgoListedKey, 'utf8')]);
    target = { patientUrl: gw.urls.patient, nodeUrl: gw.urls.node, ca, clientCert, clientKey };
  });

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await gw?.close();
  });

  /** A fresh browser in the language; the PGO's redirect URI is answered here, not resolved. */
  async function pageIn(lang: Lang): Promise<Page> {
    // The test CA is not in Chromium's store; the TLS itself is real.
    const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: LANGUAGES[lang].locale });
    contexts.push(context);
    await context.route(`https://${DELEN_CLIENT.clientId}/**`, async (route) => {
      pgoHits.push(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/plain', body: 'PGO' });
    });
    return context.newPage();
  }

  /** Authorization request → landing → DigiD simulator, in the browser. */
  async function logIn(page: Page, lang: Lang, bsn: string, state: string): Promise<void> {
    const t = LANGUAGES[lang];
    await page.goto(authorizeUrl(target, { ...DELEN_CLIENT, scope: DELEN_SCOPE, state }));
    expect(await page.locator('html').getAttribute('lang')).toBe(lang);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(t.landing);
    expect(await page.locator('main').textContent()).toContain(t.landingShare);
    await page.getByRole('link', { name: t.login }).click();
    await page.getByLabel('BSN').fill(bsn);
    await page.getByRole('button', { name: t.submit, exact: true }).click();
  }

  async function backAtPgo(page: Page, state: string): Promise<URL> {
    await page.waitForURL(`https://${DELEN_CLIENT.clientId}/**`);
    const hit = pgoHits.map((h) => new URL(h)).find((u) => u.searchParams.get('state') === state);
    if (!hit) throw new Error('the PGO was not reached with this state');
    return hit;
  }

  it.each(['nl', 'en'] as const)('%s: authorize → login → acceptance → confirmation → code → token without refresh_token → POST → 200 batch-response', async (lang) => {
    const t = LANGUAGES[lang];
    const page = await pageIn(lang);
    const state = `delen-${lang}-${randomUUID()}`;
    await logIn(page, lang, DELEN_BSN, state);

    await page.getByRole('button', { name: t.allow }).waitFor();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(t.title);
    const main = (await page.locator('main').textContent()) ?? '';
    for (const sentence of [t.statement, t.once, t.record, 'Zelfmetingen 2.0']) expect(main).toContain(sentence);
    // No long-term option on this page: the confirmation holds for this one run only.
    expect(await page.locator('input[type="checkbox"]').count()).toBe(0);
    expect(await runAxe(page)).toEqual([]);
    await page.getByRole('button', { name: t.allow }).click();

    const back = await backAtPgo(page, state);
    expect([...back.searchParams.keys()].sort()).toEqual(['code', 'state']);

    const session = new HttpSession(target);
    try {
      const sessionId = randomUUID();
      const token = await session.token({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: DELEN_CLIENT.redirectUri, client_id: DELEN_CLIENT.clientId }, { 'x-correlation-id': sessionId });
      expect(token.status).toBe(200);
      expect(token.json).toMatchObject({ token_type: 'Bearer', scope: DELEN_SCOPE });
      expect(token.json).not.toHaveProperty('refresh_token');
      expect((await gw.gateway.verifier.verify(String(token.json.access_token)))?.patientRef).toBe(DELEN_PATIENT);

      const posted = await shareBloodPressure(session, gw, String(token.json.access_token), lang === 'nl' ? 131 : 132, sessionId);
      expect(posted.status).toBe(200);
      const bundle = JSON.parse(posted.body) as { resourceType: string; type: string; entry: Array<{ response: { status: string }; resource?: { subject?: { reference?: string } } }> };
      expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'batch-response' });
      expect(bundle.entry.map((e) => e.response.status)).toEqual(['200 OK', '201 Created']);
      expect(bundle.entry[1]!.resource?.subject?.reference).toBe(`Patient/${DELEN_PATIENT}`);
    } finally {
      await session.close();
    }
  });

  it('cancel on the confirmation page ends in access_denied at the PGO, without a code', async () => {
    const page = await pageIn('nl');
    const state = `delen-cancel-${randomUUID()}`;
    await logIn(page, 'nl', DELEN_BSN, state);
    await page.getByRole('button', { name: LANGUAGES.nl.deny }).click();
    const back = await backAtPgo(page, state);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.has('code')).toBe(false);
  });

  it('an unknown patient is refused at the acceptance check: access_denied with its description, no confirmation page', async () => {
    const page = await pageIn('en');
    const state = `delen-unknown-${randomUUID()}`;
    await logIn(page, 'en', UNKNOWN_DELEN_BSN, state);
    const back = await backAtPgo(page, state);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_description')).toBe(SHARE_NOT_ACCEPTED);
    expect(back.searchParams.has('code')).toBe(false);
  });
});
