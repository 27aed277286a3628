import { MappingFailed } from '../../../../adapters/errors.js';
import { compileMapping, convertValue, recordFromRow, setPath } from '../../../../adapters/mapping/index.js';

const spec = {
  resourceType: 'Condition',
  template: { meta: { profile: ['http://nictiz.nl/fhir/StructureDefinition/zib-Problem'] }, category: [{ coding: [{ system: 'http://snomed.info/sct', code: '439401001' }] }] },
  fields: [
    { to: '$', from: 'doc', type: 'json' },
    { to: 'id', from: 'id', required: true },
    { to: 'clinicalStatus', from: 'st', map: { A: 'active', I: 'inactive' }, default: 'active' },
    { to: 'code.coding[0].code', from: 'code', type: 'code', required: true },
    { to: 'code.coding[0].system', value: 'http://snomed.info/sct' },
    { to: 'subject.reference', template: 'Patient/{pid}' },
    { to: 'onsetDateTime', from: 'onset', type: 'dateTime' },
    { to: 'extension[0].valueInteger', from: 'n', type: 'integer' },
  ],
};

test('maps a record: template, JSON merge, value maps with default, positions, templates, types', () => {
  const m = compileMapping('problem', spec);
  const r = m.map(recordFromRow('c1', { id: 'c1', st: 'Z', code: ' 38341003 ', pid: 'p1', onset: '2020-01-02 03:04:05+01', n: '7', doc: '{"note":[{"text":"x"}],"code":{"text":"Hypertensie"}}' }));
  expect(r).toEqual({
    resourceType: 'Condition', id: 'c1', clinicalStatus: 'active',
    meta: { profile: ['http://nictiz.nl/fhir/StructureDefinition/zib-Problem'] },
    category: [{ coding: [{ system: 'http://snomed.info/sct', code: '439401001' }] }],
    note: [{ text: 'x' }],
    code: { text: 'Hypertensie', coding: [{ code: '38341003', system: 'http://snomed.info/sct' }] },
    subject: { reference: 'Patient/p1' },
    onsetDateTime: '2020-01-02T03:04:05+01:00',
    extension: [{ valueInteger: 7 }],
  });
  expect(m.reads).toEqual(expect.arrayContaining(['doc', 'id', 'st', 'code', 'pid', 'onset', 'n']));
});

test('optional values that are missing are left out; a missing template value leaves the element out', () => {
  const r = compileMapping('problem', spec).map(recordFromRow('c2', { id: 'c2', code: '1' }));
  expect(r).not.toHaveProperty('subject');
  expect(r).not.toHaveProperty('onsetDateTime');
});

test.each([
  [{ code: '1' }, 'field "id": required value missing'],
  [{ id: 'c3', code: '1', n: '1.5' }, 'field "extension[0].valueInteger": expected an integer'],
  [{ id: 'c3', code: '1', onset: '02-01-2020' }, 'field "onsetDateTime": expected a dateTime with a time zone'],
  [{ id: 'c3', code: '1', doc: '{not json' }, 'field "$": expected JSON text'],
  [{ id: 'bad id!', code: '1' }, 'field "id": not a FHIR id'],
  [{ id: 'c3', code: '1', doc: '{"resourceType":"Patient"}' }, 'field "resourceType": document is not a Condition'],
])('mapping errors name mapping, record and path, never the value: %j', (row, why) => {
  const run = () => compileMapping('problem', spec).map(recordFromRow('rec-7', row));
  expect(run).toThrow(MappingFailed);
  expect(run).toThrow(`mapping "problem", record "rec-7", ${why}`);
});

test('a value outside the map without default is an error; prototype keys are not codes', () => {
  const m = compileMapping('s', { resourceType: 'Flag', fields: [{ to: 'status', from: 's', map: { A: 'active' } }] });
  expect(() => m.map(recordFromRow('k', { s: 'constructor' }))).toThrow('value not in the value map');
  expect(() => m.map(recordFromRow('k', { s: '__proto__' }))).toThrow('value not in the value map');
});

test('the spec is checked when compiled: bad paths, two sources, resourceType', () => {
  expect(() => compileMapping('x', { resourceType: 'Flag', fields: [{ to: 'a..b', from: 'x' }] })).toThrow();
  expect(() => compileMapping('x', { resourceType: 'Flag', fields: [{ to: 'a', from: 'x', value: 'y' }] })).toThrow(/exactly one of/);
  expect(() => compileMapping('x', { resourceType: 'Flag', fields: [{ to: 'resourceType', value: 'Patient' }] })).toThrow();
  expect(() => compileMapping('x', { resourceType: 'Flag', fields: [{ to: '$', from: 'x' }] })).toThrow(/type: json/);
});

test('setPath does not leave holes in lists; a JSON merge cannot pollute prototypes', () => {
  expect(() => setPath({}, 'a[1].b', 1)).toThrow(/skips/);
  const m = compileMapping('x', { resourceType: 'Flag', fields: [{ to: '$', from: 'd', type: 'json' }] });
  const r = m.map(recordFromRow('k', { d: '{"__proto__":{"polluted":true},"status":"active"}' }));
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(r).toEqual({ resourceType: 'Flag', status: 'active' });
});

test('convertValue: the FHIR primitive types', () => {
  expect(convertValue('12.50', 'decimal')).toBe(12.5);
  expect(convertValue('t', 'boolean')).toBe(true);
  expect(convertValue('2020-02', 'date')).toBe('2020-02');
  expect(() => convertValue('2020-13-01', 'date')).toThrow();
  expect(convertValue('2024-05-01 09:30:00Z', 'dateTime')).toBe('2024-05-01T09:30:00Z');
  expect(() => convertValue({}, 'string')).toThrow('expected a text value');
});
