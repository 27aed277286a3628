import type { Request, Response } from 'express';
import type { FhirExchange } from '../exchange.js';
import { sendResource } from '../render.js';
import { readBody } from './read-body.js';
import { receiveWrite, type WritableService, type WriteDeps } from './receive-write.js';

/**
 * The Express edge of a Delen write: turns the request into receive-write.ts's plain input (body
 * reader, headers, a signal for the client going away) and sends its answer. The write path
 * itself knows nothing of Express, so the framework-free FHIR core can call it directly.
 */
export async function receiveWriteOverHttp(req: Request, res: Response, ex: FhirExchange, target: WritableService, deps: WriteDeps): Promise<void> {
  const gone = new AbortController();
  // Same reason text as deadline.ts uses, so a client that left is a 499, not a 504.
  const onClose = (): void => {
    if (!res.writableFinished) gone.abort(new DOMException('client_disconnected', 'AbortError'));
  };
  res.once('close', onClose);
  try {
    const rest = ex.rest ?? [];
    const answer = await receiveWrite(
      {
        target: rest.length === 1 ? { kind: 'create', resourceType: decodeURIComponent(rest[0]!) } : { kind: 'base' },
        contentType: req.get('content-type'),
        accept: req.get('accept'),
        prefer: req.get('prefer'),
        readBody: (maxBytes) => readBody(req, maxBytes),
        clientGone: gone.signal,
      },
      ex,
      target,
      deps,
    );
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    sendResource(res, answer.status, answer.resource, answer.format, target.service.fhirVersion);
  } finally {
    res.off('close', onClose);
  }
}
