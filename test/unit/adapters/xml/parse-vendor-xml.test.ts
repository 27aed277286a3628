import { parseVendorXml, xmlRecord, fillUrlTemplate } from '../../../../adapters/xml/index.js';

test('records under the root, namespace prefixes ignored; paths reach text, attributes and the record itself', async () => {
  const nodes = await parseVendorXml('<a:exp xmlns:a="urn:v"><a:rec id="1" p="x"><a:st>F</a:st><a:c s="L">8</a:c></a:rec><a:rec id="2"/><a:other/></a:exp>', 'rec');
  expect(nodes).toHaveLength(2);
  const r = xmlRecord(nodes[0]!, '@id');
  expect([r.key, r.get('st'), r.get('c/@s'), r.get('c'), r.get('@p'), r.get('missing'), r.get('c/missing')]).toEqual(['1', 'F', 'L', '8', 'x', undefined, undefined]);
  expect(await parseVendorXml('<rec id="9"/>', 'rec')).toHaveLength(1);
  expect(await parseVendorXml('<exp/>', 'rec')).toEqual([]);
});

test.each([
  '<!DOCTYPE x [<!ENTITY a "aaaa">]><exp>&a;</exp>',
  '<?xml version="1.0"?>\n<!doctype exp SYSTEM "http://evil.example/x.dtd"><exp/>',
  '<exp><!ENTITY x SYSTEM "file:///etc/passwd"></exp>',
])('DTDs and entities are refused before parsing: %s', async (xml) => {
  await expect(parseVendorXml(xml, 'rec')).rejects.toThrow(/DOCTYPE or ENTITY/);
});

test('malformed XML is an error', async () => {
  await expect(parseVendorXml('<exp><rec></exp>', 'rec')).rejects.toThrow(/not well-formed/);
});

test('URL templates encode values, so a value cannot add segments or parameters', () => {
  expect(fillUrlTemplate('/patients/{patient}/labs', { patient: '../admin?x=1#' })).toBe('/patients/..%2Fadmin%3Fx%3D1%23/labs');
  expect(() => fillUrlTemplate('/p/{bsn}', {})).toThrow(/no value/);
});
