import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createLogger } from '../../gateway/observability/logger.js';
import { listedPgoTarget, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { authorizeUrl, HttpSession, obtainToken, type TokenTarget } from '../helpers/oauth.js';
import { redisServerAvailable, startOwnRedis, type OwnRedis } from '../helpers/own-redis.js';
import { rawRequest } from './hostile-harness.js';

/**
 * Issue 9, finding 8: with Redis down the token endpoint answered 500 `server_error` and FHIR
 * answered (and logged) `adapter_unavailable`, blaming the EHR for the gateway's own store. Here
 * the test stops ITS OWN Redis (own port, own folder) under a running gateway: the token endpoint
 * answers 503 `temporarily_unavailable` with Retry-After, FHIR a 503 OperationOutcome, the pages
 * a 503 page, and the log says storage, never adapter.
 */
const available = redisServerAvailable();
if (!available) process.stdout.write('storage-outage.test.ts skipped: redis-server is not installed\n');
const suite = available ? describe : describe.skip;

suite('a storage outage under a running gateway', () => {
  let redis: OwnRedis;
  let gw: TestGateway;
  let target: TokenTarget;
  const logLines: string[] = [];

  beforeAll(async () => {
    redis = await startOwnRedis({ persist: false });
    const destination = new Writable({
      write(chunk, _enc, done) {
        logLines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    gw = await startTestGateway({
      storageYaml: `{ kind: redis, url: "${redis.url}", keyPrefix: "outage-${process.pid}:", connectTimeoutMs: 2000, commandTimeoutMs: 500 }`,
      log: createLogger({ level: 'info', destination }),
    });
    target = await listedPgoTarget(gw);
  }, 30_000);
  afterAll(async () => {
    await gw?.close();
    await redis?.close();
  });

  it('answers 503 on every interface and logs storage, not the EHR', async () => {
    const flow = { clientId: 'pgo.listed.test', redirectUri: 'https://pgo.listed.test/medmij/callback', scope: 'demoziekenhuis', longTerm: true, bsn: '999911120' };
    const token = await obtainToken(target, flow);
    const search = () =>
      rawRequest(
        { url: gw.urls.node, ca: target.ca, cert: target.clientCert, key: target.clientKey },
        { path: '/fhir/demoziekenhuis/48/Patient', headers: [['Authorization', `Bearer ${token.access_token}`], ['Accept', 'application/fhir+json']] },
      );
    expect((await search()).status).toBe(200);

    await redis.stop();
    logLines.length = 0;

    const session = new HttpSession(target);
    try {
      const refreshed = await session.token({ grant_type: 'refresh_token', refresh_token: token.refresh_token!, client_id: flow.clientId });
      expect(refreshed.status).toBe(503);
      expect(refreshed.json.error).toBe('temporarily_unavailable');
      expect(refreshed.headers['retry-after']).toBe('5');

      const fhir = await search();
      expect(fhir.status).toBe(503);
      expect(fhir.headers['retry-after']).toBe('5');
      const outcome = JSON.parse(fhir.body) as { resourceType: string; issue: Array<{ code: string }> };
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue[0]!.code).toBe('transient');
      expect(fhir.body).not.toMatch(/source system/);

      const page = await session.get(authorizeUrl(target, flow));
      expect(page.status).toBe(503);
    } finally {
      await session.close();
    }

    const log = logLines.join('\n');
    expect(log).toContain('"reason":"storage_unavailable"');
    expect(log).not.toContain('adapter_unavailable');
    const audit = gw.audit.events.filter((e) => e.type === 'send_token_response').at(-1);
    expect(audit).toMatchObject({ outcome: 'failure', reason: 'storage_unavailable', status: 503 });
  }, 30_000);
});
