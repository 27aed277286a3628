import { parseFhirXml, toFhirXml, FhirXmlError } from '../../../../gateway/fhir/fhir-xml.js';

const NS = 'xmlns="http://hl7.org/fhir"';

describe('FHIR XML <-> JSON', () => {
  test('STU3-only elements survive (ProcedureRequest, Observation.related) and decimals become numbers', () => {
    const pr = parseFhirXml(`<ProcedureRequest ${NS}><id value="p1"/><status value="active"/><intent value="order"/><subject><reference value="Patient/a"/><display value="A"/></subject></ProcedureRequest>`, 'STU3');
    expect(pr).toEqual({ resourceType: 'ProcedureRequest', id: 'p1', status: 'active', intent: 'order', subject: { reference: 'Patient/a', display: 'A' } });
    const obs = parseFhirXml(
      `<Observation ${NS}><id value="o"/><status value="final"/><code><text value="x"/></code><valueQuantity><value value="1.50"/></valueQuantity><related><type value="has-member"/><target><reference value="Observation/b"/></target></related></Observation>`,
      'STU3',
    );
    expect(obs['related']).toEqual([{ type: 'has-member', target: { reference: 'Observation/b' } }]);
    expect((obs['valueQuantity'] as { value: unknown }).value).toBe(1.5);
    expect(parseFhirXml(toFhirXml(obs, 'STU3'), 'STU3')).toEqual(obs);
  });

  test('R4 round trip keeps extensions and arrays', () => {
    const mr = {
      resourceType: 'MedicationRequest', id: 'm', status: 'active', intent: 'order',
      extension: [{ url: 'http://example.org/x', valuePeriod: { start: '2024-01-01' } }],
      category: [{ coding: [{ system: 'http://snomed.info/sct', code: '33633005', display: 'MA' }] }],
      subject: { reference: 'Patient/a', display: 'A' },
    };
    const xml = toFhirXml(mr, 'R4');
    expect(xml).toContain('<MedicationRequest xmlns="http://hl7.org/fhir">');
    expect(parseFhirXml(xml, 'R4')).toEqual(mr);
  });

  test('DOCTYPE and ENTITY declarations are refused before parsing', () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE Patient [<!ENTITY x SYSTEM "file:///etc/passwd">]><Patient ${NS}><id value="&x;"/></Patient>`;
    expect(() => parseFhirXml(xxe, 'R4')).toThrow(FhirXmlError);
    expect(() => parseFhirXml(xxe, 'R4')).toThrow(/DOCTYPE or ENTITY/);
  });

  test('documents over the size cap and non-FHIR XML are refused', () => {
    expect(() => parseFhirXml(`<Patient ${NS}><id value="a"/></Patient>`, 'R4', { maxBytes: 10 })).toThrow(/exceeds the limit/);
    expect(() => parseFhirXml('<NoSuchResource xmlns="http://hl7.org/fhir"/>', 'R4')).toThrow(FhirXmlError);
    expect(() => parseFhirXml('not xml at all <', 'STU3')).toThrow(FhirXmlError);
  });
});
