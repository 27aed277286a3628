import { readFile, stat } from 'node:fs/promises';
import { PgoFlowError } from './pgo-flow-error.js';

/** What `pgo share` sends: the file's bytes as they are, with the media type its content shows. */
export interface ShareBundle {
  readonly body: string;
  readonly contentType: 'application/fhir+json' | 'application/fhir+xml';
  /** Bundle.type as read from the file. */
  readonly type: 'batch' | 'transaction';
  readonly entries: number;
}

/** Well above the gateway's own cap (1 MiB): the gateway, not the client, says what is too big. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Reads the Bundle to share and checks only what the client must know to send it: a FHIR Bundle
 * of type batch or transaction, JSON or XML. Everything else (profiles, references, the patient)
 * is the gateway's to judge, entry by entry, in its batch-response.
 */
export async function readShareBundle(file: string): Promise<ShareBundle> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    throw new PgoFlowError(`cannot read --bundle ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  if (size > MAX_FILE_BYTES) throw new PgoFlowError(`--bundle ${file} is larger than ${MAX_FILE_BYTES} bytes`);
  const body = await readFile(file, 'utf8');
  const text = body.trimStart();
  if (text.startsWith('<')) {
    const root = /<Bundle\b[^>]*>/.exec(text);
    const type = /<type\s+value="(batch|transaction)"\s*\/>/.exec(text)?.[1];
    if (!root || (type !== 'batch' && type !== 'transaction')) throw new PgoFlowError(`--bundle ${file} is not a FHIR batch or transaction Bundle (XML)`);
    return { body, contentType: 'application/fhir+xml', type, entries: (text.match(/<entry\b/g) ?? []).length };
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new PgoFlowError(`--bundle ${file} is neither JSON nor XML`);
  }
  const bundle = json as { resourceType?: unknown; type?: unknown; entry?: unknown };
  if (typeof json !== 'object' || json === null || bundle.resourceType !== 'Bundle' || (bundle.type !== 'batch' && bundle.type !== 'transaction')) {
    throw new PgoFlowError(`--bundle ${file} is not a FHIR batch or transaction Bundle`);
  }
  return { body, contentType: 'application/fhir+json', type: bundle.type, entries: Array.isArray(bundle.entry) ? bundle.entry.length : 0 };
}

export interface EntryStatus {
  readonly status: string;
  readonly location?: string;
  readonly diagnostics?: string;
}

/** The entries of a batch-response or transaction-response as `pgo share` prints them. */
export function entryStatuses(answer: string): EntryStatus[] {
  let json: unknown;
  try {
    json = JSON.parse(answer);
  } catch {
    throw new PgoFlowError('the gateway answered the Bundle without JSON');
  }
  const bundle = json as { resourceType?: unknown; type?: unknown; entry?: unknown };
  if (bundle?.resourceType !== 'Bundle' || (bundle.type !== 'batch-response' && bundle.type !== 'transaction-response') || !Array.isArray(bundle.entry)) {
    throw new PgoFlowError('the gateway did not answer with a batch-response or transaction-response Bundle');
  }
  return bundle.entry.map((raw) => {
    const e = raw as { response?: { status?: unknown; location?: unknown; outcome?: { issue?: Array<{ diagnostics?: unknown }> } } };
    const diagnostics = e.response?.outcome?.issue?.map((i) => i.diagnostics).filter((d): d is string => typeof d === 'string').join('; ');
    return {
      status: typeof e.response?.status === 'string' ? e.response.status : '(no status)',
      ...(typeof e.response?.location === 'string' ? { location: e.response.location } : {}),
      ...(diagnostics ? { diagnostics } : {}),
    };
  });
}
