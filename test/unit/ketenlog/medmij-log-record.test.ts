import { KetenlogQueue, MemoryOutbox, medMijLogRecordSchema, RECORD_SHAPES, toMedMijLogRecord, withDutchOffset } from '../../../gateway/ketenlog/index.js';
import { withKetenlog } from '../../../gateway/ketenlog/ketenlog-sink.js';
import { GATEWAY_EVENT_TYPES, MEDMIJ_DVA_EVENT_TYPES, MemoryAuditLog, type AuditEvent } from '../../../gateway/observability/index.js';
import { createSilentLogger } from '../../../gateway/observability/logger.js';

const BSN = '999911120';
const ctx = { location: 'dva.zorg.example.nl', now: () => new Date('2026-12-01T21:00:00.123Z') };

/** An audit event with every field the gateway may fill, patient data included. */
const full = (type: AuditEvent['type']): AuditEvent => ({
  type,
  outcome: 'failure',
  sessionId: '5f1c7a9e-0000-4000-8000-000000000001',
  traceId: '5f1c7a9e-0000-4000-8000-000000000002',
  requestId: '5f1c7a9e-0000-4000-8000-000000000003',
  clientId: 'pgo.example.nl',
  peerHost: 'pgo.example.nl',
  peerAddress: '10.0.0.7',
  providerId: 'demoziekenhuis',
  serviceId: '48',
  patientRef: 'Patient/ehr-4711',
  resourceType: 'Condition',
  count: 12,
  reason: 'invalid_grant',
  detail: 'detail',
  status: 400,
  method: 'POST',
  uri: 'https://dva.zorg.example.nl/fhir/demoziekenhuis/48/Condition',
  grantType: 'authorization_code',
});

describe('MedMij log record (one per MedMij DVA event)', () => {
  it.each(MEDMIJ_DVA_EVENT_TYPES)('%s: valid against the derived schema, with exactly the blocks of its shape', (type) => {
    const record = toMedMijLogRecord(type, full(type), ctx);
    expect(medMijLogRecordSchema.safeParse(record).error?.issues ?? []).toEqual([]);
    const shape = RECORD_SHAPES[type];
    expect(Object.keys(record).sort()).toEqual(
      { event: ['event'], request: ['event', 'request'], response: ['event', 'response'], error: ['error', 'event'], error_response: ['error', 'event', 'response'] }[shape],
    );
    expect(record.event).toEqual({
      type,
      location: 'dva.zorg.example.nl',
      datetime: '2026-12-01T22:00:00.123+01:00',
      session_id: '5f1c7a9e-0000-4000-8000-000000000001',
      trace_id: '5f1c7a9e-0000-4000-8000-000000000002',
    });
  });

  it('never carries the patient reference, a BSN, resource types, counts, addresses or query strings', () => {
    for (const type of MEDMIJ_DVA_EVENT_TYPES) {
      // Errors without a reason code: the description must not fall back to `detail`.
      const { reason: _reason, ...rest } = full(type);
      const e: AuditEvent = { ...rest, ...(type.endsWith('error') ? {} : { reason: 'invalid_grant' }), uri: `https://dva.zorg.example.nl/fhir/x?patient.identifier=${BSN}`, detail: `bsn ${BSN}` };
      const text = JSON.stringify(toMedMijLogRecord(type, e, ctx));
      for (const forbidden of [BSN, 'ehr-4711', 'Condition', '10.0.0.7', '?', '"count"']) expect({ type, text, has: text.includes(forbidden) }).toEqual({ type, text, has: false });
    }
  });

  it('a token request says its grant type and that a person initiated it; a resource request names provider and service', () => {
    expect(toMedMijLogRecord('receive_token_request', full('receive_token_request'), ctx).request).toEqual({
      id: '5f1c7a9e-0000-4000-8000-000000000003',
      method: 'post',
      client_id: 'pgo.example.nl',
      server_id: 'pgo.example.nl',
      uri: 'https://dva.zorg.example.nl/fhir/demoziekenhuis/48/Condition',
      grant_type: 'authorization_code',
      initiated_by: 'person',
    });
    expect(toMedMijLogRecord('receive_resource_request', full('receive_resource_request'), ctx).request).toMatchObject({ provider_id: 'demoziekenhuis', service_id: '48' });
  });

  it('an answer carries the id of the request it answers; OAuth errors keep their code, others are "other"', () => {
    expect(toMedMijLogRecord('send_token_response', { ...full('send_token_response'), status: 200 }, ctx).response).toEqual({ id: '5f1c7a9e-0000-4000-8000-000000000003', status: 200 });
    expect(toMedMijLogRecord('send_token_request_error', full('send_token_request_error'), ctx).error).toMatchObject({ code: 'invalid_grant', request_id: '5f1c7a9e-0000-4000-8000-000000000003', status: 400 });
    expect(toMedMijLogRecord('send_resource_request_error', { ...full('send_resource_request_error'), reason: 'template_mismatch' }, ctx).error).toMatchObject({ code: 'other', description: 'template_mismatch' });
  });

  it('a request that came without MedMij ids still gets valid ones (MedMij requires both)', () => {
    const record = toMedMijLogRecord('receive_authorization_request', { type: 'receive_authorization_request', outcome: 'refused' }, ctx);
    expect(medMijLogRecordSchema.safeParse(record).success).toBe(true);
    expect(record.event.session_id).toBe(record.event.trace_id);
  });

  it('dates carry the Dutch offset, summer and winter, and keep the instant', () => {
    expect(withDutchOffset(new Date('2026-07-01T10:00:00.005Z'))).toBe('2026-07-01T12:00:00.005+02:00');
    expect(withDutchOffset(new Date('2026-01-31T23:30:00.000Z'))).toBe('2026-02-01T00:30:00.000+01:00');
    expect(new Date(withDutchOffset(new Date('2026-03-29T01:30:00.000Z'))).toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });
});

describe('the one sink', () => {
  it('records every event locally as it is, and queues MedMij records only for MedMij events', async () => {
    const local = new MemoryAuditLog();
    const outbox = new MemoryOutbox();
    const queue = new KetenlogQueue({ outbox, maxEvents: 100, whenFull: 'keep-serving', log: createSilentLogger() });
    const audit = withKetenlog(local, queue, ctx);
    for (const type of [...MEDMIJ_DVA_EVENT_TYPES, ...GATEWAY_EVENT_TYPES]) audit.record(full(type));
    await queue.flush();
    expect(local.events.map((e) => e.type)).toEqual([...MEDMIJ_DVA_EVENT_TYPES, ...GATEWAY_EVENT_TYPES]);
    expect(local.events[0]).toMatchObject({ patientRef: 'Patient/ehr-4711', resourceType: 'Condition' }); // the local NEN 7513 trail stays as it is
    const shipped = (await outbox.peek(1000)).map((e) => JSON.parse(e.record) as { event: { type: string } });
    expect(shipped.map((r) => r.event.type)).toEqual([...MEDMIJ_DVA_EVENT_TYPES]);
  });

  it('keep-serving: a full outbox drops the oldest records and raises an alarm, keeping the newest', async () => {
    const outbox = new MemoryOutbox();
    const drops: number[] = [];
    const queue = new KetenlogQueue({ outbox, maxEvents: 3, whenFull: 'keep-serving', log: createSilentLogger(), onDrop: (n) => drops.push(n) });
    for (const n of [1, 2, 3, 4, 5]) {
      queue.enqueue(String(n));
      await queue.flush();
    }
    expect((await outbox.peek(10)).map((e) => e.record)).toEqual(['3', '4', '5']);
    expect(queue.dropped).toBe(2);
    expect(drops.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('refuse-new-flows: a full outbox keeps every record and reports itself full', async () => {
    const outbox = new MemoryOutbox();
    const queue = new KetenlogQueue({ outbox, maxEvents: 3, whenFull: 'refuse-new-flows', log: createSilentLogger() });
    for (const n of [1, 2, 3, 4]) queue.enqueue(String(n));
    await queue.flush();
    expect(await outbox.size()).toBe(4);
    expect(queue.full).toBe(true);
    expect(queue.dropped).toBe(0);
  });
});

describe('request URIs', () => {
  const uriOf = (uri: string) => toMedMijLogRecord('receive_resource_request', { type: 'receive_resource_request', outcome: 'success', uri }, ctx).request!.uri;
  it('keeps scheme, host and path, never the query or fragment', () => {
    expect(uriOf('https://localhost:9443/fhir/demoziekenhuis/48/Condition?code=x#y')).toBe('https://localhost:9443/fhir/demoziekenhuis/48/Condition');
  });
  it('replaces a Host header of unusual shape by our own host, and escapes odd path characters', () => {
    expect(uriOf('https://evil.example"<x>/fhir/a b')).toBe('https://dva.zorg.example.nl/fhir/a%20b');
    expect(medMijLogRecordSchema.safeParse(toMedMijLogRecord('receive_resource_request', { type: 'receive_resource_request', outcome: 'success', uri: 'https://a b/<>' }, ctx)).success).toBe(true);
  });
});
