import type { FhirVersion } from '../../adapters/types.js';
import { FhirError } from './outcome.js';

/**
 * Content negotiation (FHIR http.html "Content Types and encodings"): `_format` overrides
 * `Accept`. MedMij serves JSON and XML alike (digest §3). Be lenient where PGOs differ: accept the
 * plain `application/json|xml` types, the short `json|xml` forms, and a `fhirVersion` parameter
 * when it names the base's version (the government mock demands one, real PGOs may omit it:
 * digest §8.2 item 9). Anything else is 406 Not Acceptable.
 */
export type FhirFormat = 'json' | 'xml';
/** A Binary read answers its own content unless a FHIR format is asked for (FHIR binary.html). */
export type BinaryFormat = FhirFormat | 'raw';

export const CONTENT_TYPES: Readonly<Record<FhirFormat, string>> = {
  json: 'application/fhir+json; charset=utf-8',
  xml: 'application/fhir+xml; charset=utf-8',
};

const FORMAT_WORDS: Readonly<Record<string, FhirFormat>> = {
  json: 'json',
  xml: 'xml',
  'application/json': 'json',
  'application/fhir+json': 'json',
  'application/json+fhir': 'json', // DSTU2 spelling, still sent by some STU3 clients
  'application/xml': 'xml',
  'text/xml': 'xml',
  'application/fhir+xml': 'xml',
  'application/xml+fhir': 'xml',
};

/** Only these ask for the Binary *resource*; plain json/xml may be the document's own type. */
const FHIR_ONLY_TYPES = new Set(['application/fhir+json', 'application/json+fhir', 'application/fhir+xml', 'application/xml+fhir']);

const VERSION_PREFIX: Readonly<Record<FhirVersion, readonly string[]>> = {
  STU3: ['3.0'],
  R4: ['4.0'],
};

interface MediaRange {
  readonly type: string;
  readonly q: number;
  readonly fhirVersion?: string;
}

const MAX_HEADER = 1024;

/** Parses `Accept` into media ranges; tolerant of spacing and case (RFC 9110 §12.5.1). */
function parseAccept(accept: string): MediaRange[] {
  if (accept.length > MAX_HEADER) throw new FhirError(400, 'invalid', 'the Accept header is too long', { reason: 'bad_accept' });
  const ranges: MediaRange[] = [];
  for (const part of accept.split(',')) {
    const [rawType, ...rawParams] = part.split(';');
    const type = (rawType ?? '').trim().toLowerCase();
    if (type === '') continue;
    let q = 1;
    let fhirVersion: string | undefined;
    for (const p of rawParams) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const name = p.slice(0, eq).trim().toLowerCase();
      const value = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
      if (name === 'q') {
        const n = Number(value);
        q = Number.isFinite(n) && n >= 0 && n <= 1 ? n : 0;
      } else if (name === 'fhirversion') {
        fhirVersion = value;
      }
    }
    ranges.push(fhirVersion === undefined ? { type, q } : { type, q, fhirVersion });
  }
  return ranges.sort((a, b) => b.q - a.q);
}

function versionFits(range: MediaRange, version: FhirVersion): boolean {
  if (range.fhirVersion === undefined) return true;
  return VERSION_PREFIX[version].some((p) => range.fhirVersion === p || range.fhirVersion!.startsWith(`${p}.`));
}

function notAcceptable(what: string): FhirError {
  return new FhirError(406, 'not-supported', `${what} is not supported: use application/fhir+json or application/fhir+xml`, {
    reason: 'not_acceptable',
  });
}

function fromFormatParam(format: string): FhirFormat {
  const range = parseAccept(format)[0];
  const chosen = range ? FORMAT_WORDS[range.type] : undefined;
  if (!chosen) throw notAcceptable('the requested _format');
  return chosen;
}

/** The format of a FHIR answer (Bundle, resource or OperationOutcome). */
export function negotiateFormat(accept: string | undefined, formatParam: string | undefined, version: FhirVersion): FhirFormat {
  if (formatParam !== undefined) return fromFormatParam(formatParam);
  if (accept === undefined || accept.trim() === '') return 'json';
  const ranges = parseAccept(accept).filter((r) => r.q > 0);
  if (ranges.length === 0) return 'json';
  for (const range of ranges) {
    const chosen = FORMAT_WORDS[range.type];
    if (chosen && versionFits(range, version)) return chosen;
    if ((range.type === '*/*' || range.type === 'application/*') && versionFits(range, version)) return 'json';
  }
  throw notAcceptable('the requested media type');
}

/** The format of a Binary read: its raw content unless a FHIR type or `_format` is named. */
export function negotiateBinaryFormat(accept: string | undefined, formatParam: string | undefined, version: FhirVersion): BinaryFormat {
  if (formatParam !== undefined) return fromFormatParam(formatParam);
  if (accept === undefined) return 'raw';
  const best = parseAccept(accept).find((r) => r.q > 0);
  if (best && FHIR_ONLY_TYPES.has(best.type)) return negotiateFormat(accept, undefined, version);
  return 'raw';
}

/** For error answers: the client's preference when it can be read, JSON otherwise (never throws). */
export function preferredFormat(accept: string | undefined, formatParam: string | undefined, version: FhirVersion): FhirFormat {
  try {
    return negotiateFormat(accept, formatParam, version);
  } catch {
    return 'json';
  }
}
