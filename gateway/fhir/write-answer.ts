import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerError, serializeResource, type Answer } from './core/index.js';
import { endTogether } from './end-together.js';
import { CONTENT_TYPES } from './format.js';
import type { Logger } from '../observability/index.js';
import { stageHeader } from '../staged-head-response.js';

/**
 * The answer's own headers, and the MedMij-Request-ID echoed when the core found it well-formed.
 * Staged on the lean edge's response (written with the head in one list), set on any other.
 */
function setHeaders(res: ServerResponse, answer: Answer): void {
  for (const name in answer.headers) stageHeader(res, name, answer.headers[name]!);
  if (answer.record.traceId !== undefined) stageHeader(res, 'MedMij-Request-ID', answer.record.traceId);
}

function writeWhole(res: ServerResponse, answer: Answer, contentType: string | undefined, bytes: Buffer | string | undefined): void {
  setHeaders(res, answer);
  if (contentType !== undefined) stageHeader(res, 'Content-Type', contentType);
  stageHeader(res, 'Content-Length', bytes === undefined ? 0 : typeof bytes === 'string' ? Buffer.byteLength(bytes, 'utf8') : bytes.length);
  // The head is fixed now (headersSent); the bytes leave with this turn's other answers.
  res.writeHead(answer.status);
  endTogether(res, answer.head ? undefined : bytes);
}

/**
 * Writes the core's answer on a node:http response (the lean edge and the Express shell alike).
 * A resource that cannot be rendered (XML) and a stream that fails before it started become the
 * core's error answer; gives the answer actually sent: at once for a whole answer, when the last
 * byte is out for a stream (no promise per answer that is written in one go).
 */
export function writeAnswer(req: IncomingMessage, res: ServerResponse, answer: Answer, logOf: () => Logger): Answer | Promise<Answer> {
  const { body } = answer;
  if (res.destroyed && body.kind !== 'stream') return answer; // the client is gone; nothing to write to
  switch (body.kind) {
    case 'resource': {
      let text: string;
      try {
        text = body.serialized ?? serializeResource(body.resource, body.format, body.fhirVersion);
      } catch (err) {
        if (answer.status >= 400) {
          // An OperationOutcome that XML cannot carry is sent as JSON (never a second failure).
          logOf().error({ cause: err instanceof Error ? err.name : typeof err }, 'OperationOutcome could not be rendered as XML');
          writeWhole(res, answer, CONTENT_TYPES.json, JSON.stringify(body.resource));
          return answer;
        }
        return writeAnswer(req, res, answerError(err, { accept: undefined, formatParam: 'json', fhirVersion: body.fhirVersion, head: answer.head, log: logOf() }, answer.record), logOf);
      }
      writeWhole(res, answer, CONTENT_TYPES[body.format], text);
      return answer;
    }
    case 'bytes':
      writeWhole(res, answer, undefined, body.bytes);
      return answer;
    case 'empty':
      res.statusCode = answer.status;
      res.end();
      return answer;
    case 'stream':
      return writeStream(req, res, answer, body, logOf);
  }
}

/** A document piped from the source; a failure before the first byte becomes the core's error answer. */
async function writeStream(req: IncomingMessage, res: ServerResponse, answer: Answer, body: Extract<Answer['body'], { kind: 'stream' }>, logOf: () => Logger): Promise<Answer> {
  setHeaders(res, answer);
  try {
    await body.pipe({ req, res });
    return answer;
  } catch (err) {
    if (res.headersSent) {
      logOf().error({ cause: err instanceof Error ? err.name : typeof err }, 'error after the FHIR answer started');
      res.destroy();
      return answer;
    }
    const failed = answerError(err, { accept: req.headers.accept, formatParam: undefined, fhirVersion: answer.record.service?.fhirVersion ?? 'STU3', head: answer.head, log: logOf() }, answer.record);
    return writeAnswer(req, res, failed, logOf);
  }
}
