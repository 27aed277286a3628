import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtInDemoData, resolveDatePlaceholders } from '../../../adapters/index.js';
import type { FhirVersion, Resource } from '../../../adapters/types.js';
import { judgeCompartment, screenReadAnswer, screenResources, screenSearchAnswer, type CompartmentVerdict } from '../../../gateway/fhir/compartment.js';
import { parseFhirXml } from '../../../gateway/fhir/fhir-xml.js';
import { containsUnmaskedBsn, maskBsn } from '../../../gateway/fhir/mask-bsn.js';
import { compartmentPatients, linkedPatientIds } from '../../../gateway/fhir/search/index.js';

const A = { patientRef: 'A', fhirVersion: 'STU3' } as const;

describe('the compartment rule (screenResources)', () => {
  const mine = { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/A', display: 'A' } };
  const theirs = { resourceType: 'Condition', id: 'c2', subject: { reference: 'Patient/B', display: 'B' } };
  const absolute = { resourceType: 'Observation', id: 'o1', subject: { reference: 'https://ehr/fhir/Patient/B/_history/3' } };
  const nested = { resourceType: 'Coverage', id: 'cv', beneficiary: { reference: 'Patient/A' }, contained: [{ resourceType: 'RelatedPerson', patient: { reference: 'Patient/B' } }] };
  const shared = { resourceType: 'Practitioner', id: 'p1' };

  it('keeps own and shared resources and drops anything that points at another patient', () => {
    const r = screenResources([mine, theirs, absolute, nested, shared, { resourceType: 'Patient', id: 'A' }, { resourceType: 'Patient', id: 'B' }], A);
    expect(r.kept.map((x) => x.id)).toEqual(['c1', 'p1', 'A']);
    expect(r.violations.map((v) => v.resourceType)).toEqual(['Condition', 'Observation', 'Coverage', 'Patient']);
  });

  it('finds Patient references anywhere in the tree, and counts an unparseable one as another patient', () => {
    expect(judgeCompartment({ resourceType: 'Binary', securityContext: { reference: 'Patient/Z' } }, A)).toBe('foreign');
    expect(judgeCompartment({ resourceType: 'Practitioner', extension: [{ valueReference: { reference: 'Patient/B' } }] }, A)).toBe('foreign');
    expect(judgeCompartment({ resourceType: 'Condition', subject: { reference: 'Patient/A' }, note: [{ authorReference: { reference: 'Patient/not valid!' } }] }, A)).toBe('foreign');
  });

  it('keeps a resource that names no patient only where unlinked ones are allowed (includes), without an alarm', () => {
    const specimen = { resourceType: 'Specimen', id: 's1', subject: { reference: '#dev1' }, contained: [{ resourceType: 'Device', id: 'dev1' }] };
    expect(judgeCompartment(specimen, A)).toBe('unlinked');
    expect(screenResources([specimen], A)).toEqual({ kept: [], violations: [] });
    expect(screenResources([specimen], A, { allowUnlinked: true }).kept.map((r) => r.id)).toEqual(['s1']);
    const foreignSpecimen = { ...specimen, id: 's2', subject: { reference: 'Patient/B' } };
    expect(screenResources([foreignSpecimen], A, { allowUnlinked: true })).toEqual({ kept: [], violations: [{ resourceType: 'Specimen' }] });
  });

  it('links only through the CompartmentDefinition’s elements: a reference to the patient elsewhere does not make a member', () => {
    // Observation's links are subject and performer; `focus` is no link (R4 CompartmentDefinition).
    expect(judgeCompartment({ resourceType: 'Observation', focus: [{ reference: 'Patient/A' }] }, { patientRef: 'A', fhirVersion: 'R4' })).toBe('unlinked');
    expect(judgeCompartment({ resourceType: 'Observation', performer: [{ reference: 'Patient/A' }] }, { patientRef: 'A', fhirVersion: 'R4' })).toBe('own');
    expect(judgeCompartment({ resourceType: 'Appointment', participant: [{ actor: { reference: 'Patient/A' } }] }, { patientRef: 'A', fhirVersion: 'R4' })).toBe('own');
  });

  it('masks the BSN of the final answer in the same walk, and drops foreign matches from the total', () => {
    const patient = { resourceType: 'Patient', id: 'A', identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999999990' }] };
    const search = screenSearchAnswer({ matches: [patient, { resourceType: 'Patient', id: 'B' }], includes: [], total: 2 }, A);
    expect(search.outcome.total).toBe(1);
    expect(search.violations).toEqual([{ resourceType: 'Patient' }]);
    expect(containsUnmaskedBsn(search.outcome.matches)).toBe(false);
    expect(search.outcome.matches[0]).toEqual(maskBsn(patient));
    expect(screenReadAnswer(patient, A).resource).toEqual(maskBsn(patient));
    expect(patient.identifier[0]?.value).toBe('999999990'); // the adapter's object is not changed
    // The boundary (no mask) hands on the adapter's own object.
    expect(screenResources([patient], A).kept[0]).toBe(patient);
  });

  it('copies on write when masking: only the path to a BSN is new, everything else is the adapter\'s own value', () => {
    const name = [{ family: 'de Graaf', given: ['Marieke'] }];
    const agb = { system: 'http://fhir.nl/fhir/NamingSystem/agb-z', value: '01234567' };
    const bsn = { system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999999990' };
    const patient = { resourceType: 'Patient', id: 'A', name, identifier: [agb, bsn] };
    const masked = screenReadAnswer(patient, A).resource as typeof patient;
    expect(masked).not.toBe(patient);
    expect(masked.identifier).not.toBe(patient.identifier);
    expect(masked.identifier[1]).not.toBe(bsn);
    expect(masked.identifier[1]).toEqual({ system: bsn.system, _value: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'masked' }] } });
    expect(masked.identifier[0]).toBe(agb);
    expect(masked.name).toBe(name);
    expect(bsn.value).toBe('999999990'); // the adapter's object is not changed
    // A resource without a BSN is served as the adapter's object: nothing to mask, nothing copied.
    expect(screenReadAnswer(mine, A).resource).toBe(mine);
  });
});

describe('maskBsn', () => {
  const patient = {
    resourceType: 'Patient',
    id: 'A',
    identifier: [
      { system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999999990' },
      { system: 'urn:oid:2.16.840.1.113883.2.4.6.3', value: '999999990' },
      { system: 'https://ehr.example/mrn', value: '123' },
    ],
    generalPractitioner: [{ identifier: { system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '1' }, display: 'x' }],
  };

  it('replaces every BSN value with the masked data-absent-reason and leaves the rest alone', () => {
    expect(containsUnmaskedBsn(patient)).toBe(true);
    const masked = maskBsn(patient);
    expect(containsUnmaskedBsn(masked)).toBe(false);
    expect(masked.identifier[0]).toEqual({
      system: 'http://fhir.nl/fhir/NamingSystem/bsn',
      _value: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'masked' }] },
    });
    expect(masked.identifier[2]).toEqual({ system: 'https://ehr.example/mrn', value: '123' });
    expect(JSON.stringify(masked)).not.toContain('999999990');
    expect(patient.identifier[0]?.value).toBe('999999990'); // the adapter's object is not changed
  });
});

/**
 * The rule restated as the oracle for the data sets, from the other reading of the same
 * CompartmentDefinition: the links evaluated as FHIRPath (compartmentPatients, which the demo EHR
 * indexes by) instead of the walk's element paths, plus "any Patient reference anywhere".
 */
function verdictBefore(version: FhirVersion, resource: Resource, patientRef: string): CompartmentVerdict {
  const refs: string[] = [];
  const collect = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(collect);
    else if (node !== null && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'reference' && typeof v === 'string') refs.push(v);
        else collect(v);
      }
    }
  };
  collect(resource);
  const others = refs.some((ref) => {
    const m = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(ref);
    return m ? m[1] !== patientRef : /(^|\/)Patient\//.test(ref);
  });
  if (resource.resourceType === 'Patient' && resource.id !== patientRef) return 'foreign';
  const linked = compartmentPatients(version, resource);
  if (linked === undefined) return others ? 'foreign' : 'own';
  if (others || linked.some((id) => id !== patientRef)) return 'foreign';
  return linked.length > 0 ? 'own' : 'unlinked';
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const nictiz = path.resolve(root, '../shared/fixtures/nictiz');
const haveNictiz = existsSync(nictiz);
if (!haveNictiz) console.warn(`compartment.test: the Nictiz BgZ/MP9 part is skipped, no shared fixtures at ${nictiz}`);

async function loadFolder(version: FhirVersion, folder: string): Promise<Resource[]> {
  const out: Resource[] = [];
  for (const name of (await readdir(folder)).filter((n) => /\.(json|xml)$/i.test(n)).sort()) {
    const text = resolveDatePlaceholders(await readFile(path.join(folder, name), 'utf8'), new Date('2024-06-01T12:00:00Z'));
    const r = name.endsWith('.xml') ? (parseFhirXml(text, version) as unknown as Resource) : (JSON.parse(text) as Resource);
    if (r.resourceType === 'Bundle') for (const e of (r['entry'] as Array<{ resource: Resource }> | undefined) ?? []) out.push(e.resource);
    else out.push(r);
  }
  return out;
}

function expectSameAsBefore(version: FhirVersion, resources: readonly Resource[]): void {
  expect(resources.length).toBeGreaterThan(10);
  const patients = [...new Set(resources.flatMap((r) => linkedPatientIds(version, r))), 'nobody'];
  const seen = new Set<CompartmentVerdict>();
  for (const patientRef of patients) {
    for (const r of resources) {
      const { kept } = screenResources([r], { patientRef, fhirVersion: version }, { allowUnlinked: true, mask: true });
      const verdict = judgeCompartment(r, { patientRef, fhirVersion: version });
      seen.add(verdict);
      const label = `${r.resourceType}/${r.id ?? ''} for ${patientRef}`;
      expect({ label, verdict }).toEqual({ label, verdict: verdictBefore(version, r, patientRef) });
      if (verdict !== 'foreign') expect({ label, masked: kept[0] }).toEqual({ label, masked: maskBsn(r) });
    }
  }
  expect([...seen].sort()).toEqual(expect.arrayContaining(['foreign', 'own']));
}

describe('one pass gives the same verdicts and masking as before', () => {
  test.each(['STU3', 'R4'] as const)('demo data %s', async (version) => {
    expectSameAsBefore(version, await loadFolder(version, builtInDemoData[version]));
  });

  const n = haveNictiz ? test.each : test.skip.each;
  n([
    ['STU3', 'stu3-bgz-test'],
    ['R4', 'r4-medication-test'],
  ] as Array<[FhirVersion, string]>)('Nictiz %s %s', async (version, folder) => {
    expectSameAsBefore(version, await loadFolder(version, path.join(nictiz, folder)));
  });
});
