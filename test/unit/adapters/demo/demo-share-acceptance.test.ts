import { createDemoAdapter, DEMO_PATIENTS } from '../../../../adapters/index.js';
import type { Adapter } from '../../../../adapters/types.js';
import { parseFhirXml } from '../../../../gateway/fhir/fhir-xml.js';
import { compartmentPatients } from '../../../../gateway/fhir/search/index.js';
import { createSilentLogger } from '../../../../gateway/observability/logger.js';

/** Delen's acceptance check in the demo EHR: yes for its own patients, no for anyone else. */
describe('demo EHR canAcceptShare', () => {
  let adapter: Adapter;
  beforeAll(async () => {
    adapter = await createDemoAdapter({ id: 'demo-ehr', kind: 'demo' }, { log: createSilentLogger(), parseXml: parseFhirXml, compartment: compartmentPatients, now: new Date('2026-03-31T12:00:00Z') });
  });
  afterAll(() => adapter.close());
  const signal = new AbortController().signal;

  it('accepts a share for every demo patient', async () => {
    for (const p of DEMO_PATIENTS) await expect(adapter.canAcceptShare!(p.id, '53', signal)).resolves.toBe(true);
  });
  it('refuses a patient reference it does not hold', async () => {
    await expect(adapter.canAcceptShare!('demo-patient-unknown', '53', signal)).resolves.toBe(false);
  });
  it('answers after a passed deadline with a timeout, never a yes', async () => {
    const passed = AbortSignal.abort();
    await expect(adapter.canAcceptShare!(DEMO_PATIENTS[0]!.id, '53', passed)).rejects.toThrow('deadline');
  });
});
