import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchBrowser } from '../helpers/browser.js';
import { authorizeUrl, csrfOf, HttpSession, KNOWN_BSN, startOAuthTestEnv, type OAuthTestEnv } from '../helpers/oauth.js';

/**
 * Issue 9 item 9: every state-changing form (login, consent, cancel) needs the interaction's CSRF
 * token and our Origin. Each forged post below carries the victim's real interaction cookie, so
 * only these two checks stand between it and the flow; each must be refused with the 403 page,
 * audited with its reason, and leave the flow where it was.
 */
let env: OAuthTestEnv;
beforeAll(async () => {
  env = await startOAuthTestEnv();
});
afterAll(async () => {
  await env?.close();
});

async function startFlow(): Promise<{ session: HttpSession; ix: string; csrf: string; sessionId: string }> {
  const session = new HttpSession(env.target);
  const sessionId = crypto.randomUUID();
  const start = await session.get(authorizeUrl(env.target, { clientId: env.clientId, redirectUri: env.redirectUri, sessionId }));
  expect(start.status).toBe(303);
  return { session, ix: start.location!, csrf: await csrfOf(session, start.location!), sessionId };
}

const refusals = (sessionId: string) => env.audit.events.filter((e) => e.sessionId === sessionId && e.type === 'interaction_form_refused').map((e) => e.reason);

describe('forged form posts over real HTTPS', () => {
  it.each([
    ['another origin', { origin: 'https://evil.example' }, true, 'origin_mismatch'],
    ['Origin: null (a sandboxed or data: page)', { origin: 'null' }, true, 'origin_mismatch'],
    ['no Origin and no Sec-Fetch-Site', { origin: '' }, true, 'origin_missing'],
    ['a cross-site Sec-Fetch-Site without Origin', { origin: '', 'sec-fetch-site': 'cross-site' }, true, 'origin_missing'],
    ['our origin but no token', {}, false, 'csrf_missing'],
  ] as const)('login with %s → 403, EHR not asked', async (_name, headers, withToken, reason) => {
    const { session, ix, csrf, sessionId } = await startFlow();
    const before = env.availabilityCalls.length;
    // HttpSession sends our origin like a browser would; an origin of '' means "send none".
    const sent = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, k === 'origin' && v === '' ? (undefined as unknown as string) : v]));
    const res = await session.postForm(`${ix}/login`, { ...(withToken ? { csrf } : {}), bsn: KNOWN_BSN }, sent);
    expect(res.status).toBe(403);
    expect(res.body).toContain('Dit formulier nemen we niet aan');
    expect(res.location).toBeUndefined();
    expect(env.availabilityCalls.length).toBe(before);
    expect(refusals(sessionId)).toEqual([reason]);
    await session.close();
  });

  it('a wrong token on consent issues no code, and the real form still works afterwards', async () => {
    const { session, ix, csrf, sessionId } = await startFlow();
    const login = await session.postForm(`${ix}/login`, { csrf, bsn: KNOWN_BSN });
    expect(login.location).toMatch(/\/consent/);
    const forged = await session.postForm(login.location!, { csrf: csrf.slice(0, -2) + 'xx', decision: 'allow', longTerm: 'yes' });
    expect(forged.status).toBe(403);
    expect(refusals(sessionId)).toEqual(['csrf_mismatch']);
    expect(env.audit.events.some((e) => e.sessionId === sessionId && e.type === 'send_authorization_response')).toBe(false);
    const real = await session.postForm(login.location!, { csrf, decision: 'allow' });
    expect(real.status).toBe(303);
    await session.close();
  });

  it('a forged cancel does not cancel: the landing page stays', async () => {
    const { session, ix, sessionId } = await startFlow();
    const forged = await session.postForm(`${ix}/cancel`, { csrf: 'guessed' });
    expect(forged.status).toBe(403);
    expect(refusals(sessionId)).toEqual(['csrf_mismatch']);
    expect(env.audit.events.some((e) => e.sessionId === sessionId && e.type === 'send_authorization_cancellation')).toBe(false);
    expect((await session.get(ix)).status).toBe(200);
    await session.close();
  });
});

const haveChromium = chromiumAvailable();
if (!haveChromium) console.warn('oauth-csrf.test.ts (browser part) skipped: /usr/bin/chromium is not installed');
(haveChromium ? describe : describe.skip)('a cross-origin page in Chromium', () => {
  let browser: Browser;
  let attacker: https.Server;
  let attackerUrl: string;
  let attackPage = '';

  beforeAll(async () => {
    browser = await launchBrowser();
    // Same site (127.0.0.1), other origin (port): SameSite=Lax cookies DO travel with its posts,
    // so only the Origin check and the token can stop them.
    attacker = https.createServer({ key: env.pki.gateway.key, cert: env.pki.gateway.cert }, (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(attackPage));
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
    attackerUrl = `https://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await browser?.close();
    attacker?.closeAllConnections();
    await new Promise((r) => attacker?.close(r));
  });

  it('refuses its consent post even when it knows the token', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'nl-NL' });
    await context.route(`https://${env.clientId}/**`, (route) => route.fulfill({ status: 200, body: 'PGO' }));
    const page = await context.newPage();
    const sessionId = crypto.randomUUID();
    await page.goto(authorizeUrl(env.target, { clientId: env.clientId, redirectUri: env.redirectUri, sessionId }));
    const csrf = await page.locator('input[name=csrf]').first().getAttribute('value');
    await page.getByRole('link', { name: 'Inloggen met DigiD' }).click();
    await page.getByLabel('BSN').fill(KNOWN_BSN);
    await page.getByRole('button', { name: 'Inloggen' }).click();
    await page.getByRole('button', { name: 'Ja, ik geef toestemming' }).waitFor();
    const consentAction = new URL(page.url());

    attackPage = `<!DOCTYPE html><html lang="en"><title>win a prize</title><form method="post" action="${consentAction.origin}${consentAction.pathname}"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="decision" value="allow"><input type="hidden" name="longTerm" value="yes"><button>Claim</button></form></html>`;
    await page.goto(attackerUrl);
    const [answer] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Claim' }).click()]);
    expect(answer!.status()).toBe(403);
    expect(refusals(sessionId)).toEqual(['origin_mismatch']);
    expect(env.audit.events.some((e) => e.sessionId === sessionId && e.type === 'send_authorization_response')).toBe(false);
    await context.close();
  });
});
