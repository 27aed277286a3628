import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Issue 9, finding 5: swapping in a valid 9 MB Whitelist (under the 10 MiB cap) stalled all
 * traffic for 6.5 s. Lists are now parsed and validated in a worker thread, and what stays on the
 * event loop is done in pieces. The test publishes a 9 MB Whitelist under a running gateway while a
 * PGO keeps sending requests, and checks that the new list is in force and correct and every
 * request was answered. The event loop's delay is measured twice with the same traffic: over a
 * quiet window first (what this machine's load alone does to the loop) and then over the swap.
 * The bound is generous on purpose (the suite runs on a shared, loaded 2-core machine, where the
 * quiet window alone can reach 100-200 ms): the swap may not stall the loop more than the larger of
 * 50 ms and three times the quiet window's stall; a parse on the event loop stalled it for
 * seconds, and cloning the 9 MB string into the worker for 10-46 ms in one step. Speed itself is
 * for benchmarks; the figures go to the output.
 */
const TARGET_BYTES = 9 * 1024 * 1024;

let gw: TestGateway;
let agent: https.Agent;

beforeAll(async () => {
  gw = await startTestGateway();
  agent = new https.Agent({
    keepAlive: true,
    maxSockets: 1,
    ca: await readFile(gw.pki.caCert, 'utf8'),
    cert: await readFile(gw.pki.pgoListedCert, 'utf8'),
    key: await readFile(gw.pki.pgoListedKey, 'utf8'),
  });
});
afterAll(async () => {
  agent?.destroy();
  await gw?.close();
});

function bigWhitelist(volgnummer: number): { xml: string; count: number } {
  const head = `<?xml version="1.0" encoding="UTF-8"?>\n<Whitelist xmlns="xmlns://afsprakenstelsel.medmij.nl/whitelist/release2/">\n  <Tijdstempel>2026-12-01T12:00:00+01:00</Tijdstempel>\n  <Volgnummer>${volgnummer}</Volgnummer>\n  <MedMijNodes>\n`;
  const tail = '  </MedMijNodes>\n</Whitelist>\n';
  const parts = [head, '    <MedMijNode><Hostname>pgo.listed.test</Hostname></MedMijNode>\n', '    <MedMijNode><Hostname>localhost</Hostname></MedMijNode>\n'];
  let size = parts.reduce((n, p) => n + p.length, tail.length);
  let count = 0;
  while (size < TARGET_BYTES) {
    const entry = `    <MedMijNode><Hostname>node-${String(count).padStart(7, '0')}.pgo-example.nl</Hostname></MedMijNode>\n`;
    parts.push(entry);
    size += entry.length;
    count++;
  }
  parts.push(tail);
  return { xml: parts.join(''), count };
}

function request(): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    https
      .get(`${gw.urls.node}/fhir/demoziekenhuis/48/metadata`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, ms: performance.now() - started }));
      })
      .on('error', reject);
  });
}

const QUIET_WINDOW_MS = 3000;

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const pick = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * q))]!.toFixed(1);

/** Runs `work` while one PGO keeps requesting, and measures the event loop's delay meanwhile. */
async function measureWhile(work: () => Promise<void>): Promise<{ ms: number; loopMaxMs: number; loopP99Ms: number; requests: Array<{ status: number; ms: number }> }> {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  let running = true;
  const requests: Array<{ status: number; ms: number }> = [];
  const traffic = (async () => {
    while (running) requests.push(await request());
  })();
  const started = performance.now();
  try {
    await work();
  } finally {
    running = false;
  }
  const ms = performance.now() - started;
  await traffic;
  loop.disable();
  return { ms, loopMaxMs: loop.max / 1e6, loopP99Ms: loop.percentile(99) / 1e6, requests };
}

describe('a 9 MB Whitelist swapped in under load', () => {
  it('comes into force, correct, while every PGO request is answered', async () => {
    const { xml, count } = bigWhitelist(2);
    expect(Buffer.byteLength(xml)).toBeGreaterThan(TARGET_BYTES - 1024);
    expect(Buffer.byteLength(xml)).toBeLessThan(10 * 1024 * 1024);
    await writeFile(path.join(gw.listsDir, 'MedMij_Whitelist.xml'), xml);

    // Baseline latency first.
    const baseline: number[] = [];
    for (let i = 0; i < 20; i++) baseline.push((await request()).ms);

    // The same traffic over a quiet window, for comparison.
    const quiet = await measureWhile(() => new Promise((resolve) => setTimeout(resolve, QUIET_WINDOW_MS)));
    let outcome: unknown;
    const swap = await measureWhile(async () => {
      outcome = await gw.gateway.lists.refresh('whitelist');
    });
    const during = swap.requests;

    expect(outcome).toMatchObject({ kind: 'whitelist', result: 'updated', volgnummer: 2 });
    const list = gw.gateway.lists.current('whitelist')!;
    expect(list.volgnummer).toBe(2);
    expect(list.hostnames.size).toBe(count + 2);
    expect(list.has('node-0000042.pgo-example.nl')).toBe(true);
    expect(list.has(`node-${String(count - 1).padStart(7, '0')}.pgo-example.nl`)).toBe(true);
    expect(list.has('pgo.unlisted.test')).toBe(false);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((r) => r.status === 200)).toBe(true);
    // The PGO still passes the per-request Whitelist check on the new list.
    expect((await request()).status).toBe(200);

    const b = sorted(baseline);
    const d = sorted(during.map((r) => r.ms));
    const q = sorted(quiet.requests.map((r) => r.ms));
    process.stdout.write(
      `[list-swap] ${(Buffer.byteLength(xml) / 1048576).toFixed(1)} MB Whitelist, ${count + 2} hosts: swap took ${swap.ms.toFixed(0)} ms (worker); ` +
        `PGO requests during the swap: ${d.length}, median ${pick(d, 0.5)} ms, p99 ${pick(d, 0.99)} ms, max ${pick(d, 1)} ms; ` +
        `event loop during the swap max ${swap.loopMaxMs.toFixed(1)} ms, p99 ${swap.loopP99Ms.toFixed(1)} ms; ` +
        `quiet window (${QUIET_WINDOW_MS} ms): requests ${q.length}, median ${pick(q, 0.5)} ms, max ${pick(q, 1)} ms, event loop max ${quiet.loopMaxMs.toFixed(1)} ms, p99 ${quiet.loopP99Ms.toFixed(1)} ms ` +
        `(baseline median ${pick(b, 0.5)} ms, max ${pick(b, 1)} ms)\n`,
    );
    expect(swap.loopMaxMs).toBeLessThan(Math.max(50, 3 * quiet.loopMaxMs));
  }, 120_000);
});
