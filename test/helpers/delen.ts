import { randomUUID } from 'node:crypto';
import https from 'node:https';
import type { Resource } from '../../adapters/types.js';
import type { AuditEvent, MemoryAuditLog } from '../../gateway/observability/audit.js';
import type { PgoSession } from '../../gateway/pgo-client/index.js';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from './gateway.js';

/** A demo patient (Marieke de Graaf) and a BSN that passes the eleven test but no EHR knows. */
export const DELEN_BSN = '999911120';
export const DELEN_PATIENT = 'demo-patient-de-graaf';
export const UNKNOWN_DELEN_BSN = '123456782';
export const DELEN_SCOPE = 'demoziekenhuis~53';
export const DELEN_CLIENT = { clientId: 'pgo.listed.test', redirectUri: 'https://pgo.listed.test/medmij/callback' } as const;
const BP = 'http://nictiz.nl/fhir/StructureDefinition/zib-BloodPressure';

/** The composed gateway with a Verzamelen service (48) and the Delen service 53, both on the demo EHR. */
export function startDelenGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  return startTestGateway({
    mode: 'test',
    servicesYaml: [
      '      - { id: "48", standard: bgz-3, fhirVersion: STU3, adapter: demo-ehr }',
      '      - { id: "53", standard: zelfmetingen-delen-2, fhirVersion: STU3, adapter: demo-ehr }',
    ].join('\n'),
    ...options,
  });
}

/**
 * A self-measurement batch as a PGO sends it: the sender's Patient by urn:uuid and one blood
 * pressure, measured by the patient, per systolic value. `subject` makes the measurements name
 * someone else (the refusal cases).
 */
export function bloodPressureBatch(systolic: number | readonly number[], subject?: string): Resource {
  const patientUrn = `urn:uuid:${randomUUID()}`;
  const values = typeof systolic === 'number' ? [systolic] : systolic;
  return {
    resourceType: 'Bundle',
    type: 'batch',
    entry: [
      { fullUrl: patientUrn, resource: { resourceType: 'Patient', meta: { profile: ['http://fhir.nl/fhir/StructureDefinition/nl-core-patient'] }, name: [{ family: 'Synthetisch' }] }, request: { method: 'POST', url: 'Patient' } },
      ...values.map((value) => ({
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource: {
          resourceType: 'Observation',
          meta: { profile: [BP] },
          status: 'final',
          category: [{ coding: [{ system: 'http://hl7.org/fhir/observation-category', code: 'vital-signs' }] }],
          code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
          subject: { reference: subject ?? patientUrn },
          performer: [{ reference: patientUrn }],
          effectiveDateTime: '2026-11-30T07:30:00+01:00',
          component: [{ code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } }],
        },
        request: { method: 'POST', url: 'Observation' },
      })),
    ],
  };
}

/**
 * The FHIR edge writes its audit pair when the answer has gone out, which can be just after the
 * client read it: wait (bounded) until the predicate holds on the trail.
 */
export async function waitForAudit(audit: MemoryAuditLog, holds: (events: readonly AuditEvent[]) => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!holds(audit.events)) {
    if (Date.now() > until) throw new Error('the audit trail did not reach the expected state');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A FHIR JSON answer of the node interface. */
export interface FhirJsonAnswer {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

/**
 * One request to the gateway's node interface over two-sided TLS as the listed PGO, with the
 * MedMij trace headers; a body goes as a Delen POST (FHIR JSON, `Prefer: return=representation`).
 */
export function sendFhirJson(gw: TestGateway, tls: { readonly ca: string; readonly cert: string; readonly key: string }, method: 'POST' | 'GET', target: string, token: string, body?: string): Promise<FhirJsonAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'medmij-request-id': randomUUID(), 'x-correlation-id': randomUUID(), authorization: `Bearer ${token}`, accept: 'application/fhir+json' };
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/fhir+json', 'content-length': String(Buffer.byteLength(body)), prefer: 'return=representation' });
    const req = https.request(`${gw.urls.node}${target}`, { method, ...tls, servername: 'localhost', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The end of a Delen run: the PGO POSTs one blood pressure to service 53 over its mTLS session, under the run's correlation id. */
export function shareBloodPressure(session: PgoSession, gw: TestGateway, accessToken: string, systolic: number, correlationId: string): ReturnType<PgoSession['nodePost']> {
  return session.nodePost(`${gw.urls.node}/fhir/demoziekenhuis/53`, JSON.stringify(bloodPressureBatch(systolic)), {
    authorization: `Bearer ${accessToken}`,
    'content-type': 'application/fhir+json',
    accept: 'application/fhir+json',
    prefer: 'return=representation',
    'medmij-request-id': randomUUID(),
    'x-correlation-id': correlationId,
  });
}
