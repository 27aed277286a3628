import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { Agent, request } from 'undici';
import YAML from 'yaml';
import { authorizeWithSimulator, buildAuthorizationUrl, createPkcePair, createState, exchangeCode, PgoSession } from '../../gateway/pgo-client/index.js';
import { generateDevPki, type DevPkiFiles } from '../../gateway/pki/index.js';
import { fromProjectRoot } from '../../gateway/project-root.js';
import { MAIN_JS, ensureBuilt } from '../helpers/built-dist.js';
import {
  freePort,
  missingBinary,
  primaryPortSeenBy,
  redisCommand,
  SENTINEL_MASTER,
  startHaproxy,
  startRedis,
  startSentinel,
  waitFor,
  type Proc,
} from '../helpers/ha-processes.js';

/**
 * Production shape on one machine: three gateway processes (`node dist/gateway/main.js`, as the
 * image runs them) behind HAProxy in TCP mode, sharing Redis (a primary and a replica) behind
 * three Sentinels, all on loopback, all started here. Proves that the state a MedMij flow needs
 * lives in Redis, not in a process: authorize on one replica, token on another, FHIR on a third;
 * a replica killed under load costs only the requests in flight on it; a Redis failover is
 * refused cleanly while it lasts, then served again, with the long-term consent intact.
 */
const NEEDED = ['redis-server', 'redis-sentinel', 'haproxy'];
const missing = missingBinary(NEEDED);
const BSN = '999911120';
const CLIENT = { clientId: 'pgo.listed.test', redirectUri: 'https://pgo.listed.test/medmij/callback', scope: 'demoziekenhuis' };

interface Replica extends Proc {
  readonly nodePort: number;
  readonly patientPort: number;
  readonly opsPort: number;
  /** JSON log lines (stdout) so far. */
  logLines(): string[];
}

let dir: string;
let pki: DevPkiFiles;
let tlsPem: { ca: string; cert: string; key: string };
const procs: Proc[] = [];
let primary: Proc;
let replicaRedis: Proc;
let sentinels: Proc[] = [];
let gateways: Replica[] = [];
let front: { patient: number; node: number };

async function startGateway(name: string, base: Record<string, any>): Promise<Replica> {
  const [nodePort, patientPort, opsPort] = [await freePort(), await freePort(), await freePort()];
  const doc = structuredClone(base);
  doc.listeners.node = { ...doc.listeners.node, host: '127.0.0.1', port: nodePort };
  doc.listeners.patient = { ...doc.listeners.patient, host: '127.0.0.1', port: patientPort };
  doc.operations = { host: '127.0.0.1', port: opsPort, metrics: true };
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, YAML.stringify(doc));
  const child = spawn(process.execPath, [MAIN_JS, file], { cwd: fromProjectRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(sig);
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  };
  const replica: Replica = {
    name,
    port: nodePort,
    nodePort,
    patientPort,
    opsPort,
    child,
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
    output: () => out + err,
    logLines: () => out.split('\n').filter((l) => l.startsWith('{')),
  };
  await waitFor(`${name} banner`, async () => {
    if (child.exitCode !== null) throw new Error(`${name} exited:\n${out}${err}`);
    return out.includes('MedMij gateway running');
  }, 60_000).catch((e: unknown) => {
    throw new Error(`${String(e)}\n${out}\n${err}`);
  });
  return replica;
}

/** A FHIR GET with the MedMij headers over the given agent; network errors come back as status 0. */
async function fhirGet(agent: Agent, nodeUrl: string, token: string, query = 'Patient'): Promise<{ status: number; body: string; error?: string }> {
  try {
    const res = await request(`${nodeUrl}/demoziekenhuis/48/fhir/${query}`, {
      dispatcher: agent,
      headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json', 'medmij-request-id': randomUUID(), 'x-correlation-id': randomUUID() },
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.statusCode, body: await res.body.text() };
  } catch (error) {
    return { status: 0, body: '', error: (error as { code?: string }).code ?? (error as Error).name };
  }
}

const nodeUrlOf = (port: number) => `https://localhost:${port}`;

/**
 * The browser part of the flow through the HAProxy patient front (its hops may land on any
 * replica); returns what the PGO server needs for the token request.
 */
async function authorizeCode(longTerm: boolean) {
  const session = new PgoSession({ patientUrl: `https://localhost:${front.patient}`, nodeUrl: nodeUrlOf(front.node), ca: tlsPem.ca, clientCert: tlsPem.cert, clientKey: tlsPem.key });
  const pkce = createPkcePair();
  const sessionId = randomUUID();
  const url = buildAuthorizationUrl({
    endpoint: `https://localhost:${front.patient}/oauth/authorize`,
    clientId: CLIENT.clientId,
    redirectUri: CLIENT.redirectUri,
    scope: CLIENT.scope,
    state: createState(),
    requestId: randomUUID(),
    sessionId,
    codeChallenge: pkce.challenge,
  });
  try {
    const back = await authorizeWithSimulator(session, url, { bsn: BSN, longTerm });
    const code = back.searchParams.get('code');
    if (!code) throw new Error(`no code: ${back.searchParams.get('error')}`);
    return { session, code, verifier: pkce.verifier, sessionId };
  } catch (error) {
    await session.close();
    throw error;
  }
}

async function exchangeAt(flow: Awaited<ReturnType<typeof authorizeCode>>, nodePort: number) {
  return exchangeCode(flow.session, { code: flow.code, redirectUri: CLIENT.redirectUri, clientId: CLIENT.clientId, codeVerifier: flow.verifier, sessionId: flow.sessionId, tokenEndpoint: `${nodeUrlOf(nodePort)}/oauth/token` });
}

/** The replicas whose request log (since `from`) names the route; waits a moment for async log writes. */
async function servedBy(route: string, from: readonly number[]): Promise<string[]> {
  const hit = () => gateways.filter((g, i) => g.logLines().slice(from[i]).some((l) => l.includes(`"route":"${route}"`))).map((g) => g.name);
  await waitFor(`a log line for ${route}`, async () => hit().length > 0, 5000).catch(() => undefined);
  return hit();
}

const describeHa = missing === undefined ? describe : describe.skip;
if (missing !== undefined) console.warn(`Skipping the high-availability tests: ${missing} is not installed (apt-get install haproxy redis-sentinel redis-server)`);

describeHa('three replicas behind HAProxy, Redis behind Sentinel', () => {
  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(path.join(os.tmpdir(), 'medmij-ha-'));
    pki = await generateDevPki(path.join(dir, 'certs'));
    tlsPem = { ca: await readFile(pki.caCert, 'utf8'), cert: await readFile(pki.pgoListedCert, 'utf8'), key: await readFile(pki.pgoListedKey, 'utf8') };

    primary = await startRedis(dir, 'redis-a');
    replicaRedis = await startRedis(dir, 'redis-b', { replicaOf: primary.port });
    procs.push(primary, replicaRedis);
    await waitFor('replication', async () => (await redisCommand(replicaRedis.port, ['INFO', 'replication'])).includes('master_link_status:up'), 15_000);
    sentinels = [];
    for (const n of [1, 2, 3]) sentinels.push(await startSentinel(dir, `sentinel-${n}`, primary.port));
    procs.push(...sentinels);
    // A failover needs the sentinels to know the replica and each other.
    await waitFor('sentinels see the replica and each other', async () => {
      const info = await redisCommand(sentinels[0]!.port, ['SENTINEL', 'master', SENTINEL_MASTER]);
      const field = (name: string) => Number(new RegExp(`${name}\\r\\n:?\\$?\\d*\\r?\\n?(\\d+)`).exec(info)?.[1] ?? 0);
      return field('num-slaves') >= 1 && field('num-other-sentinels') >= 2;
    }, 30_000);

    const [patientFront, nodeFront] = [await freePort(), await freePort()];
    front = { patient: patientFront, node: nodeFront };
    const base = YAML.parse(await readFile(fromProjectRoot('config', 'gateway.yaml'), 'utf8')) as Record<string, any>;
    for (const list of Object.values(base.lists as Record<string, { source: string }>)) list.source = path.resolve(fromProjectRoot('config'), list.source);
    base.listeners.node = { publicUrl: `https://localhost:${nodeFront}` };
    base.listeners.patient = { publicUrl: `https://localhost:${patientFront}` };
    base.tls = { ...base.tls, certFile: pki.gatewayCert, keyFile: pki.gatewayKey, clientCaFile: pki.caCert, generateDevCertificates: false };
    base.storage = {
      kind: 'redis',
      sentinel: { masterName: SENTINEL_MASTER, nodes: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })) },
      keyPrefix: `ha-${process.pid}:`,
      connectTimeoutMs: 5000,
      commandTimeoutMs: 1000,
    };
    // One set of cookie keys for all replicas: an interaction begun on one continues on another.
    base.oauth = { ...(base.oauth ?? {}), cookieKeys: [randomBytes(24).toString('base64url')] };
    base.logging = { level: 'info', audit: 'stderr' };
    // These tests are about failover, not about rate limits: six clients asking as fast as they can
    // for 8 s pass the default 6000 FHIR requests per client per minute, and 429s (counted in the
    // shared Redis, so they carry over into the failover test) would hide what is being checked.
    base.rateLimits = { ...(base.rateLimits ?? {}), fhirPerClient: 1_000_000, tokenPerClient: 100_000 };

    gateways = [];
    for (const n of [1, 2, 3]) gateways.push(await startGateway(`gateway-${n}`, base));
    procs.push(...gateways);
    const started = await startHaproxy(dir, [
      { name: 'patient', port: patientFront, backends: gateways.map((g) => ({ name: g.name, port: g.patientPort, readyPort: g.opsPort })) },
      { name: 'node', port: nodeFront, backends: gateways.map((g) => ({ name: g.name, port: g.nodePort, readyPort: g.opsPort })) },
    ]);
    procs.push(started.proc);
    expect(started.ports).toEqual({ patient: patientFront, node: nodeFront });
    // HAProxy takes a backend in after two good /ready checks.
    await new Promise((r) => setTimeout(r, 1500));
  }, 240_000);

  afterAll(async () => {
    for (const p of procs.reverse()) await p.kill().catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  test('authorize on one replica, token on another, FHIR on a third', async () => {
    const from = gateways.map((g) => g.logLines().length);
    const flow = await authorizeCode(false);
    const authorizedOn = await servedBy('/oauth/authorize', from);
    expect(authorizedOn).toHaveLength(1);
    const [tokenReplica, fhirReplica] = gateways.filter((g) => g.name !== authorizedOn[0]) as [Replica, Replica];
    const token = await exchangeAt(flow, tokenReplica.nodePort);
    await flow.session.close();
    expect(token).toMatchObject({ token_type: 'Bearer' });
    expect(await servedBy('/oauth/token', from)).toEqual([tokenReplica.name]);

    const agent = new Agent({ connect: tlsPem });
    try {
      const answer = await fhirGet(agent, nodeUrlOf(fhirReplica.nodePort), token.access_token);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
      expect(await servedBy('/demoziekenhuis/48/fhir/Patient', from)).toEqual([fhirReplica.name]);
      expect(new Set([authorizedOn[0], tokenReplica.name, fhirReplica.name]).size).toBe(3);
    } finally {
      await agent.close();
    }
  }, 60_000);
  test('a replica killed under load: only requests in flight on it fail, clients reconnect to the others', async () => {
    const flow = await authorizeCode(false);
    const token = await exchangeAt(flow, gateways[1]!.nodePort);
    await flow.session.close();
    const from = gateways.map((g) => g.logLines().length);
    const victim = gateways[0]!;
    const WORKERS = 6;
    const started = Date.now();
    const results: Array<{ at: number; status: number; error?: string }> = [];
    let killedAt = Number.POSITIVE_INFINITY;
    const worker = async () => {
      const agent = new Agent({ connect: tlsPem });
      try {
        // Bounded: at most 8 s and 5000 requests per worker. The time is the bound that counts:
        // the clients must still be asking 3 s after the kill (a count cap of 500 ran out before
        // that once the gateway got faster, leaving nothing to check).
        for (let i = 0; i < 5000 && Date.now() - started < 8000; i++) {
          const answer = await fhirGet(agent, nodeUrlOf(front.node), token.access_token);
          results.push({ at: Date.now(), status: answer.status, ...(answer.error === undefined ? {} : { error: answer.error }) });
        }
      } finally {
        await agent.close().catch(() => undefined);
      }
    };
    const killer = (async () => {
      await new Promise((r) => setTimeout(r, 2000));
      killedAt = Date.now();
      await victim.kill();
    })();
    await Promise.all([...Array.from({ length: WORKERS }, worker), killer]);

    const servedByVictim = victim.logLines().slice(from[0]).filter((l) => l.includes('"route":"/demoziekenhuis/48/fhir/Patient"')).length;
    const failed = results.filter((r) => r.status !== 200);
    // HAProxy's /ready check (every 300 ms) has taken the dead replica out well before this.
    const after = results.filter((r) => r.at > killedAt + 3000);
    console.log(
      `replica kill under load: ${results.length} requests by ${WORKERS} clients, ${servedByVictim} served by the killed replica before the kill, ` +
        `${failed.length} failed (${[...new Set(failed.map((f) => f.error ?? f.status))].join(', ') || 'none'}), ` +
        `failures within ${failed.length ? Math.max(...failed.map((f) => f.at - killedAt)) : 0} ms of the kill, ${after.length} answered after`,
    );
    expect(servedByVictim).toBeGreaterThan(0);
    // Each client has one request in flight at a time; it may lose that one and the next on the
    // connection that died with the replica, never more.
    expect(failed.length).toBeLessThanOrEqual(2 * WORKERS);
    expect(failed.every((f) => f.status === 0 && f.at >= killedAt && f.at - killedAt < 3000)).toBe(true);
    expect(after.length).toBeGreaterThan(WORKERS);
    expect(after.every((r) => r.status === 200)).toBe(true);
  }, 90_000);

  test('a Redis primary failover: refused cleanly while it lasts, then served again; the long-term consent survives', async () => {
    const alive = gateways.filter((g) => g.child.exitCode === null && g.child.signalCode === null);
    expect(alive.length).toBeGreaterThanOrEqual(2);
    const longTerm = await authorizeCode(true);
    const consent = await exchangeAt(longTerm, alive[0]!.nodePort);
    await longTerm.session.close();
    expect(consent.refresh_token).toEqual(expect.any(String));
    // The grant reached the replica before the primary dies (replication is asynchronous).
    expect(await redisCommand(primary.port, ['WAIT', '1', '2000'], 3000)).toBe(':1\r\n');

    const results: Array<{ at: number; status: number; outcome: boolean; error?: string }> = [];
    const killedAt = Date.now();
    await primary.kill();
    const agent = new Agent({ connect: tlsPem });
    let recoveredAt: number | undefined;
    try {
      // Bounded: until five answers in a row are 200 again, at most 60 s.
      let streak = 0;
      while (Date.now() - killedAt < 60_000 && streak < 5) {
        const target = alive[results.length % alive.length]!;
        const answer = await fhirGet(agent, nodeUrlOf(target.nodePort), consent.access_token);
        const outcome = answer.status !== 200 && /"resourceType"\s*:\s*"OperationOutcome"/.test(answer.body);
        results.push({ at: Date.now(), status: answer.status, outcome, ...(answer.error === undefined ? {} : { error: answer.error }) });
        if (answer.status === 200) {
          streak++;
          recoveredAt ??= Date.now();
        } else {
          streak = 0;
          recoveredAt = undefined;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    } finally {
      await agent.close();
    }
    const refused = results.filter((r) => r.status !== 200);
    const promoted = await primaryPortSeenBy(sentinels[0]!.port);
    console.log(
      `Redis failover: primary killed; first refusal after ${refused.length ? refused[0]!.at - killedAt : 0} ms, ` +
        `${refused.length} of ${results.length} requests refused (statuses ${[...new Set(refused.map((r) => r.error ?? r.status))].join(', ') || 'none'}), ` +
        `served again ${recoveredAt === undefined ? 'never' : `${recoveredAt - killedAt} ms`} after the kill; sentinels now name port ${promoted} (replica was ${replicaRedis.port})`,
    );
    expect(recoveredAt).toBeDefined();
    expect(promoted).toBe(replicaRedis.port);
    // Refused cleanly: every answer an HTTP answer, each refusal a FHIR OperationOutcome, none a dropped connection.
    expect(refused.filter((r) => r.status === 0)).toEqual([]);
    expect(refused.every((r) => r.outcome && r.status >= 500)).toBe(true);

    // The long-term consent lives on: its refresh token still gets a new access token, which FHIR accepts.
    const session = new PgoSession({ patientUrl: `https://localhost:${front.patient}`, nodeUrl: nodeUrlOf(alive[1]!.nodePort), ca: tlsPem.ca, clientCert: tlsPem.cert, clientKey: tlsPem.key });
    try {
      const refreshed = await session.token({ grant_type: 'refresh_token', refresh_token: consent.refresh_token!, client_id: CLIENT.clientId }, { 'x-correlation-id': randomUUID() });
      expect(refreshed.status).toBe(200);
      const fresh = String(refreshed.json['access_token']);
      const fhirAgent = new Agent({ connect: tlsPem });
      try {
        expect((await fhirGet(fhirAgent, nodeUrlOf(alive[0]!.nodePort), fresh)).status).toBe(200);
      } finally {
        await fhirAgent.close();
      }
    } finally {
      await session.close();
    }
  }, 120_000);
});
