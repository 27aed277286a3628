import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'undici';
import { authorizeWithSimulator, buildAuthorizationUrl, createPkcePair, createState, exchangeCode, PgoSession, type PgoTarget } from '../../gateway/pgo-client/index.js';
import { DEV_LISTED_HOST } from '../../gateway/pki/index.js';
import type { TestGateway } from '../helpers/gateway.js';
import { median, percentile } from './report.js';

export interface TokenGrantOptions {
  /** Authorization codes to prepare through the real flow (untimed). */
  readonly codes: number;
  /** Flows run side by side while preparing. */
  readonly prepareConcurrency: number;
  /**
   * Preparation stops after this long even when fewer codes are ready: codes live at most 60 s
   * (digest §2.6, oauth.authorizationCodeTtlSeconds), so the first ones must still be valid when
   * the timed exchanges start.
   */
  readonly prepareBudgetMs: number;
  /** Token requests in flight at once over keep-alive mTLS connections. */
  readonly concurrency: number;
  /** The exchanges stop after this long even when codes are left. */
  readonly exchangeBudgetMs: number;
}

export interface TokenGrantResult {
  readonly prepared: number;
  readonly prepareSeconds: number;
  readonly grants: number;
  readonly seconds: number;
  readonly grantsPerSecond: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly meanMs: number;
}

/** The demo EHR's patient for development logins (adapters/demo DEMO_PATIENTS). */
export const BENCH_BSN = '999911120';
/** oauth.authorizationCodeTtlSeconds default (digest §2.6: at most 60 s). */
const CODE_LIFETIME_MS = 60_000;
export const BENCH_REDIRECT_URI = `https://${DEV_LISTED_HOST}/medmij/callback`;

/** The care provider of the test gateway's config: MedMij 2.x scope is the bare provider name. */
const BENCH_SCOPE = 'demoziekenhuis';

/** Where the listed PGO reaches the composed gateway, with its TLS material from the run's dev PKI. */
export async function pgoTarget(gw: TestGateway): Promise<PgoTarget> {
  return pgoTargetOf({ ...gw.urls, pki: gw.pki });
}

/**
 * Code exchanges per second at the token endpoint of the composed gateway (whatever storage it was
 * started with; `npm run bench` gives it Redis). Codes come from the real flow (prepareCode), one
 * browser stand-in per code; only the exchanges are timed, over
 * `concurrency` keep-alive mTLS connections opened before the clock starts.
 */
export async function benchTokenGrants(gw: TestGateway, opts: TokenGrantOptions): Promise<TokenGrantResult> {
  const target = await pgoTarget(gw);
  const prepStart = performance.now();
  const codes = await prepareCodes(target, opts);
  const prepareSeconds = (performance.now() - prepStart) / 1000;
  if (codes.length === 0) throw new Error('token grants: no authorization code could be prepared in time');

  const agent = new Agent({
    connections: opts.concurrency,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    connect: { ca: target.ca, cert: target.clientCert, key: target.clientKey },
  });
  try {
    // Open the connections first: the figure is grants, not TLS handshakes (those are bench 1).
    await Promise.all(
      Array.from({ length: opts.concurrency }, async () => {
        const res = await request(`${target.nodeUrl}/fhir/demoziekenhuis/48/metadata`, { dispatcher: agent });
        await res.body.dump();
      }),
    );

    const latencies: number[] = [];
    let next = 0;
    // Stop before the oldest code could expire: an expired code would be an error, not a grant.
    const deadline = Math.min(performance.now() + opts.exchangeBudgetMs, prepStart + CODE_LIFETIME_MS - 5000);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: opts.concurrency }, async () => {
        while (performance.now() < deadline) {
          const code = codes[next++];
          if (code === undefined) return;
          const t0 = performance.now();
          await exchange(agent, target, code);
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return {
      prepared: codes.length,
      prepareSeconds,
      grants: latencies.length,
      seconds,
      grantsPerSecond: latencies.length / seconds,
      p50Ms: median(latencies),
      p95Ms: percentile(latencies, 95),
      meanMs: latencies.reduce((a, b) => a + b, 0) / latencies.length,
    };
  } finally {
    await agent.close();
  }
}

/** An authorization code ready to be exchanged, with what the exchange must repeat. */
export interface PreparedCode {
  readonly code: string;
  readonly codeVerifier: string;
  readonly sessionId: string;
}

/**
 * One authorization through the gateway's own pages with the reference PGO client (gateway/pgo-client):
 * authorization request with PKCE → landing → DigiD simulator (BSN) → consent → redirect with code.
 * A fresh cookie jar per code: MedMij asks for a DigiD login on every authorization.
 */
export async function prepareCode(target: PgoTarget, bsn: string = BENCH_BSN): Promise<PreparedCode> {
  const session = new PgoSession(target, { timeoutMs: 10_000 });
  const pkce = createPkcePair();
  const sessionId = randomUUID();
  try {
    const url = buildAuthorizationUrl({
      endpoint: `${target.patientUrl}/oauth/authorize`,
      clientId: DEV_LISTED_HOST,
      redirectUri: BENCH_REDIRECT_URI,
      scope: BENCH_SCOPE,
      state: createState(),
      requestId: randomUUID(),
      sessionId,
      codeChallenge: pkce.challenge,
    });
    const back = await authorizeWithSimulator(session, url, { bsn });
    const code = back.searchParams.get('code');
    if (!code) throw new Error(`token grants: the redirect back to the PGO carries no code (${back.searchParams.get('error') ?? 'no error'})`);
    return { code, codeVerifier: pkce.verifier, sessionId };
  } finally {
    await session.close();
  }
}

/** An access token for `bsn` through the real flow: authorize → DigiD simulator → consent → code exchange. */
export async function accessTokenFor(target: PgoTarget, bsn: string = BENCH_BSN): Promise<{ accessToken: string; sessionId: string }> {
  const prepared = await prepareCode(target, bsn);
  const session = new PgoSession(target, { timeoutMs: 10_000 });
  try {
    const token = await exchangeCode(session, { code: prepared.code, codeVerifier: prepared.codeVerifier, redirectUri: BENCH_REDIRECT_URI, clientId: DEV_LISTED_HOST, sessionId: prepared.sessionId });
    return { accessToken: token.access_token, sessionId: prepared.sessionId };
  } finally {
    await session.close();
  }
}

/** Where the listed PGO reaches a gateway process, with the TLS material of its dev PKI. */
export async function pgoTargetOf(gw: { readonly node: string; readonly patient: string; readonly pki: TestGateway['pki'] }): Promise<PgoTarget> {
  const [ca, clientCert, clientKey] = await Promise.all([readFile(gw.pki.caCert, 'utf8'), readFile(gw.pki.pgoListedCert, 'utf8'), readFile(gw.pki.pgoListedKey, 'utf8')]);
  return { patientUrl: gw.patient, nodeUrl: gw.node, ca, clientCert, clientKey };
}

async function prepareCodes(target: PgoTarget, opts: TokenGrantOptions): Promise<PreparedCode[]> {
  const codes: PreparedCode[] = [];
  const deadline = performance.now() + opts.prepareBudgetMs;
  let started = 0;
  await Promise.all(
    Array.from({ length: opts.prepareConcurrency }, async () => {
      while (started < opts.codes && performance.now() < deadline) {
        started++;
        codes.push(await prepareCode(target));
      }
    }),
  );
  return codes;
}

async function exchange(agent: Agent, target: PgoTarget, prepared: PreparedCode): Promise<void> {
  const res = await request(`${target.nodeUrl}/oauth/token`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'medmij-request-id': randomUUID(), 'x-correlation-id': prepared.sessionId },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: prepared.code,
      redirect_uri: BENCH_REDIRECT_URI,
      client_id: DEV_LISTED_HOST,
      code_verifier: prepared.codeVerifier,
    }).toString(),
  });
  const text = await res.body.text();
  // A failed grant is not a fast grant: stop rather than report a rate of errors. Only the error
  // code is shown, never the body (it could carry a token).
  if (res.statusCode !== 200) throw new Error(`token grants: status ${res.statusCode} (${errorCode(text)})`);
  const json = JSON.parse(text) as { access_token?: unknown };
  if (typeof json.access_token !== 'string' || json.access_token.length === 0) throw new Error('token grants: 200 without an access_token');
}

function errorCode(text: string): string {
  try {
    const e = (JSON.parse(text) as { error?: unknown }).error;
    return typeof e === 'string' ? e : 'no error code';
  } catch {
    return 'not JSON';
  }
}
