import { randomUUID } from 'node:crypto';
import type { FhirVersion, Resource, WriteOutcome, WriteRequest } from '../../../adapters/types.js';
import type { AcceptRule } from '../catalogue/index.js';
import { operationOutcome, type IssueType, type OperationOutcome } from '../outcome.js';
import { bindEntries } from './bind-patient.js';
import { checkProfile } from './check-profile.js';
import type { BatchRequest } from './parse-batch.js';

/** The answer entry of one request entry (FHIR Bundle.entry.response, STU3 and R4 alike). */
export interface ResponseEntry {
  readonly resource?: Resource;
  readonly response: {
    readonly status: string;
    readonly location?: string;
    readonly outcome?: OperationOutcome;
  };
}

/**
 * `answered`: one response entry per request entry (a batch always; a transaction when every
 * entry was stored). `refused`: a transaction with an entry that failed, answered as a whole
 * with one OperationOutcome naming every failing entry; nothing was stored.
 */
export type BatchOutcome =
  | {
      readonly kind: 'answered';
      readonly entries: readonly ResponseEntry[];
      /** Entries refused because they name another patient: each one is an alarm. */
      readonly foreignPatient: readonly string[];
      readonly stored: number;
      /** `Type/id` of every stored resource, for the audit trail (never its content). */
      readonly storedRefs: readonly string[];
    }
  | { readonly kind: 'refused'; readonly status: number; readonly outcome: OperationOutcome; readonly foreignPatient: readonly string[] };

export interface BatchDeps {
  readonly accepts: readonly AcceptRule[];
  readonly fhirVersion?: FhirVersion;
  readonly patientRef: string;
  /** `return=representation`: each 201 carries the stored resource (FHIR http.html#ops). */
  readonly returnRepresentation: boolean;
  /**
   * The adapter's write under the request deadline; rejects (AdapterError) when the EHR is
   * unreachable. One call is atomic (adapters/types.ts Adapter.write), which is what makes a
   * transaction all or nothing.
   */
  readonly write: (requests: readonly WriteRequest[]) => Promise<readonly WriteOutcome[]>;
  readonly newId?: () => string;
}

/**
 * A Delen Bundle (FHIR http.html#transaction). The checks run first for every entry (structure
 * and profile, the token's patient, resolvable references); the entries that pass go to the EHR
 * in one write call. Batch rules: each entry succeeds or fails on its own, and the answer has one
 * entry per request entry, in order. Transaction rules: one failing entry refuses the whole
 * Bundle before anything reaches the EHR, and an EHR refusal of any entry refuses it after (the
 * write call being atomic, nothing is stored). The Patient entry is the sender: it is answered
 * with the token's own Patient and never stored.
 */
export async function handleBatch(batch: BatchRequest, deps: BatchDeps): Promise<BatchOutcome> {
  const bound = bindEntries(batch.entries, deps.patientRef, deps.newId ?? randomUUID);
  const answers: (ResponseEntry | undefined)[] = [];
  const toWrite: { index: number; resource: Resource }[] = [];
  const foreignPatient: string[] = [];
  bound.forEach((b, index) => {
    if (b.kind === 'patient') {
      answers[index] = { response: { status: '200 OK', location: `Patient/${deps.patientRef}` } };
    } else if (b.kind === 'foreign-patient') {
      foreignPatient.push(b.resourceType);
      answers[index] = refused(403, 'forbidden', `${b.resourceType} names a patient other than the one this token was issued for`);
    } else if (b.kind === 'unresolved') {
      answers[index] = refused(400, 'invalid', `${b.resourceType} has a urn:uuid reference to no entry of this Bundle`);
    } else {
      const checked = checkProfile(b.resource, deps.accepts, deps.fhirVersion ?? 'STU3');
      if ('problems' in checked) {
        answers[index] = { response: { status: statusLine(422), outcome: { resourceType: 'OperationOutcome', issue: checked.problems.map((p) => ({ severity: 'error', code: 'structure', diagnostics: p })) } } };
      } else {
        toWrite.push({ index, resource: b.resource });
      }
    }
  });
  if (batch.type === 'transaction') {
    const failed = answers.flatMap((a, i) => (a?.response.outcome ? [{ index: i, answer: a }] : []));
    if (failed.length > 0) return refuseTransaction(failed, foreignPatient);
  }
  let stored = 0;
  const storedRefs: string[] = [];
  if (toWrite.length > 0) {
    const outcomes = batch.type === 'batch' ? await writeEach(toWrite, deps.write) : await deps.write(toWrite.map((w) => ({ resource: w.resource })));
    if (outcomes.length !== toWrite.length) throw new Error('adapter contract: write answered another number of outcomes');
    toWrite.forEach((w, i) => {
      const o = outcomes[i]!;
      if (o.stored) {
        stored++;
        const id = typeof o.resource.id === 'string' ? o.resource.id : String(w.resource.id);
        storedRefs.push(`${o.resource.resourceType}/${id}`);
        answers[w.index] = {
          ...(deps.returnRepresentation ? { resource: o.resource } : {}),
          response: { status: statusLine(201), location: `${o.resource.resourceType}/${id}` },
        };
      } else if ('unreachable' in o) {
        answers[w.index] = refused(o.status, o.status === 504 ? 'timeout' : 'transient', o.diagnostics);
      } else {
        answers[w.index] = refused(o.status, 'processing', o.diagnostics);
      }
    });
    if (batch.type === 'transaction' && stored < toWrite.length) {
      const failed = answers.flatMap((a, i) => (a?.response.outcome ? [{ index: i, answer: a }] : []));
      return refuseTransaction(failed, foreignPatient);
    }
  }
  return { kind: 'answered', entries: answers.map((a) => a!), foreignPatient, stored, storedRefs };
}

/** A batch entry the EHR could not be asked about any more (down or slow after others were stored). */
type EntryOutcome = WriteOutcome | { readonly stored: false; readonly unreachable: true; readonly status: 503 | 504; readonly diagnostics: string };

const REFUSALS = new Set(['ADAPTER_UPSTREAM_REJECTED', 'ADAPTER_MAPPING_FAILED']);

/**
 * Batch rules on an atomic adapter call: all entries in one call first (one round trip, one
 * database transaction). When the EHR refuses that call (a row it will not take, or every entry
 * answered refused), nothing was
 * stored, so each entry is tried on its own to give each its own status. An EHR that is down or
 * slow before anything was stored stays the whole request's 503/504 (a retry runs as new); after
 * some entries were stored, the rest are answered 503/504 each, so the stored ones are not lost.
 */
async function writeEach(toWrite: readonly { resource: Resource }[], write: BatchDeps['write']): Promise<readonly EntryOutcome[]> {
  try {
    const all = await write(toWrite.map((w) => ({ resource: w.resource })));
    // An atomic call refused per entry (a FHIR EHR's 4xx on its transaction) also stored nothing.
    if (toWrite.length === 1 || all.some((o) => o.stored)) return all;
  } catch (err) {
    if (toWrite.length === 1 || !REFUSALS.has(String((err as { code?: unknown }).code))) throw err;
  }
  const outcomes: EntryOutcome[] = [];
  let stored = 0;
  let unreachable: EntryOutcome | undefined;
  for (const w of toWrite) {
    // Once the EHR is gone, the remaining entries are not tried against it again.
    if (unreachable) {
      outcomes.push(unreachable);
      continue;
    }
    try {
      const [o] = await write([{ resource: w.resource }]);
      if (!o) throw new Error('adapter contract: write answered no outcome');
      if (o.stored) stored++;
      outcomes.push(o);
    } catch (err) {
      if (REFUSALS.has(String((err as { code?: unknown }).code))) {
        outcomes.push({ stored: false, status: 422, diagnostics: "the care provider's system refused this entry" });
        continue;
      }
      if (stored === 0) throw err;
      const status = (err as { status?: unknown }).status === 504 || (err as { code?: unknown }).code === 'ADAPTER_UPSTREAM_TIMEOUT' ? 504 : 503;
      unreachable = { stored: false, unreachable: true, status, diagnostics: status === 504 ? 'the source system did not answer in time' : 'the source system is not available' };
      outcomes.push(unreachable);
    }
  }
  return outcomes;
}

/**
 * One OperationOutcome for the whole transaction (FHIR http.html#transaction: "if any resource
 * fails, the server returns a single OperationOutcome"); each issue says which entry failed.
 * The status is the most telling one: a foreign patient (403) over a bad entry (400/409/422).
 */
function refuseTransaction(failed: readonly { index: number; answer: ResponseEntry }[], foreignPatient: readonly string[]): BatchOutcome {
  const statuses = failed.map((f) => Number.parseInt(f.answer.response.status, 10));
  const status = statuses.includes(403) ? 403 : statuses.includes(422) ? 422 : statuses[0]!;
  const issue = failed.flatMap((f) => (f.answer.response.outcome?.issue ?? []).map((i) => ({ ...i, diagnostics: `Bundle.entry[${f.index}]: ${i.diagnostics}` })));
  const summary = { severity: 'error' as const, code: 'processing' as const, diagnostics: 'the transaction was refused as a whole: nothing was stored' };
  return { kind: 'refused', status, outcome: { resourceType: 'OperationOutcome', issue: [summary, ...issue] }, foreignPatient };
}

const REASON: Readonly<Record<number, string>> = { 200: 'OK', 201: 'Created', 400: 'Bad Request', 403: 'Forbidden', 409: 'Conflict', 422: 'Unprocessable Entity', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

function statusLine(status: number): string {
  return `${status} ${REASON[status] ?? ''}`.trim();
}

function refused(status: number, code: IssueType, diagnostics: string): ResponseEntry {
  return { response: { status: statusLine(status), outcome: operationOutcome(code, diagnostics) } };
}
