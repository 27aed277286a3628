import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKetenlog } from '../../gateway/ketenlog/index.js';
import { MemoryAuditLog, type AuditEvent } from '../../gateway/observability/index.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { MemoryStore, RedisStore, type KeyValueStore } from '../../gateway/storage/index.js';
import { createTestPki } from '../helpers/certs.js';

/**
 * `node dist/test/bench/ketenlog.js [events]`: MedMij log records per second the shipper
 * sustains, end to end: audit events recorded through the one sink, queued in the outbox (Redis
 * stream, then memory), batched and POSTed over two-sided TLS to a fake MedMij log API that runs
 * in its own process and validates every record. Timed from the first record to the last one
 * stored at the API. Bounded: a fixed number of events, and a 60 s cap per run. Loopback only.
 */
const EVENTS = Number(process.argv[2] ?? 20_000);
const CAP_MS = 60_000;
const REDIS_URL = 'redis://127.0.0.1:6379';
const here = path.dirname(fileURLToPath(import.meta.url));

/** A Verzamelen-like mix: the events of one resource request pair, with realistic ids. */
function eventOf(i: number, sessionId: string): AuditEvent {
  const pair = i % 2 === 0;
  return {
    type: pair ? 'receive_resource_request' : 'send_resource_response',
    outcome: 'success',
    sessionId,
    traceId: randomUUID(),
    requestId: randomUUID(),
    clientId: 'pgo.listed.test',
    peerHost: 'pgo.listed.test',
    providerId: 'demoziekenhuis',
    serviceId: '48',
    patientRef: 'Patient/ehr-4711',
    method: 'GET',
    uri: 'https://localhost:9443/fhir/demoziekenhuis/48/Condition',
    status: 200,
  };
}

async function run(kind: 'redis' | 'memory', api: { url: string; ask: () => Promise<{ stored: number; invalid: number; posts: number }> }, pki: Awaited<ReturnType<typeof createTestPki>>, batch: number) {
  const prefix = `bench:ketenlog:${randomUUID().slice(0, 8)}:`;
  const store: KeyValueStore =
    kind === 'redis' ? new RedisStore({ url: REDIS_URL, keyPrefix: prefix, connectTimeoutMs: 2000, commandTimeoutMs: 5000 }) : new MemoryStore();
  if (store instanceof RedisStore) await store.ready();
  const before = await api.ask();
  const ketenlog = await createKetenlog(
    {
      enabled: true,
      url: api.url,
      location: 'localhost',
      caFile: pki.files.caCert,
      requestTimeoutMs: 10_000,
      batch: { maxEvents: batch, maxBytes: 1_048_576, maxAgeMs: 50 },
      retry: { initialDelayMs: 50, maxDelayMs: 1000 },
      outbox: { maxEvents: EVENTS * 2, whenFull: 'refuse-new-flows' },
    },
    { store, certFile: pki.gateway.certFile, keyFile: pki.gateway.keyFile, nodePublicUrl: 'https://localhost:9443', log: createSilentLogger() },
  );
  const audit = ketenlog.wrap(new MemoryAuditLog());
  const sessionId = randomUUID();
  const started = process.hrtime.bigint();
  let recordMs = 0;
  // Recorded in slices, as request traffic would, so the writer and the shipper run meanwhile.
  for (let i = 0; i < EVENTS; ) {
    const t0 = process.hrtime.bigint();
    for (const end = Math.min(EVENTS, i + 500); i < end; i++) audit.record(eventOf(i, sessionId));
    recordMs += Number(process.hrtime.bigint() - t0) / 1e6;
    await new Promise((r) => setImmediate(r));
  }
  let now = await api.ask();
  const deadline = Date.now() + CAP_MS;
  while (now.stored - before.stored < EVENTS && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    now = await api.ask();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const delivered = now.stored - before.stored;
  await ketenlog.close();
  if (store instanceof RedisStore) await store.clearPrefix();
  await store.close();
  return { kind, batch, events: EVENTS, delivered, invalid: now.invalid - before.invalid, posts: now.posts - before.posts, seconds, perSecond: delivered / seconds, recordMicros: (recordMs * 1000) / EVENTS };
}

const pki = await createTestPki();
const child = fork(path.join(here, 'ketenlog-api-process.js'), [pki.gateway.certFile, pki.gateway.keyFile, pki.ca.certFile], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const watchdog = setTimeout(() => {
  process.stderr.write('[bench] ketenlog: watchdog fired\n');
  child.kill();
  process.exit(1);
}, 5 * CAP_MS);
try {
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  const ask = () =>
    new Promise<{ stored: number; invalid: number; posts: number }>((resolve) => {
      child.once('message', (m: { stored: number; invalid: number; posts: number }) => resolve(m));
      child.send({ ask: 'stored' });
    });
  const api = { url: `https://localhost:${port}/eagleeye/v1/logs`, ask };
  const results = [];
  for (const [kind, batch] of [['redis', 500], ['memory', 500], ['redis', 100]] as const) {
    const r = await run(kind, api, pki, batch);
    results.push(r);
    process.stderr.write(
      `[bench] ketenlog ${r.kind} outbox, batches of ${r.batch}: ${r.delivered}/${r.events} records delivered in ${r.seconds.toFixed(2)} s = ${Math.round(r.perSecond)} records/s ` +
        `(${r.posts} POSTs, ${r.invalid} invalid; audit.record cost ${r.recordMicros.toFixed(1)} µs per event)\n`,
    );
  }
  process.stdout.write(`${JSON.stringify({ ketenlog: results, node: process.version })}\n`);
} finally {
  clearTimeout(watchdog);
  child.send({ ask: 'stop' });
}
