import { randomUUID } from 'node:crypto';
import type { Resource, WriteOutcome, WriteRequest } from '../../../adapters/types.js';
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

export interface BatchOutcome {
  readonly entries: readonly ResponseEntry[];
  /** Entries refused because they name another patient: each one is an alarm. */
  readonly foreignPatient: readonly string[];
  readonly stored: number;
}

export interface BatchDeps {
  readonly accepts: readonly AcceptRule[];
  readonly patientRef: string;
  /** `return=representation`: each 201 carries the stored resource (FHIR http.html#ops). */
  readonly returnRepresentation: boolean;
  /** The adapter's write under the request deadline; rejects (AdapterError) when the EHR is unreachable. */
  readonly write: (requests: readonly WriteRequest[]) => Promise<readonly WriteOutcome[]>;
  readonly newId?: () => string;
}

/**
 * A Delen batch (FHIR http.html#transaction, batch rules): each entry succeeds or fails on its
 * own. The checks run first for every entry (profile structure, the token's patient, resolvable
 * references); the entries that pass go to the EHR in one write call, and the answer has one
 * entry per request entry, in order. The Patient entry is the sender: it is answered with the
 * token's own Patient and never stored.
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
      answers[index] = refused(403, 'Forbidden', 'forbidden', `${b.resourceType} names a patient other than the one this token was issued for`);
    } else if (b.kind === 'unresolved') {
      answers[index] = refused(400, 'Bad Request', 'invalid', `${b.resourceType} has a urn:uuid reference to no entry of this batch`);
    } else {
      const checked = checkProfile(b.resource, deps.accepts);
      if ('problems' in checked) {
        answers[index] = { response: { status: '422 Unprocessable Entity', outcome: { resourceType: 'OperationOutcome', issue: checked.problems.map((p) => ({ severity: 'error', code: 'structure', diagnostics: p })) } } };
      } else {
        toWrite.push({ index, resource: b.resource });
      }
    }
  });
  let stored = 0;
  if (toWrite.length > 0) {
    const outcomes: readonly WriteOutcome[] = await deps.write(toWrite.map((w) => ({ resource: w.resource })));
    if (outcomes.length !== toWrite.length) throw new Error('adapter contract: write answered another number of outcomes');
    toWrite.forEach((w, i) => {
      const o = outcomes[i]!;
      if (o.stored) {
        stored++;
        const id = typeof o.resource.id === 'string' ? o.resource.id : String(w.resource.id);
        answers[w.index] = {
          ...(deps.returnRepresentation ? { resource: o.resource } : {}),
          response: { status: '201 Created', location: `${o.resource.resourceType}/${id}` },
        };
      } else {
        answers[w.index] = refused(o.status, o.status === 409 ? 'Conflict' : o.status === 422 ? 'Unprocessable Entity' : 'Bad Request', 'processing', o.diagnostics);
      }
    });
  }
  return { entries: answers.map((a) => a!), foreignPatient, stored };
}

function refused(status: number, text: string, code: IssueType, diagnostics: string): ResponseEntry {
  return { response: { status: `${status} ${text}`, outcome: operationOutcome(code, diagnostics) } };
}
