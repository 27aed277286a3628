import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import YAML from 'yaml';
import { DEFAULT_TEXTS, type Lang, type TextKey } from '../../gateway/oauth/pages/index.js';
import { chromiumAvailable, launchBrowser, runAxe } from '../helpers/browser.js';
import { authorizeUrl, FAILING_BSN, KNOWN_BSN, startOAuthTestEnv, UNKNOWN_BSN, type OAuthTestEnv } from '../helpers/oauth.js';

/**
 * Issue 16 "done when": every page and error page, in Dutch and English, on a desktop and a
 * phone, in real Chromium under the served CSP. The texts come from texts files given in the
 * test config (every sentence tagged, so the defaults cannot pass for them), plus one deployment
 * and one provider override; the branding from the same config. Each screen must show every
 * sentence of its texts, in order, placeholders filled; axe-core must find nothing; each screen
 * is saved under test-artifacts/pages/.
 */
const haveChromium = chromiumAvailable();
if (!haveChromium) console.warn('pages-walk.test.ts skipped: /usr/bin/chromium is not installed');
const suite = haveChromium ? describe : describe.skip;

const ARTIFACTS = path.join(process.cwd(), 'test-artifacts', 'pages');
const PRIMARY = '#6a1b9a';
const PRIVACY = 'https://zorg.example/privacy';
const CONTACT = 'https://zorg.example/contact';
const NAMES = { provider: 'Demo Ziekenhuis', pgo: 'Test PGO', phone: '088 123 45 67' };
const SERVICES = ['Basisgegevens Zorg', 'Medicatiegegevens'];
const ESCAPE_PROBE = '<script>alert("x")</script> & \'quotes\'';

/** The test's texts files: each sentence tagged with language and key (formatting keys as they are). */
function taggedTexts(lang: Lang): Record<TextKey, string> {
  const out = {} as Record<TextKey, string>;
  for (const [key, sentence] of Object.entries(DEFAULT_TEXTS[lang]) as Array<[TextKey, string]>) out[key] = key.startsWith('format.') ? sentence : `[${lang}:${key}] ${sentence}`;
  return out;
}
const FILES: Record<Lang, Record<TextKey, string>> = { nl: taggedTexts('nl'), en: taggedTexts('en') };
/** What the config layers on top: a deployment sentence full of markup, one provider sentence. */
const DEPLOYMENT = { nl: { 'landing.next': `[nl:deployment] ${ESCAPE_PROBE}` }, en: { 'landing.next': `[en:deployment] ${ESCAPE_PROBE}` } };
const PROVIDER = { nl: { 'home.start': '[nl:provider] Begin in je app bij {provider}.' }, en: { 'home.start': '[en:provider] Start in your app at {provider}.' } };

/** The sentence the Person must see: our own fill of the placeholders, not the gateway's code. */
function expected(lang: Lang, key: TextKey): string {
  const layered = (PROVIDER[lang] as Record<string, string>)[key] ?? (DEPLOYMENT[lang] as Record<string, string>)[key] ?? FILES[lang][key];
  const months = FILES[lang]['format.months'].replace('{count}', '6');
  const services = `${SERVICES[0]} ${FILES[lang]['format.and']} ${SERVICES[1]}`;
  return layered
    .replaceAll('{provider}', NAMES.provider)
    .replaceAll('{pgo}', NAMES.pgo)
    .replaceAll('{phone}', NAMES.phone)
    .replaceAll('{duration}', months)
    .replaceAll('{services}', services);
}

/** Every screen, its status and its sentences in reading order. */
const SCREENS: Record<string, { status: number; keys: readonly TextKey[]; extra?: readonly string[] }> = {
  home: { status: 200, keys: ['home.title', 'home.text', 'home.start'] },
  landing: { status: 200, keys: ['landing.title', 'landing.intro', 'landing.digid', 'landing.next', 'landing.login', 'landing.cancel'] },
  login: { status: 200, keys: ['login.title', 'login.simulatorNote', 'login.bsnLabel', 'login.bsnHint', 'login.submit', 'login.cancel'] },
  'login-invalid': { status: 400, keys: ['login.title', 'login.simulatorNote', 'login.bsnLabel', 'login.bsnHint', 'login.bsnInvalid', 'login.submit', 'login.cancel'] },
  consent: {
    status: 200,
    keys: ['consent.title', 'consent.question', 'consent.need', 'consent.servicesIntro', 'consent.once', 'consent.longTermLabel', 'consent.longTermHint', 'consent.allow', 'consent.deny', 'consent.explanationTitle', 'consent.privacy', 'consent.lapse', 'consent.again', 'consent.withdraw', 'consent.medmij', 'consent.secure'],
    extra: SERVICES,
  },
  answered: { status: 409, keys: ['answered.title', 'answered.text', 'answered.again'] },
  cancelled: { status: 200, keys: ['cancelled.title', 'cancelled.text', 'cancelled.again', 'cancelled.back'] },
  'not-available': { status: 404, keys: ['notAvailable.title', 'notAvailable.text', 'notAvailable.contact', 'notAvailable.back'] },
  expired: { status: 410, keys: ['expired.title', 'expired.text', 'expired.again'] },
  failure: { status: 502, keys: ['failure.title', 'failure.text', 'failure.call', 'failure.traceId', 'failure.sessionId', 'failure.back'] },
  'request-error': { status: 400, keys: ['requestError.title', 'requestError.text', 'requestError.again'] },
  forbidden: { status: 403, keys: ['forbidden.title', 'forbidden.text', 'forbidden.again'] },
};
/** On every screen: the frame (skip link, provider, language switch, footer links). */
const FRAME: readonly TextKey[] = ['page.skip', 'page.switchLanguage', 'page.privacy', 'page.contact'];

const DEVICES = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
} as const;

let env: OAuthTestEnv;
let browser: Browser;
let dir: string;

suite('the patient pages in Chromium: texts, branding, language, accessibility', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pages-walk-'));
    await mkdir(ARTIFACTS, { recursive: true });
    await writeFile(path.join(dir, 'nl.yaml'), YAML.stringify(FILES.nl));
    await writeFile(path.join(dir, 'en.yaml'), YAML.stringify(FILES.en));
    await writeFile(path.join(dir, 'logo.svg'), `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40"><rect width="120" height="40" fill="${PRIMARY}"/><text x="10" y="27" fill="#fff" font-size="20">DZ</text></svg>`);
    [env, browser] = await Promise.all([
      startOAuthTestEnv({
        pages: {
          textsFiles: { nl: path.join(dir, 'nl.yaml'), en: path.join(dir, 'en.yaml') },
          texts: DEPLOYMENT,
          providers: { demoziekenhuis: { texts: PROVIDER, branding: { primaryColour: PRIMARY, logoFile: path.join(dir, 'logo.svg'), privacyUrl: PRIVACY, contactUrl: CONTACT } } },
        },
      }),
      launchBrowser(),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await env?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe.each([
    ['nl', 'desktop'],
    ['en', 'desktop'],
    ['nl', 'phone'],
    ['en', 'phone'],
  ] as const)('%s on %s', (lang, device) => {
    const other: Lang = lang === 'nl' ? 'en' : 'nl';
    let context: BrowserContext;
    const pgoHits: string[] = [];

    beforeAll(async () => {
      // The browser prefers the OTHER language: the PGO's ui_locales must win over it.
      context = await browser.newContext({ ...DEVICES[device], ignoreHTTPSErrors: true, locale: other === 'nl' ? 'nl-NL' : 'en-GB' });
      await context.route(`https://${env.clientId}/**`, async (route) => {
        pgoHits.push(route.request().url());
        await route.fulfill({ status: 200, contentType: 'text/plain', body: 'PGO' });
      });
    });
    afterAll(async () => {
      await context?.close();
    });

    /** Checks one screen completely and saves its screenshot. */
    async function checkScreen(page: Page, name: keyof typeof SCREENS, response: Response | null, screenLang: Lang = lang): Promise<void> {
      const screen = SCREENS[name]!;
      if (response) expect({ name, status: response.status() }).toEqual({ name, status: screen.status });
      expect(await page.locator('html').getAttribute('lang')).toBe(screenLang);
      const text = (await page.locator('body').textContent()) ?? '';
      let at = -1;
      for (const key of screen.keys) {
        const sentence = expected(screenLang, key);
        const found = text.indexOf(sentence, at + 1);
        expect({ name, key, found: found >= 0, inOrder: found > at }).toEqual({ name, key, found: true, inOrder: true });
        at = found;
      }
      for (const s of screen.extra ?? []) expect(text).toContain(s);
      for (const key of FRAME) expect({ name, key, shown: text.includes(expected(screenLang, key)) }).toEqual({ name, key, shown: true });
      expect(text).not.toMatch(/\{[a-z]+\}/); // no placeholder left unfilled
      // Branding: logo with its alt text loaded under the CSP, the primary colour, the footer links.
      const logo = page.locator('header img.logo');
      expect(await logo.getAttribute('alt')).toBe(expected(screenLang, 'page.logoAlt'));
      expect(await logo.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
      expect(await page.locator('footer a').evaluateAll((links) => links.map((a) => (a as unknown as { href: string }).href))).toEqual([PRIVACY, CONTACT]);
      expect(await page.locator('header.brand').evaluate((h) => (globalThis as unknown as { getComputedStyle(e: unknown): { borderBottomColor: string } }).getComputedStyle(h).borderBottomColor)).toBe('rgb(106, 27, 154)');
      // The phone layout does not scroll sideways.
      const overflow = await page.evaluate(() => {
        const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
        return d.scrollWidth - d.clientWidth;
      });
      expect({ name, overflow }).toEqual({ name, overflow: 0 });
      expect({ name, violations: await runAxe(page) }).toEqual({ name, violations: [] });
      await page.screenshot({ path: path.join(ARTIFACTS, `${lang}-${device}-${name}.png`), fullPage: true });
    }

    const start = async (page: Page, extra: { sessionId?: string } = {}) => {
      const url = `${authorizeUrl(env.target, { clientId: env.clientId, redirectUri: env.redirectUri, ...extra })}&ui_locales=${lang}`;
      return page.goto(url);
    };
    const toLogin = async (page: Page) => {
      await start(page);
      await page.getByRole('link', { name: expected(lang, 'landing.login') }).click();
      await page.getByLabel(expected(lang, 'login.bsnLabel')).waitFor();
    };
    const submitBsn = async (page: Page, bsn: string) => {
      await page.getByLabel(expected(lang, 'login.bsnLabel')).fill(bsn);
      const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: expected(lang, 'login.submit'), exact: true }).click()]);
      await page.waitForLoadState();
      return response;
    };
    /** The status of the document now shown (after redirects). */
    const lastDocument = async (page: Page, action: () => Promise<unknown>) => {
      const [response] = await Promise.all([page.waitForResponse((r) => r.request().resourceType() === 'document' && r.status() !== 303), action()]);
      await page.waitForLoadState();
      return response;
    };

    it('home page, then landing → language switch → login → wrong BSN → consent → PGO → back button', async () => {
      const page = await context.newPage();
      const home = await page.goto(`${env.patientUrl}/?lang=${lang}`);
      await checkScreen(page, 'home', home);

      const landing = await start(page);
      await checkScreen(page, 'landing', landing);
      // The switch keeps the interaction: same uid, other language, and back again.
      const uid = new URL(page.url()).pathname;
      await page.getByRole('link', { name: expected(lang, 'page.switchLanguage') }).click();
      expect(new URL(page.url()).pathname).toBe(uid);
      expect(await page.locator('html').getAttribute('lang')).toBe(other);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(expected(other, 'landing.title'));
      await page.getByRole('link', { name: expected(other, 'page.switchLanguage') }).click();
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      // The deployment's sentence with markup is shown as text, never run.
      expect(await page.locator('main').textContent()).toContain(ESCAPE_PROBE);
      expect(await page.locator('main script').count()).toBe(0);

      await page.getByRole('link', { name: expected(lang, 'landing.login') }).click();
      await page.getByLabel(expected(lang, 'login.bsnLabel')).waitFor();
      await checkScreen(page, 'login', null);
      const wrong = await submitBsn(page, '123456789');
      await checkScreen(page, 'login-invalid', wrong);

      const consent = await lastDocument(page, () => submitBsn(page, KNOWN_BSN));
      await checkScreen(page, 'consent', consent);
      expect(await page.getByLabel(expected(lang, 'consent.longTermLabel')).isChecked()).toBe(false);
      await page.getByRole('button', { name: expected(lang, 'consent.allow') }).click();
      await page.waitForURL(`https://${env.clientId}/**`);
      expect(new URL(pgoHits.at(-1)!).searchParams.get('code')).toBeTruthy();

      // Back button: the consent page again, now answered.
      const [back] = await Promise.all([page.waitForResponse((r) => r.request().resourceType() === 'document'), page.goBack()]);
      await checkScreen(page, 'answered', back);
      await page.close();
    });

    it('cancel on the landing page → cancellation page → back to the PGO with access_denied', async () => {
      const page = await context.newPage();
      await start(page);
      const cancelled = await lastDocument(page, () => page.getByRole('button', { name: expected(lang, 'landing.cancel') }).click());
      await checkScreen(page, 'cancelled', cancelled);
      await page.getByRole('link', { name: expected(lang, 'cancelled.back') }).click();
      await page.waitForURL(`https://${env.clientId}/**`);
      expect(new URL(pgoHits.at(-1)!).searchParams.get('error')).toBe('access_denied');
      await page.close();
    });

    it('no data for this Person → not-available page → back to the PGO', async () => {
      const page = await context.newPage();
      await toLogin(page);
      const unavailable = await lastDocument(page, () => submitBsn(page, UNKNOWN_BSN));
      await checkScreen(page, 'not-available', unavailable);
      await page.getByRole('link', { name: expected(lang, 'notAvailable.back') }).click();
      await page.waitForURL(`https://${env.clientId}/**`);
      expect(new URL(pgoHits.at(-1)!).searchParams.get('error_description')).toBe('No such resources.');
      await page.close();
    });

    it('technical failure shows the trace id and session id', async () => {
      const page = await context.newPage();
      const sessionId = crypto.randomUUID();
      await start(page, { sessionId });
      await page.getByRole('link', { name: expected(lang, 'landing.login') }).click();
      const failed = await submitBsn(page, FAILING_BSN);
      await checkScreen(page, 'failure', failed);
      const ids = await page.locator('dd').allTextContents();
      const traceId = env.audit.events.find((e) => e.sessionId === sessionId)?.traceId;
      expect(ids).toEqual([traceId, sessionId]);
      // The client was checked, so the page offers the way back: access_denied "Authorization failed."
      await page.getByRole('link', { name: expected(lang, 'failure.back') }).click();
      await page.waitForURL(`https://${env.clientId}/**`);
      expect(new URL(pgoHits.at(-1)!).searchParams.get('error_description')).toBe('Authorization failed.');
      await page.close();
    });

    it('a tampered form gets the forbidden page; an unknown interaction the expired page; an untrusted client the request-error page', async () => {
      const page = await context.newPage();
      await toLogin(page);
      await page.locator('input[name=csrf]').first().evaluate((input) => ((input as unknown as { value: string }).value = 'tampered'));
      const forbidden = await submitBsn(page, KNOWN_BSN);
      await checkScreen(page, 'forbidden', forbidden);

      const expired = await page.goto(`${env.patientUrl}/interaction/AAAAAAAAAAAAAAAAAAAAA?lang=${lang}`);
      await checkScreen(page, 'expired', expired);

      const bad = await page.goto(`${authorizeUrl(env.target, { clientId: 'pgo.unknown.test', redirectUri: 'https://pgo.unknown.test/cb' })}&ui_locales=${lang}`);
      await checkScreen(page, 'request-error', bad);
      await page.close();
    });
  });
});
