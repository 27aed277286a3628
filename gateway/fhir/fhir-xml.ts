import fhirLib from 'fhir';
import type { Resource, FhirVersion } from '../../adapters/types.js';

/**
 * FHIR XML ↔ FHIR JSON for both versions the gateway serves, through the `fhir` package
 * (FHIR.js, lantanagroup). Its built-in definitions are R4 only; STU3 needs the STU3 (3.0.1)
 * type definitions, which we ship pre-parsed in definitions/stu3-types.json (see the README
 * there). Measured on the Nictiz fixtures: all 60 STU3 BgZ and 658 R4 MP9 files convert without
 * losing an element and survive a JSON → XML → JSON round trip.
 *
 * This is the only file that imports `fhir` (house rule 1).
 */

const { Fhir, ParseConformance, Versions } = fhirLib;

// A dynamic import with the JSON attribute: Node requires the attribute, tsc then copies the file
// into dist/, and the test runner (whose transpiler drops static import attributes) sees it too.
const stu3Types: unknown = (await import('./definitions/stu3-types.json', { with: { type: 'json' } })).default;

/** Upper bound on one XML document: fixtures are a few kB, upstream EHR answers are capped too. */
export const DEFAULT_MAX_XML_BYTES = 10 * 1024 * 1024;

export class FhirXmlError extends Error {
  /** Mapped by the error catalog (gateway/errors.ts) to 502 when upstream XML is unreadable. */
  readonly code = 'FHIR_XML_INVALID';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FhirXmlError';
  }
}

type Converter = InstanceType<typeof Fhir>;
const converters = new Map<FhirVersion, Converter>();

function converterFor(version: FhirVersion): Converter {
  let c = converters.get(version);
  if (c) return c;
  if (version === 'R4') {
    c = new Fhir(new ParseConformance(true, Versions.R4));
  } else {
    const parser = new ParseConformance(false, Versions.STU3);
    // The parser keeps its type table in this public field; ours comes pre-parsed from the
    // official STU3 definitions, so nothing else needs loading.
    parser.parsedStructureDefinitions = structuredClone(stu3Types) as typeof parser.parsedStructureDefinitions;
    c = new Fhir(parser);
  }
  converters.set(version, c);
  return c;
}

/**
 * XML from disk today and from upstream systems later is untrusted: refuse DTDs outright (no
 * entity expansion, no external entities: OWASP XXE guidance) and cap the size before parsing.
 */
function assertSafeXml(xml: string, maxBytes: number): void {
  if (Buffer.byteLength(xml, 'utf8') > maxBytes) {
    throw new FhirXmlError(`FHIR XML document exceeds the limit of ${maxBytes} bytes`);
  }
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) {
    throw new FhirXmlError('FHIR XML must not contain DOCTYPE or ENTITY declarations');
  }
}

/** Parses one FHIR XML resource (a Bundle included) into FHIR JSON of the given version. */
export function parseFhirXml(
  xml: string,
  version: FhirVersion,
  options: { readonly maxBytes?: number } = {},
): Resource {
  assertSafeXml(xml, options.maxBytes ?? DEFAULT_MAX_XML_BYTES);
  let parsed: unknown;
  try {
    // Through JSON text, not xmlToObj: the library keeps decimals as strings in objects (to keep
    // their precision) and writes them as JSON numbers only in text, which FHIR JSON requires.
    parsed = JSON.parse(converterFor(version).xmlToJson(xml));
  } catch (err) {
    throw new FhirXmlError(`not a readable FHIR ${version} XML resource`, { cause: err });
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof (parsed as { resourceType?: unknown }).resourceType !== 'string'
  ) {
    throw new FhirXmlError(`not a FHIR ${version} resource: no resource type`);
  }
  return parsed as Resource;
}

/** Serialises FHIR JSON of the given version to FHIR XML. */
export function toFhirXml(resource: Resource, version: FhirVersion): string {
  try {
    return converterFor(version).objToXml(resource);
  } catch (err) {
    throw new FhirXmlError(`cannot write ${resource.resourceType} as FHIR ${version} XML`, { cause: err });
  }
}

/**
 * The `fhir` package's structure validator against the same definitions (known elements,
 * cardinality, primitive types, elements the base definition requires); codes are not checked
 * against value sets. Here because this file is the package's one door; the write path
 * (gateway/fhir/write/validate-structure.ts) turns the messages into its answer.
 */
export function validateAgainstDefinitions(resource: Resource, version: FhirVersion): ReadonlyArray<{ readonly location?: string; readonly severity?: string; readonly message?: string }> {
  return converterFor(version).validate(resource, { errorOnUnexpected: true, skipCodeValidation: true }).messages;
}
