import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createPinoAuditLog, type AuditEvent } from '../../../gateway/observability/audit.js';
import { createLogger, logDestination } from '../../../gateway/observability/logger.js';

/**
 * Log and audit lines are written asynchronously in batches: none may be lost or torn, a line
 * logged while the gateway is quiet must still reach the file without anyone flushing, and an
 * audit record must keep every field (writes change, records do not).
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'medmij-logdest-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function linesOf(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8').catch(() => '')).split('\n').filter((l) => l !== '');
}

async function ended(stream: ReturnType<typeof logDestination>): Promise<void> {
  const s = stream as unknown as NodeJS.WritableStream & { end(): void };
  await new Promise<void>((resolve) => {
    s.once('close', () => resolve());
    s.end();
  });
}

test('10,000 audit records written in a burst are all in the file, whole and in order', async () => {
  const file = path.join(dir, 'audit.log');
  const destination = logDestination(file);
  const audit = createPinoAuditLog(destination);
  const events: AuditEvent[] = Array.from({ length: 10_000 }, (_, i) => ({
    type: 'send_resource_response',
    outcome: 'success',
    status: 200,
    clientId: 'pgo.listed.test',
    patientRef: `p-${i}`,
    resourceType: 'Condition',
    count: i,
  }));
  for (const event of events) audit.record(event);
  await ended(destination);
  const lines = await linesOf(file);
  expect(lines).toHaveLength(events.length);
  lines.forEach((line, i) => expect(JSON.parse(line)).toMatchObject({ level: 'audit', stream: 'audit', ...events[i] }));
});

test('a line logged while nothing else happens reaches the file without an explicit flush', async () => {
  const file = path.join(dir, 'quiet.log');
  const destination = logDestination(file);
  const log = createLogger({ level: 'info', destination });
  log.info({ step: 'quiet' }, 'one line');
  // Batched writes wait for 4 KiB or the periodic flush (100 ms); poll for up to 5 s.
  let lines: string[] = [];
  for (let i = 0; i < 100 && lines.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    lines = await linesOf(file);
  }
  expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([expect.objectContaining({ step: 'quiet', msg: 'one line' })]);
  await ended(destination);
});
