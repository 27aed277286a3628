/**
 * @module The MedMij log record as a zod schema: what our records must look like, so tests (and a
 * fake MedMij log API) can validate every record we send. Derived from the fields MedMij names
 * (digest §6) and the government PGO's pydantic models (minvws/nl-mgo-dvp-proxy,
 * app/medmij_logging/schemas.py); strict, so a field we never meant to send (a BSN, a patient
 * reference, a resource type) is an error, not a silent extra.
 */
import { z } from 'zod';
import { MEDMIJ_DVA_EVENT_TYPES } from '../observability/index.js';
import { RECORD_SHAPES, type MedMijLogRecord } from './medmij-log-record.js';

const id = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/);
const host = z.string().regex(/^[A-Za-z0-9.-]{1,253}$/);
/** ISO 8601 with milliseconds and an explicit offset (never `Z` alone, never a local time without offset). */
const datetime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$/);

const eventBlock = z.strictObject({
  type: z.enum(MEDMIJ_DVA_EVENT_TYPES),
  location: host,
  datetime,
  session_id: id,
  trace_id: id,
});

const requestBlock = z.strictObject({
  id,
  method: z.enum(['get', 'post', 'put', 'delete', 'patch', 'head', 'options']),
  client_id: host,
  server_id: host,
  // No query string: search parameters and OAuth parameters stay out of MedMij's log.
  uri: z.url({ protocol: /^https?$/ }).refine((u) => !u.includes('?'), 'no query string'),
  grant_type: z.enum(['authorization_code', 'refresh_token']).optional(),
  initiated_by: z.literal('person').optional(),
  provider_id: z.string().regex(/^[a-z0-9-]{1,64}$/).optional(),
  service_id: z.string().regex(/^[A-Za-z0-9.-]{1,32}$/).optional(),
});

const responseBlock = z.strictObject({ id, status: z.number().int().min(100).max(599) });

const errorBlock = z.strictObject({
  code: z.string().regex(/^[a-z_]{1,64}$/),
  description: z.string().min(1).max(200),
  request_id: id.optional(),
  status: z.number().int().min(100).max(599).optional(),
});

export const medMijLogRecordSchema = z
  .strictObject({
    event: eventBlock,
    request: requestBlock.optional(),
    response: responseBlock.optional(),
    error: errorBlock.optional(),
  })
  .superRefine((r, ctx) => {
    // Each event type carries exactly the blocks of its shape.
    const shape = RECORD_SHAPES[r.event.type];
    const expected = {
      request: shape === 'request',
      response: shape === 'response' || shape === 'error_response',
      error: shape === 'error' || shape === 'error_response',
    };
    for (const block of ['request', 'response', 'error'] as const) {
      if ((r[block] !== undefined) !== expected[block]) ctx.addIssue({ code: 'custom', path: [block], message: `${r.event.type} ${expected[block] ? 'needs' : 'has no'} a ${block} block` });
    }
    if (r.event.type === 'receive_token_request' && r.request?.initiated_by === undefined) {
      ctx.addIssue({ code: 'custom', path: ['request', 'initiated_by'], message: 'token requests say who initiated them' });
    }
  });

/** The body the MedMij log API receives: a JSON array of records (one batch). */
export const medMijLogBatchSchema = z.array(medMijLogRecordSchema).min(1);

export function assertMedMijLogRecord(record: unknown): MedMijLogRecord {
  return medMijLogRecordSchema.parse(record) as MedMijLogRecord;
}
