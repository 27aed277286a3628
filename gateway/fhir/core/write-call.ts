import type { FhirExchange } from '../exchange.js';
import { readBody } from '../write/read-body.js';
import { receiveWrite, type WriteAnswer, type WriteDeps } from '../write/index.js';
import type { ServiceSetup } from './context.js';
import type { CoreRequest } from './types.js';

export type { WriteAnswer };

/**
 * The seam to the write path (write/receive-write.ts), which takes plain inputs: the target (the
 * base for a Bundle, `{base}/{type}` for a plain create), the headers it reads and a body reader
 * under the service's cap. The request's one signal is the write path's "client gone" signal; the
 * write path adds the service deadline to it.
 */
export function callReceiveWrite(request: CoreRequest, exchange: FhirExchange, setup: ServiceSetup, rest: readonly string[], deps: WriteDeps): Promise<WriteAnswer> {
  const body = request.body;
  return receiveWrite(
    {
      target: rest.length === 1 ? { kind: 'create', resourceType: decodeURIComponent(rest[0]!) } : { kind: 'base' },
      contentType: request.headers.contentType,
      accept: request.headers.accept,
      prefer: request.headers.prefer,
      readBody: (maxBytes) => (body ? readBody(body, request.headers.contentLength, maxBytes) : Promise.resolve(Buffer.alloc(0))),
      clientGone: request.signal,
    },
    exchange,
    { service: setup.service, accepts: setup.catalogue.accepts, ...(setup.catalogue.submit ? { submit: setup.catalogue.submit } : {}), adapter: setup.adapter },
    deps,
  );
}
