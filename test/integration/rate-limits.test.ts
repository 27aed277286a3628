import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import https from 'node:https';
import { createClient } from 'redis';
import { listedPgoTarget, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { authorizeUrl, obtainToken, type TokenTarget } from '../helpers/oauth.js';
import { redisReachable, TEST_REDIS_URL } from '../helpers/redis.js';

/**
 * Issue 9, finding 4: 20,000 unauthenticated requests to /oauth/authorize each stored ~900 bytes
 * for 15 minutes (Redis 1.2 → 19.5 MB). Now the authorization endpoint is limited per address
 * and in total, the token endpoint and the FHIR API per PGO, counted in Redis (the shared one,
 * under a key prefix of this run); a refused request creates no interaction state and gets 429
 * with Retry-After and the IETF RateLimit header fields, in its protocol's shape.
 */
const PREFIX = `rl-test-${process.pid}-${Date.now()}:`;
const AUTHORIZE_PER_ADDRESS = 20;
const TOKEN_PER_CLIENT = 8;
const FHIR_PER_CLIENT = 25;
const FLOOD = 300;

let reachable = false;
let gw: TestGateway;
let target: TokenTarget;

beforeAll(async () => {
  reachable = await redisReachable();
  if (!reachable) {
    if (process.env['CI']) throw new Error(`Redis not reachable at ${TEST_REDIS_URL}`);
    process.stdout.write(`rate-limits.test.ts skipped: no Redis at ${TEST_REDIS_URL}\n`);
    return;
  }
  gw = await startTestGateway({
    storageYaml: `{ kind: redis, url: "${TEST_REDIS_URL}", keyPrefix: "${PREFIX}" }`,
    rateLimitsYaml: `{ windowSeconds: 300, authorizePerAddress: ${AUTHORIZE_PER_ADDRESS}, authorizeTotal: 100000, tokenPerClient: ${TOKEN_PER_CLIENT}, fhirPerClient: ${FHIR_PER_CLIENT} }`,
  });
  target = await listedPgoTarget(gw);
}, 30_000);

afterAll(async () => {
  await gw?.close();
  if (!reachable) return;
  const client = createClient({ url: TEST_REDIS_URL });
  await client.connect();
  for await (const keys of client.scanIterator({ MATCH: `${PREFIX}*`, COUNT: 500 })) {
    if (keys.length > 0) await client.del(keys);
  }
  await client.close();
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function get(url: string, o: { agent: https.Agent; localAddress?: string; headers?: Record<string, string> }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { agent: o.agent, ...(o.localAddress ? { localAddress: o.localAddress } : {}), headers: o.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
  });
}

async function countKeys(pattern: string): Promise<number> {
  const client = createClient({ url: TEST_REDIS_URL });
  await client.connect();
  let n = 0;
  for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: 1000 })) n += keys.length;
  await client.close();
  return n;
}

const maybe = (name: string, fn: () => Promise<void>, timeout?: number) =>
  it(name, async () => {
    if (!reachable) return;
    await fn();
  }, timeout);

const CLIENT = { clientId: 'pgo.listed.test', redirectUri: 'https://pgo.listed.test/medmij/callback', scope: 'demoziekenhuis' };

describe('rate limits in Redis', () => {
  maybe('authorization endpoint: one address gets its budget, then 429, and creates no more interactions; another address is still served', async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 8, ca: target.ca });
    try {
      const interactionsBefore = await countKeys(`${PREFIX}v:oidc:Interaction:*`);
      const statuses: number[] = [];
      let refused: Answer | undefined;
      for (let i = 0; i < FLOOD; i += 10) {
        const batch = await Promise.all(Array.from({ length: 10 }, () => get(authorizeUrl(target, CLIENT), { agent, localAddress: '127.0.0.2' })));
        for (const a of batch) {
          statuses.push(a.status);
          if (a.status === 429) refused ??= a;
        }
      }
      const interactionsAfter = await countKeys(`${PREFIX}v:oidc:Interaction:*`);
      const other = await get(authorizeUrl(target, CLIENT), { agent, localAddress: '127.0.0.1' });

      expect(statuses.filter((s) => s === 303)).toHaveLength(AUTHORIZE_PER_ADDRESS);
      expect(statuses.filter((s) => s === 429)).toHaveLength(FLOOD - AUTHORIZE_PER_ADDRESS);
      expect(Number(refused!.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused!.headers['ratelimit-policy']).toMatch(/"authorize";q=20;w=300/);
      expect(refused!.headers['ratelimit']).toMatch(/"authorize";r=0;t=\d+/);
      expect(refused!.body).toContain('Te veel verzoeken');
      expect(interactionsAfter - interactionsBefore).toBe(AUTHORIZE_PER_ADDRESS);
      expect(other.status).toBe(303);
      process.stdout.write(
        `[rate-limit] ${FLOOD} authorization requests from 127.0.0.2: ${AUTHORIZE_PER_ADDRESS} served, ${FLOOD - AUTHORIZE_PER_ADDRESS} answered 429; interactions stored ${interactionsAfter - interactionsBefore}; 127.0.0.1 still served (${other.status})\n`,
      );
    } finally {
      agent.destroy();
    }
  }, 60_000);

  maybe('FHIR API: per PGO, then a 429 OperationOutcome (throttled) with Retry-After and RateLimit', async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 4, ca: target.ca, cert: target.clientCert, key: target.clientKey });
    try {
      const answers: Answer[] = [];
      for (let i = 0; i < FHIR_PER_CLIENT + 5; i++) answers.push(await get(`${gw.urls.node}/fhir/demoziekenhuis/48/metadata`, { agent }));
      expect(answers.slice(0, FHIR_PER_CLIENT).every((a) => a.status === 200)).toBe(true);
      const last = answers.at(-1)!;
      expect(last.status).toBe(429);
      expect(last.headers['content-type']).toMatch(/^application\/fhir\+json/);
      expect(JSON.parse(last.body)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'throttled' }] });
      expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
      expect(last.headers['ratelimit']).toMatch(/"fhir";r=0;t=\d+/);
      expect(last.headers['ratelimit-policy']).toBe(`"fhir";q=${FHIR_PER_CLIENT};w=300`);
      expect(answers[0]!.headers['ratelimit']).toMatch(new RegExp(`"fhir";r=${FHIR_PER_CLIENT - 1};t=\\d+`));
    } finally {
      agent.destroy();
    }
  }, 60_000);

  maybe('token endpoint: per PGO, then 429 with an OAuth error object', async () => {
    // One real token first, inside the budget.
    const token = await obtainToken(target, { ...CLIENT, bsn: '999911120' });
    expect(typeof token.access_token).toBe('string');
    const agent = new https.Agent({ keepAlive: true, maxSockets: 2, ca: target.ca, cert: target.clientCert, key: target.clientKey });
    const post = () =>
      new Promise<Answer>((resolve, reject) => {
        const req = https.request(`${gw.urls.node}/oauth/token`, { method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        });
        req.on('error', reject);
        req.end('grant_type=authorization_code&code=nope&redirect_uri=https%3A%2F%2Fpgo.listed.test%2Fmedmij%2Fcallback&client_id=pgo.listed.test');
      });
    try {
      const answers: Answer[] = [];
      for (let i = 0; i < TOKEN_PER_CLIENT + 2; i++) answers.push(await post());
      const last = answers.at(-1)!;
      expect(last.status).toBe(429);
      expect(JSON.parse(last.body)).toMatchObject({ error: 'temporarily_unavailable' });
      expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
      expect(last.headers['ratelimit']).toMatch(/"token";r=0;t=\d+/);
      expect(answers.filter((a) => a.status === 400)).not.toHaveLength(0);
    } finally {
      agent.destroy();
    }
  }, 60_000);
});
