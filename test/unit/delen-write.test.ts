import { randomUUID } from 'node:crypto';
import { createDemoAdapter } from '../../adapters/demo/demo-adapter.js';
import { parseResourcePath, valueAt } from '../../adapters/mapping/index.js';
import type { Adapter, Resource } from '../../adapters/types.js';
import { writeDocument } from '../../adapters/xml/write-document.js';
import { parseFhirXml } from '../../gateway/fhir/fhir-xml.js';
import { compartmentPatients } from '../../gateway/fhir/search/index.js';
import type { FhirExchange, ServiceBase } from '../../gateway/fhir/exchange.js';
import { checkProfile } from '../../gateway/fhir/write/check-profile.js';
import { receiveWrite, type WriteInput } from '../../gateway/fhir/write/index.js';
import { validateStructure } from '../../gateway/fhir/write/validate-structure.js';
import { MemoryAuditLog } from '../../gateway/observability/audit.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';

/**
 * The framework-free write entry (receive-write.ts) with the real demo EHR behind it, as the FHIR
 * core calls it; the structure validator; resource paths and the XML write document.
 */
const PATIENT = 'demo-patient-de-graaf';
const BP = 'http://nictiz.nl/fhir/StructureDefinition/zib-BloodPressure';
const SERVICE: ServiceBase = { providerName: 'demoziekenhuis', serviceId: 'x1', standard: 'test', fhirVersion: 'STU3', adapterId: 'demo', timeoutMs: 5000, url: 'https://localhost/fhir/demoziekenhuis/x1' };
const ACCEPTS = [{ profile: BP, resourceType: 'Observation', required: ['status', 'subject'], oneOf: [], values: {}, status: ['final'] }];

function exchange(): FhirExchange {
  return {
    requestId: randomUUID(), log: createSilentLogger(), traceId: randomUUID(), service: SERVICE,
    grant: { clientId: 'pgo.example', providerName: 'demoziekenhuis', serviceIds: ['x1'], patientRef: PATIENT, scope: 'demoziekenhuis~x1' } as unknown as NonNullable<FhirExchange['grant']>,
  };
}

function observation(extra: Record<string, unknown> = {}): Resource {
  return { resourceType: 'Observation', meta: { profile: [BP] }, status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] }, subject: { reference: `Patient/${PATIENT}` }, effectiveDateTime: '2026-12-01T08:00:00Z', ...extra };
}

const input = (body: unknown, target: WriteInput['target'] = { kind: 'create', resourceType: 'Observation' }): WriteInput => ({
  target, contentType: 'application/fhir+json', accept: 'application/fhir+json', prefer: undefined,
  readBody: async () => Buffer.from(JSON.stringify(body)),
});

let demo: Adapter;
beforeEach(async () => {
  demo = await createDemoAdapter({ id: 'demo', kind: 'demo' } as never, { log: createSilentLogger(), parseXml: parseFhirXml, compartment: compartmentPatients });
});
afterEach(() => demo.close());

const demoCtx = () => ({ patient: { patientRef: PATIENT }, fhirVersion: 'STU3' as const, requestId: 't', signal: AbortSignal.timeout(5000), log: createSilentLogger() });

describe('receiveWrite: a plain create where the catalogue allows it', () => {
  const target = (adapter: Adapter) => ({ service: SERVICE, accepts: ACCEPTS, submit: { bundleTypes: ['batch' as const], create: true, maxBytes: 65536 }, adapter });

  it('answers 201 with the stored resource and its Location; the demo EHR then serves it', async () => {
    const audit = new MemoryAuditLog();
    const answer = await receiveWrite(input(observation()), exchange(), target(demo), { audit });
    expect(answer.status).toBe(201);
    const created = answer.resource as Resource;
    expect(created).toMatchObject({ resourceType: 'Observation', subject: { reference: `Patient/${PATIENT}` } });
    expect(answer.headers).toEqual({ Location: `Observation/${String(created.id)}` });
    const found = await demo.search({ resourceType: 'Observation', params: [], criteria: [] }, demoCtx());
    expect(found.resources.map((r) => r.id)).toContain(created.id);
    expect(audit.events.find((e) => e.type === 'delen_write')).toMatchObject({ outcome: 'success', count: 1, patientRef: PATIENT, clientId: 'pgo.example', detail: `Observation/${String(created.id)}` });
  });

  it('an invalid resource is a 422 OperationOutcome naming the element; a type the service does not accept is a 405', async () => {
    const bad = await receiveWrite(input(observation({ status: undefined, valueQuantity: { value: 'hoog' } })), exchange(), target(demo), { audit: new MemoryAuditLog() });
    expect(bad.status).toBe(422);
    const diagnostics = (bad.resource as unknown as { issue: Array<{ diagnostics: string }> }).issue.map((i) => i.diagnostics);
    expect(diagnostics).toEqual(expect.arrayContaining([expect.stringMatching(/^Observation\.valueQuantity\.value: /), expect.stringMatching(/Observation\.status is required/)]));
    expect(diagnostics.join(' ')).not.toContain('hoog');
    await expect(receiveWrite(input({ resourceType: 'Condition' }, { kind: 'create', resourceType: 'Condition' }), exchange(), target(demo), { audit: new MemoryAuditLog() })).rejects.toMatchObject({ status: 405 });
  });

  it('EHR down: the write throws the adapter error (503 upstream), nothing is stored, and the audit says failure', async () => {
    const audit = new MemoryAuditLog();
    await demo.close();
    await expect(receiveWrite(input(observation()), exchange(), target(demo), { audit })).rejects.toMatchObject({ code: 'ADAPTER_UPSTREAM_UNAVAILABLE' });
    expect(audit.events.find((e) => e.type === 'delen_write')).toMatchObject({ outcome: 'failure', count: 0 });
  });

  it('a transaction to the demo EHR with one bad entry stores none of its entries', async () => {
    const transaction = {
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { resource: observation(), request: { method: 'POST', url: 'Observation' } },
        { resource: observation({ status: 'cancelled' }), request: { method: 'POST', url: 'Observation' } },
      ],
    };
    const before = (await demo.search({ resourceType: 'Observation', params: [], criteria: [] }, demoCtx())).resources.length;
    const answer = await receiveWrite(input(transaction, { kind: 'base' }), exchange(), { ...target(demo), submit: { bundleTypes: ['transaction'], create: false, maxBytes: 65536 } }, { audit: new MemoryAuditLog() });
    expect(answer.status).toBe(422);
    expect(JSON.stringify(answer.resource)).toMatch(/Bundle\.entry\[1\]: Observation\.status is not one of final/);
    expect((await demo.search({ resourceType: 'Observation', params: [], criteria: [] }, demoCtx())).resources).toHaveLength(before);
  });
});

describe('structure validation (the fhir package against the STU3 definitions)', () => {
  it('names cardinality, type and unknown elements without echoing values', () => {
    const problems = validateStructure(observation({ category: { coding: [] }, valueQuantity: { value: 'geheim-123' }, bogus: 1 }), 'STU3');
    expect(problems.map((p) => p.element).sort()).toEqual(['Observation.bogus', 'Observation.category', 'Observation.valueQuantity.value']);
    expect(JSON.stringify(problems)).not.toContain('geheim-123');
    expect(validateStructure(observation(), 'STU3')).toEqual([]);
  });

  it('checkProfile: a resource type without a profile rule (Binary) is matched by type, values pinned', () => {
    const accepts = [{ resourceType: 'Binary', required: ['contentType', 'content'], oneOf: [], values: { contentType: ['application/pdf'] } }];
    expect(checkProfile({ resourceType: 'Binary', contentType: 'application/pdf', content: 'JVBERi0=' }, accepts)).toHaveProperty('rule');
    expect(checkProfile({ resourceType: 'Binary', contentType: 'text/html', content: 'PGI+' }, accepts)).toEqual({ problems: ['Binary.contentType is not one of application/pdf (the Binary this data service accepts)'] });
  });
});

describe('resource paths and the XML write document', () => {
  const bp = observation({ component: [{ code: { coding: [{ code: '8480-6' }] }, valueQuantity: { value: 120 } }, { code: { coding: [{ code: '8462-4' }] }, valueQuantity: { value: 80 } }] });

  it('selects by index and by component code; anything absent is undefined', () => {
    expect(valueAt(bp, parseResourcePath('component[code=8462-4].valueQuantity.value'))).toBe(80);
    expect(valueAt(bp, parseResourcePath('component[1].valueQuantity.value'))).toBe(80);
    expect(valueAt(bp, parseResourcePath('code.coding.code'))).toBe('85354-9');
    expect(valueAt(bp, parseResourcePath('component[code=9999-9].valueQuantity.value'))).toBeUndefined();
    expect(valueAt(bp, parseResourcePath('valueQuantity.value'))).toBeUndefined();
    expect(() => parseResourcePath('component.where(code=1)')).toThrow(/each step/);
  });

  it('escapes every value and takes the patient from the caller, never from the resource', () => {
    const shape = { element: 'meting', fields: new Map([['opmerking', parseResourcePath('comment')]]) };
    const xml = writeDocument('metingen', [{ shape, resource: { ...bp, id: 'a1', comment: '<x a="1">&</x>' } }], PATIENT);
    expect(xml).toBe(`<?xml version="1.0" encoding="UTF-8"?><metingen><meting id="a1" patient="${PATIENT}"><opmerking>&lt;x a=&quot;1&quot;&gt;&amp;&lt;/x&gt;</opmerking></meting></metingen>`);
  });
});
