/** MedMij ketenmonitoring: MedMij log records derived from the audit trail, a durable outbox, the shipper. */
export { createKetenlog, outboxFor, type Ketenlog, type KetenlogDeps, type KetenlogSettings, type KetenlogStatus } from './create-ketenlog.js';
export { toMedMijLogRecord, withDutchOffset, RECORD_SHAPES, type MedMijLogRecord, type RecordShape } from './medmij-log-record.js';
export { assertMedMijLogRecord, medMijLogBatchSchema, medMijLogRecordSchema } from './log-record-schema.js';
export { batchKeyOf, createHttpsLogApiClient, type LogApiClient } from './log-api-client.js';
export { MemoryOutbox } from './memory-outbox.js';
export { RedisOutbox } from './redis-outbox.js';
export type { Outbox, OutboxEntry } from './outbox.js';
export { Shipper, cutBySize, type BatchLimits, type RetryPolicy } from './shipper.js';
export { KetenlogQueue, type WhenFull } from './ketenlog-queue.js';
