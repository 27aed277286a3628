import { isMedMijEventType, type AuditEvent, type AuditLog } from '../observability/index.js';
import type { KetenlogQueue } from './ketenlog-queue.js';
import { toMedMijLogRecord, type RecordContext } from './medmij-log-record.js';

/**
 * The ONE place MedMij log records are made: every audit event goes to the local NEN 7513 trail
 * unchanged, and each MedMij DVA event is also turned into a MedMij log record and queued for
 * shipping. Event sites stay one `audit.record(...)` call each.
 */
export function withKetenlog(local: AuditLog, queue: KetenlogQueue, ctx: RecordContext): AuditLog {
  return {
    record(event: AuditEvent): void {
      local.record(event);
      if (!isMedMijEventType(event.type)) return;
      queue.enqueue(JSON.stringify(toMedMijLogRecord(event.type, event, ctx)));
    },
  };
}
