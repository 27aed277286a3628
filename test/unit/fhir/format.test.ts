import { negotiateBinaryFormat, negotiateFormat, preferredFormat } from '../../../gateway/fhir/format.js';
import { FhirError } from '../../../gateway/fhir/outcome.js';

describe('negotiateFormat', () => {
  it.each([
    [undefined, undefined, 'json'],
    ['*/*', undefined, 'json'],
    ['application/fhir+json', undefined, 'json'],
    ['application/json', undefined, 'json'],
    ['application/fhir+xml', undefined, 'xml'],
    ['application/xml', undefined, 'xml'],
    ['application/fhir+json; fhirVersion=3.0', undefined, 'json'],
    ['application/fhir+xml;fhirVersion=3.0.1', undefined, 'xml'],
    ['text/html, application/fhir+xml;q=0.9', undefined, 'xml'],
    ['application/fhir+json;q=0.1, application/fhir+xml', undefined, 'xml'],
    ['application/fhir+json', 'xml', 'xml'],
    ['application/fhir+xml', 'json', 'json'],
    [undefined, 'application/fhir+xml', 'xml'],
    [undefined, 'application/json', 'json'],
  ] as const)('Accept %s, _format %s → %s (STU3)', (accept, format, expected) => {
    expect(negotiateFormat(accept, format, 'STU3')).toBe(expected);
  });

  it('takes fhirVersion=4.0 on an R4 base and refuses it on an STU3 base', () => {
    expect(negotiateFormat('application/fhir+json; fhirVersion=4.0', undefined, 'R4')).toBe('json');
    expect(() => negotiateFormat('application/fhir+json; fhirVersion=4.0', undefined, 'STU3')).toThrow(FhirError);
  });

  it.each([['text/html'], ['application/pdf'], ['image/png;q=1, text/plain']])('406 for Accept %s', (accept) => {
    try {
      negotiateFormat(accept, undefined, 'STU3');
      throw new Error('expected a refusal');
    } catch (err) {
      expect(err).toBeInstanceOf(FhirError);
      expect((err as FhirError).status).toBe(406);
      expect((err as FhirError).issueCode).toBe('not-supported');
    }
  });

  it('406 for an unknown _format', () => {
    expect(() => negotiateFormat(undefined, 'html', 'STU3')).toThrow(expect.objectContaining({ status: 406 }));
    expect(preferredFormat(undefined, 'html', 'STU3')).toBe('json');
  });
});

describe('negotiateBinaryFormat', () => {
  it('serves raw content unless a FHIR type or _format is asked for', () => {
    expect(negotiateBinaryFormat(undefined, undefined, 'STU3')).toBe('raw');
    expect(negotiateBinaryFormat('application/pdf', undefined, 'STU3')).toBe('raw');
    expect(negotiateBinaryFormat('*/*', undefined, 'STU3')).toBe('raw');
    expect(negotiateBinaryFormat('application/fhir+json', undefined, 'STU3')).toBe('json');
    expect(negotiateBinaryFormat('application/fhir+xml', undefined, 'R4')).toBe('xml');
    expect(negotiateBinaryFormat('application/pdf', 'json', 'STU3')).toBe('json');
  });
});
