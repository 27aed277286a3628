import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { authorizeUrl, HttpSession, obtainToken, type TokenTarget } from '../helpers/oauth.js';
import { expectNoLeak, expectOutcome, rawRequest, type RawTarget } from './hostile-harness.js';
import { redisReachable, TEST_REDIS_URL } from '../helpers/redis.js';

/**
 * A careless operator: Redis goes away under a running gateway (a loopback proxy in front of the
 * real Redis, closed mid-test). Readiness must go 503, and every request that needs storage must
 * be refused at once with a proper error, never hang, never let through, never a stack trace.
 * Also: no listener answers with Express's default pages, whatever the method or path.
 */
const REDIS = new URL(TEST_REDIS_URL);
const CLIENT = { clientId: 'pgo.listed.test', redirectUri: 'https://pgo.listed.test/medmij/callback', scope: 'demoziekenhuis', bsn: '999911120' };


/** A TCP proxy to Redis that can be cut: closes the listener and every open link. */
async function startProxy(): Promise<{ port: number; cut(): Promise<void> }> {
  const links = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(REDIS.port || 6379), REDIS.hostname);
    links.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => (client.destroy(), upstream.destroy());
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    async cut() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of links) s.destroy();
      await closed;
    },
  };
}

const reachable = await redisReachable();
if (!reachable) console.warn(`Skipping the Redis outage probes: no Redis reachable at ${REDIS.href}`);

(reachable ? describe : describe.skip)('Redis goes away under a running gateway', () => {
  let gw: TestGateway;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let node: RawTarget;
  let target: TokenTarget;
  let token: string;

  beforeAll(async () => {
    proxy = await startProxy();
    gw = await startTestGateway({
      storageYaml: `{ kind: redis, url: "redis://127.0.0.1:${proxy.port}", keyPrefix: "gw-hostile-${process.pid}:", connectTimeoutMs: 2000, commandTimeoutMs: 500 }`,
    });
    const ca = await readFile(gw.pki.caCert, 'utf8');
    const cert = await readFile(gw.pki.pgoListedCert, 'utf8');
    const key = await readFile(gw.pki.pgoListedKey, 'utf8');
    node = { url: gw.urls.node, ca, cert, key };
    target = { patientUrl: gw.urls.patient, nodeUrl: gw.urls.node, ca, clientCert: cert, clientKey: key };
    token = (await obtainToken(target, CLIENT)).access_token;
  });

  afterAll(async () => {
    await proxy?.cut();
    await gw?.close();
  });

  test('with Redis: ready, and the token reads', async () => {
    expect((await fetch(`${gw.urls.operations}/ready`)).status).toBe(200);
    const answer = await rawRequest(node, { path: '/fhir/demoziekenhuis/48/Condition', headers: [['Authorization', `Bearer ${token}`]] });
    expect(answer.status).toBe(200);
  });

  describe('after the cut', () => {
    let pending: HttpSession | undefined;
    let interaction: string | undefined;

    beforeAll(async () => {
      // An interaction started before the outage, to be continued during it.
      pending = new HttpSession(target);
      const start = await pending.get(authorizeUrl(target, CLIENT));
      interaction = start.location;
      await proxy.cut();
    });
    afterAll(async () => {
      await pending?.close();
    });

    test('/ready answers 503 naming the storage check', async () => {
      const started = Date.now();
      const ready = await fetch(`${gw.urls.operations}/ready`);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { checks: Array<{ name: string; ok: boolean }> };
      expect(body.checks.find((c) => c.name === 'storage')?.ok).toBe(false);
      expect(Date.now() - started).toBeLessThan(3000);
    });

    test('a valid token is refused, not let through: 503 OperationOutcome, within the command deadline', async () => {
      const started = Date.now();
      const answer = await rawRequest(node, { path: '/fhir/demoziekenhuis/48/Condition', headers: [['Authorization', `Bearer ${token}`]] });
      expect(Date.now() - started).toBeLessThan(3000);
      expectOutcome(answer, 503);
      expect(answer.body).not.toContain('"Bundle"');
      expect(answer.body).not.toMatch(/GW_ERR|redis|ECONNREFUSED/i);
    });

    test('the token endpoint answers an OAuth error object, no stack', async () => {
      const answer = await rawRequest(node, {
        method: 'POST',
        path: '/oauth/token',
        headers: [['Content-Type', 'application/x-www-form-urlencoded'], ['MedMij-Request-ID', crypto.randomUUID()], ['X-Correlation-ID', crypto.randomUUID()]],
        body: 'grant_type=authorization_code&code=abc&redirect_uri=https%3A%2F%2Fpgo.listed.test%2Fmedmij%2Fcallback&client_id=pgo.listed.test',
      });
      expectNoLeak(answer);
      // Issue 9, finding 8: a storage outage is "try again later", not a server error.
      expect(answer.status).toBe(503);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(answer.body)).toMatchObject({ error: 'temporarily_unavailable' });
      expect(answer.body).not.toMatch(/redis|ECONN|GW_ERR/i);
    });

    test('a new authorization request and a pending interaction get the gateway error page, no stack', async () => {
      const fresh = await rawRequest({ url: gw.urls.patient, ca: target.ca }, { path: new URL(authorizeUrl(target, CLIENT)).pathname + new URL(authorizeUrl(target, CLIENT)).search });
      expectNoLeak(fresh);
      expect(fresh.status).toBeGreaterThanOrEqual(500);
      expect(fresh.headers['location']).toBeUndefined();
      expect(fresh.body).not.toMatch(/redis|ECONN|GW_ERR/i);

      expect(interaction).toMatch(/\/interaction\//);
      const landing = await pending!.get(interaction!);
      expectNoLeak({ status: landing.status, headers: {}, body: landing.body });
      expect(landing.status).toBeGreaterThanOrEqual(500);
      expect(landing.headers['content-type']).toMatch(/^text\/html/);
      expect(landing.body).not.toMatch(/redis|ECONN|GW_ERR/i);
    });
  });
});

describe('no listener answers with Express defaults', () => {
  let gw: TestGateway;
  let ca: string;
  let node: RawTarget;
  beforeAll(async () => {
    gw = await startTestGateway();
    ca = await readFile(gw.pki.caCert, 'utf8');
    node = { url: gw.urls.node, ca, cert: await readFile(gw.pki.pgoListedCert, 'utf8'), key: await readFile(gw.pki.pgoListedKey, 'utf8') };
  });
  afterAll(async () => {
    await gw?.close();
  });

  const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE'];
  const patientPaths = ['/oauth/authorize', '/oauth/authorize/%zz', '/interaction/AAAAAAAAAAAAAAAAAAAAA/login', '/.well-known/oauth-authorization-server', '/nope', '/%zz'];
  const nodePaths = ['/oauth/token', '/oauth/token/%zz', '/nope', '/%zz', '/fhir/%zz/48/Condition'];

  test.each(methods.flatMap((m) => patientPaths.map((p) => [m, p] as const)))('patient interface: %s %s', async (method, path) => {
    const answer = await rawRequest({ url: gw.urls.patient, ca }, { method, path, ...(method === 'GET' || method === 'OPTIONS' || method === 'TRACE' ? {} : { body: '' }) });
    expectNoLeak(answer);
    expect(answer.status).not.toBe(500);
    if (method === 'OPTIONS' || method === 'TRACE' || method === 'PUT' || method === 'DELETE' || method === 'PATCH') {
      expect(answer.status).toBe(405);
      expect(answer.headers['allow']).toBe('GET, HEAD, POST');
    }
  });

  test.each(methods.flatMap((m) => nodePaths.map((p) => [m, p] as const)))('node interface: %s %s', async (method, path) => {
    const answer = await rawRequest(node, { method, path, ...(method === 'GET' || method === 'OPTIONS' || method === 'TRACE' ? {} : { body: '' }) });
    expectNoLeak(answer);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    if (path === '/oauth/token' && method !== 'POST') {
      expect(answer.status).toBe(405);
      expect(JSON.parse(answer.body)).toMatchObject({ error: 'invalid_request' });
    }
  });

  test.each(methods)('operations listener: %s on /ready, /health and an unknown path', async (method) => {
    for (const path of ['/ready', '/health', '/nope', '/%zz']) {
      const res = await fetch(`${gw.urls.operations}${path}`, { method: method === 'TRACE' ? 'GET' : method, ...(method === 'POST' || method === 'PUT' || method === 'PATCH' ? { body: 'x' } : {}) });
      const body = await res.text();
      expectNoLeak({ status: res.status, headers: {}, body });
      expect(res.status).not.toBe(500);
      if (method !== 'GET' && method !== 'TRACE') expect(res.status).toBe(405);
    }
  });
});
