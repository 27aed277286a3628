import type { HttpAnswer, PgoSession } from './pgo-session.js';
import { PgoFlowError } from './pgo-flow-error.js';

export interface SimulatorLogin {
  /** Entered in the DigiD simulator's form; never logged or printed. */
  readonly bsn: string;
  /** Ticks "voor onbepaalde tijd" on the consent page (a refresh token follows). */
  readonly longTerm?: boolean;
  /** Delen: the answer on the Bevestigingsverklaring (default: confirm). */
  readonly confirm?: boolean;
}

const MAX_HOPS = 12;

/**
 * Drives the gateway's own pages the way a Person's browser would (digest §2.4): authorization
 * request → landing page → DigiD simulator login with the BSN → consent "Toestaan" (or, for Delen,
 * the Bevestigingsverklaring) → the redirect back to the PGO. Links and form actions are taken from the pages themselves. Returns the URL the
 * gateway finally redirects to outside its patient interface: the redirect_uri with `code` and
 * `state`, or with `error` and `error_description` when the flow ended in an OAuth error.
 */
export async function authorizeWithSimulator(session: PgoSession, authorizationUrl: string, login: SimulatorLogin): Promise<URL> {
  const patientOrigin = new URL(session.target.patientUrl).origin;
  const leaves = (a: HttpAnswer) => a.location !== undefined && new URL(a.location).origin !== patientOrigin;

  const start = await session.get(authorizationUrl);
  if (isRedirect(start) && leaves(start)) return new URL(start.location!);
  if (!isRedirect(start)) throw refused('the authorization request', start);

  const landing = await session.get(start.location!);
  expect(landing, 200, 'the landing page');
  const loginHref = findLink(landing.body, /\/interaction\/[A-Za-z0-9_-]+\/login(\?[^"]*)?$/);
  if (!loginHref) throw new PgoFlowError('the landing page has no login link: is this a MedMij gateway?');

  const loginPage = await session.get(loginHref);
  if (isRedirect(loginPage)) throw new PgoFlowError('this gateway logs in through a real identity provider, not the DigiD simulator: run without --bsn and log in with a browser');
  expect(loginPage, 200, 'the DigiD simulator login page');
  const loginAction = findFormAction(loginPage.body, /\/login(\?[^"]*)?$/);
  if (!loginAction) throw new PgoFlowError('the login page has no DigiD simulator form');

  const loggedIn = await session.postForm(loginAction, { ...hiddenFields(loginPage.body), bsn: login.bsn });
  if (loggedIn.status === 400) throw new PgoFlowError('the DigiD simulator did not accept the BSN: it must be 9 digits and pass the eleven test');
  if (!isRedirect(loggedIn)) throw refused('the login', loggedIn);

  let next = loggedIn;
  if (/\/consent(\?|$)/.test(new URL(next.location!).pathname + new URL(next.location!).search)) {
    const consentPage = await session.get(next.location!);
    expect(consentPage, 200, 'the consent page');
    const consentAction = findFormAction(consentPage.body, /\/consent(\?[^"]*)?$/);
    if (!consentAction || !/name="decision" value="allow"/.test(consentPage.body)) throw new PgoFlowError('the consent page has no "Toestaan" button');
    next = await session.postForm(consentAction, { ...hiddenFields(consentPage.body), decision: 'allow', ...(login.longTerm ? { longTerm: 'yes' } : {}) });
    if (!isRedirect(next)) throw refused('the consent', next);
  }

  // Delen: the Bevestigingsverklaring instead of the consent page; confirmed for this run only.
  if (/\/confirm(\?|$)/.test(new URL(next.location!).pathname + new URL(next.location!).search)) {
    const confirmPage = await session.get(next.location!);
    expect(confirmPage, 200, 'the confirmation page');
    const confirmAction = findFormAction(confirmPage.body, /\/confirm(\?[^"]*)?$/);
    if (!confirmAction || !/name="decision" value="allow"/.test(confirmPage.body)) throw new PgoFlowError('the confirmation page has no "confirm" button');
    next = await session.postForm(confirmAction, { ...hiddenFields(confirmPage.body), decision: login.confirm === false ? 'deny' : 'allow' });
    if (!isRedirect(next)) throw refused('the confirmation', next);
  }

  // Nothing to collect for this Person here: the page offers the way back to the PGO.
  if (/\/unavailable(\?|$)/.test(new URL(next.location!).pathname + new URL(next.location!).search)) {
    const page = await session.get(next.location!);
    const back = findLink(page.body, /\/interaction\/[A-Za-z0-9_-]+\/return$/);
    if (!back) throw refused('the not-available page', page);
    next = await session.get(back);
  }

  // oidc-provider resumes the authorization (one or two hops on the patient interface), then
  // redirects to the PGO's redirect_uri.
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    if (leaves(next)) return new URL(next.location!);
    next = await session.get(next.location!);
    if (!isRedirect(next)) throw refused('the end of the authorization', next);
  }
  throw new PgoFlowError('the gateway kept redirecting without returning to the PGO');
}

function isRedirect(a: HttpAnswer): boolean {
  return a.status >= 300 && a.status < 400 && a.location !== undefined;
}

function expect(a: HttpAnswer, status: number, what: string): void {
  if (a.status !== status) throw refused(what, a);
}

/** A gateway error page: its heading says what went wrong (never the BSN: the pages do not echo it). */
function refused(what: string, a: HttpAnswer): PgoFlowError {
  const heading = /<h1[^>]*>([^<]{1,200})<\/h1>/.exec(a.body)?.[1]?.trim();
  const detail = heading ? `: "${decodeEntities(heading)}"` : '';
  const hint = a.status === 400 && what === 'the authorization request' ? ' (check --client-id and --redirect-uri against the OAuth client list, and --provider)' : '';
  const technical = a.status === 502 ? ' (the care provider system failed)' : '';
  return new PgoFlowError(`the gateway refused ${what} with HTTP ${a.status}${detail}${technical}${hint}`);
}

/** The hidden inputs of a page's forms (the gateway's CSRF token), as a browser would submit them. */
export function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input\b[^>]*\btype="hidden"[^>]*>/g)) {
    const name = /\bname="([^"]+)"/.exec(m[0])?.[1];
    const value = /\bvalue="([^"]*)"/.exec(m[0])?.[1];
    if (name !== undefined && value !== undefined) fields[decodeEntities(name)] = decodeEntities(value);
  }
  return fields;
}

function findLink(html: string, path: RegExp): string | undefined {
  for (const m of html.matchAll(/<a\b[^>]*\bhref="([^"]+)"/g)) {
    const href = decodeEntities(m[1] ?? '');
    if (path.test(href)) return href;
  }
  return undefined;
}

function findFormAction(html: string, path: RegExp): string | undefined {
  for (const m of html.matchAll(/<form\b[^>]*\baction="([^"]+)"/g)) {
    const action = decodeEntities(m[1] ?? '');
    if (path.test(action)) return action;
  }
  return undefined;
}

function decodeEntities(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
