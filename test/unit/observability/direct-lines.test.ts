import { pino } from 'pino';
import { createPinoAuditLog, type AuditEvent } from '../../../gateway/observability/audit.js';
import { createLogger, directLineWriter } from '../../../gateway/observability/logger.js';

/**
 * The access line and the audit records skip pino's generic path (they are written on every
 * request): what reaches the destination must still be, byte for byte, what pino writes for the
 * same object, censoring included, and a line the direct path cannot write goes through pino.
 */
function capture(): { lines: string[]; destination: { write(line: string): void } } {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

/** The one part of a line that differs between two writes a moment apart. */
const withoutTime = (line: string) => line.replace(/"time":"[^"]+"/, '"time":"-"');

const LINES: Array<Record<string, unknown>> = [
  { requestId: 'r1', listener: 'node', traceId: undefined, sessionId: 's-1', method: 'GET', route: '/fhir/demo/48/Condition', status: 200, ms: 3, component: 'fhir', count: 2 },
  { quote: 'a "b" \\ c', control: 'line\nbreak\u0001', unicode: 'é ☃ \u2028', 'odd "key"': true, nan: Number.NaN, inf: -Infinity, zero: -0 },
  { authorization: 'Bearer secret', Cookie: 'sid=1', code: 'ECONNRESET', token: 'kind', bsn: '999911120' },
  { nested: { token: 'deep-secret', list: [1, { bsn: '999911120' }] }, status: 500 },
  { err: new Error('upstream refused'), status: 502 },
  { none: null, status: 204 },
];

test('the direct writer writes what pino writes for the same object, censoring included', () => {
  const direct = capture();
  const viaPino = capture();
  const write = directLineWriter(createLogger({ level: 'info', destination: direct.destination }), 'info', 'request');
  const log = createLogger({ level: 'info', destination: viaPino.destination });
  for (const line of LINES) {
    write(line);
    log.info(line, 'request');
  }
  expect(direct.lines.map(withoutTime)).toEqual(viaPino.lines.map(withoutTime));
  const joined = direct.lines.join('');
  for (const secret of ['Bearer secret', 'sid=1', '999911120', 'deep-secret']) expect(joined).not.toContain(secret);
});

test('a line of plain fields goes straight to the destination; one with an object or an error goes through pino', () => {
  const { lines, destination } = capture();
  const log = createLogger({ level: 'info', destination });
  let viaPino = 0;
  const info = log.info.bind(log);
  log.info = ((...args: Parameters<typeof info>) => {
    viaPino += 1;
    info(...args);
  }) as typeof log.info;
  const write = directLineWriter(log, 'info', 'request');
  write({ status: 200, route: '/fhir' });
  expect(viaPino).toBe(0);
  write({ status: 500, nested: { a: 1 } });
  write({ status: 500, err: new Error('x') });
  expect(viaPino).toBe(2);
  expect(lines).toHaveLength(3);
  expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', name: 'medmij-gateway', pid: process.pid, status: 200, route: '/fhir', msg: 'request' });
});

test('the level is read on every line: a logger turned to warn writes no info line', () => {
  const { lines, destination } = capture();
  const log = createLogger({ level: 'info', destination });
  const write = directLineWriter(log, 'info', 'request');
  log.level = 'warn';
  write({ status: 200 });
  log.level = 'info';
  write({ status: 201 });
  expect(lines.map((l) => (JSON.parse(l) as { status: number }).status)).toEqual([201]);
});

test('bindings set after the writer was made are in the line', () => {
  const { lines, destination } = capture();
  const log = createLogger({ level: 'info', destination });
  const write = directLineWriter(log, 'info', 'request');
  log.setBindings({ replica: 'b' });
  write({ status: 200 });
  expect(JSON.parse(lines[0]!)).toMatchObject({ replica: 'b', status: 200 });
});

test('a logger with what the direct path does not do (a mixin) is written by pino itself', () => {
  const { lines, destination } = capture();
  const log = pino({ mixin: () => ({ extra: 'from-mixin' }) }, destination);
  directLineWriter(log, 'info', 'request')({ status: 200 });
  expect(JSON.parse(lines[0]!)).toMatchObject({ extra: 'from-mixin', status: 200, msg: 'request' });
});

test('an audit record is the line pino wrote for it: same fields, same order', () => {
  const direct = capture();
  const viaPino = capture();
  const audit = createPinoAuditLog(direct.destination);
  const reference = pino(
    { name: 'medmij-gateway-audit', base: { stream: 'audit' }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: () => ({ level: 'audit' }) } },
    viaPino.destination,
  );
  const events: AuditEvent[] = [
    { type: 'receive_resource_request', outcome: 'success', requestId: 'r1', sessionId: 's-1', traceId: 't-1', clientId: 'pgo.listed.test', peerHost: 'pgo.listed.test', providerId: 'demo', serviceId: '48', method: 'GET', uri: 'https://gw.test/fhir/demo/48/Condition', occurredAt: '2026-01-01T00:00:00.000Z' },
    { type: 'send_resource_response', outcome: 'success', status: 200, requestId: 'r1', patientRef: 'Patient/p-1', resourceType: 'Condition', count: 3 },
    { type: 'send_resource_request_error', outcome: 'refused', status: 401, reason: 'invalid_token', detail: 'said "no"\n' },
  ];
  for (const event of events) {
    audit.record(event);
    reference.info(event);
  }
  expect(direct.lines.map(withoutTime)).toEqual(viaPino.lines.map(withoutTime));
  expect(Object.keys(JSON.parse(direct.lines[0]!) as object).slice(0, 6)).toEqual(['level', 'time', 'stream', 'name', 'type', 'outcome']);
});
