import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumAvailable, launchBrowser, runAxe } from '../helpers/browser.js';
import { authorizeUrl, HttpSession, KNOWN_BSN, KNOWN_PATIENT_REF, startOAuthTestEnv, type OAuthTestEnv } from '../helpers/oauth.js';

const haveChromium = chromiumAvailable();
if (!haveChromium) console.warn('oauth-browser.test.ts skipped: /usr/bin/chromium is not installed');
const suite = haveChromium ? describe : describe.skip;

suite('the Person in a real browser', () => {
  let env: OAuthTestEnv;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pgoHits: string[] = [];

  beforeAll(async () => {
    [env, browser] = await Promise.all([startOAuthTestEnv(), launchBrowser()]);
    // The test CA is not in Chromium's store; the TLS itself is real.
    context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'nl-NL' });
    page = await context.newPage();
    // The PGO's redirect URI: answer it here instead of resolving a test host name.
    await context.route(`https://${env.clientId}/**`, async (route) => {
      pgoHits.push(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/plain', body: 'PGO' });
    });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await env?.close();
  });

  it('goes from landing page via login and consent to a token, with accessible pages under a strict CSP', async () => {
    const landing = await page.goto(authorizeUrl(env.target, { clientId: env.clientId, redirectUri: env.redirectUri, state: 'browser-state' }));
    const csp = landing!.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(await page.locator('html').getAttribute('lang')).toBe('nl');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Je gaat naar Demo Ziekenhuis');
    expect(await runAxe(page)).toEqual([]);

    // Keyboard: the first Tab reaches the skip link.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { className: string } | null } }).document.activeElement?.className)).toBe('skip');

    await page.getByRole('link', { name: 'Inloggen met DigiD' }).click();
    await page.getByLabel('BSN').waitFor();
    expect(await runAxe(page)).toEqual([]);
    await page.getByLabel('BSN').fill(KNOWN_BSN);
    await page.getByRole('button', { name: 'Inloggen' }).click();

    await page.getByRole('button', { name: 'Ja, ik geef toestemming' }).waitFor();
    expect(await runAxe(page)).toEqual([]);
    const main = await page.locator('main').textContent();
    expect(main).toContain('Test PGO');
    expect(main).toContain('Demo Ziekenhuis');
    expect(main).toContain('Basisgegevens Zorg');
    expect(main).toContain('Medicatiegegevens');
    const longTerm = page.getByLabel('Ik geef toestemming voor onbepaalde tijd');
    expect(await longTerm.isChecked()).toBe(false);
    await longTerm.check();
    await page.getByRole('button', { name: 'Ja, ik geef toestemming' }).click();
    await page.waitForURL(`https://${env.clientId}/**`);

    const back = new URL(pgoHits.at(-1)!);
    expect([...back.searchParams.keys()].sort()).toEqual(['code', 'state']);
    expect(back.searchParams.get('state')).toBe('browser-state');

    const session = new HttpSession(env.target);
    const res = await session.token({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: env.redirectUri, client_id: env.clientId });
    await session.close();
    expect(res.status).toBe(200);
    expect(typeof res.json.refresh_token).toBe('string');
    expect((await env.server.verifier.verify(String(res.json.access_token)))?.patientRef).toBe(KNOWN_PATIENT_REF);
  });

  it('axe reports violations when there are some (the check can fail)', async () => {
    const scratch = await context.newPage();
    await scratch.setContent('<html><body><input type="text"><img src="x.png"></body></html>');
    const ids = (await runAxe(scratch)).map((v) => v.id);
    await scratch.close();
    expect(ids).toEqual(expect.arrayContaining(['html-has-lang', 'image-alt', 'label']));
  });

  it('shows the pages in English on request, and accessible error pages', async () => {
    await page.goto(`${authorizeUrl(env.target, { clientId: env.clientId, redirectUri: env.redirectUri })}&lang=en`);
    const url = new URL(page.url());
    await page.goto(`${url.origin}${url.pathname}?lang=en`);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('You are going to Demo Ziekenhuis');
    expect(await runAxe(page)).toEqual([]);

    // Untrusted client: our own error page, no redirect.
    const bad = await page.goto(authorizeUrl(env.target, { clientId: 'pgo.unknown.test', redirectUri: 'https://pgo.unknown.test/cb' }));
    expect(bad!.status()).toBe(400);
    expect(await runAxe(page)).toEqual([]);

    // An interaction this browser does not have: the "session expired" page, 410.
    const expired = await page.goto(`${env.patientUrl}/interaction/not-a-live-interaction`);
    expect(expired!.status()).toBe(410);
    expect(await runAxe(page)).toEqual([]);
  });
});
