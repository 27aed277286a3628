import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { authorizeUrl } from '../helpers/oauth.js';
import { rawRequest, type RawTarget } from './hostile-harness.js';

/**
 * Issue 9, finding 10: a 100 KB query or header got a bare connection reset. Now both listeners
 * answer 414 (request line too long) or 431 (header fields too large) over real TLS, and the
 * answer reaches a client that sends all of its 100 KB before reading. And one rule for the
 * MedMij trace headers: the same value is good, or refused, on every endpoint.
 */
let gw: TestGateway;
let node: RawTarget;
let patient: RawTarget;

beforeAll(async () => {
  gw = await startTestGateway();
  const ca = await readFile(gw.pki.caCert, 'utf8');
  node = { url: gw.urls.node, ca, cert: await readFile(gw.pki.pgoListedCert, 'utf8'), key: await readFile(gw.pki.pgoListedKey, 'utf8') };
  patient = { url: gw.urls.patient, ca };
});
afterAll(async () => {
  await gw?.close();
});

const BIG = 100_000;

describe('oversized requests get 414 / 431, not a reset', () => {
  it.each([
    ['node', () => node, '/fhir/demoziekenhuis/48/Patient'],
    ['patient', () => patient, '/oauth/authorize'],
  ])('%s interface: a 100 kB query → 414', async (_name, target, path) => {
    const answer = await rawRequest(target(), { path: `${path}?state=${'a'.repeat(BIG)}` });
    expect(answer.status).toBe(414);
    expect(answer.headers['connection']).toBe('close');
  });

  it.each([
    ['node', () => node, '/fhir/demoziekenhuis/48/metadata'],
    ['patient', () => patient, '/oauth/authorize'],
  ])('%s interface: a 100 kB header → 431', async (_name, target, path) => {
    const answer = await rawRequest(target(), { path, headers: [['X-Padding', 'b'.repeat(BIG)]] });
    expect(answer.status).toBe(431);
  });

  it('many header lines that add up past the limit → 431', async () => {
    const headers = Array.from({ length: 400 }, (_, i) => [`X-H${i}`, 'c'.repeat(100)] as const);
    const answer = await rawRequest(node, { path: '/fhir/demoziekenhuis/48/metadata', headers });
    expect(answer.status).toBe(431);
  });

  it('still serves ordinary requests on the same listener afterwards', async () => {
    const answer = await rawRequest(node, { path: '/fhir/demoziekenhuis/48/metadata' });
    expect(answer.status).toBe(200);
  });
});

describe('one validation of MedMij-Request-ID and X-Correlation-ID', () => {
  const long = 'x'.repeat(5000);
  const target = () => ({ patientUrl: gw.urls.patient, nodeUrl: gw.urls.node, ca: patient.ca!, clientCert: node.cert!, clientKey: node.key! });
  const authorize = (sessionId: string) => {
    const url = new URL(authorizeUrl(target(), { clientId: 'pgo.listed.test', redirectUri: 'https://pgo.listed.test/medmij/callback', scope: 'demoziekenhuis' }));
    url.searchParams.set('X-Correlation-ID', sessionId);
    return rawRequest(patient, { path: url.pathname + url.search });
  };

  it('FHIR: a UUID passes, a 5,000-character value and one with spaces are a 400 OperationOutcome', async () => {
    const ok = await rawRequest(node, { path: '/fhir/demoziekenhuis/48/metadata', headers: [['MedMij-Request-ID', crypto.randomUUID()]] });
    expect(ok.status).toBe(200);
    for (const bad of [long, 'has spaces in it']) {
      const refused = await rawRequest(node, { path: '/fhir/demoziekenhuis/48/Patient', headers: [['Authorization', 'Bearer x'.padEnd(30, 'y')], ['X-Correlation-ID', bad]] });
      expect(refused.status).toBe(400);
      expect(refused.body).toContain('OperationOutcome');
      expect(refused.body).not.toContain(bad);
    }
  });

  it('authorization endpoint: the same values are refused with invalid_request back to the PGO', async () => {
    const good = await authorize(crypto.randomUUID());
    expect(good.status).toBe(303);
    expect(new URL(good.headers['location']!, gw.urls.patient).pathname).toMatch(/^\/interaction\//);
    for (const bad of [long, 'has spaces in it']) {
      const refused = await authorize(bad);
      expect(refused.status).toBe(303);
      const back = new URL(refused.headers['location']!);
      expect(back.origin).toBe('https://pgo.listed.test');
      expect(back.searchParams.get('error')).toBe('invalid_request');
    }
  });
});
