import { describe, expect, it } from '@jest/globals';
import type { Adapter } from '../../../adapters/types.js';
import type { GatewayConfig } from '../../../gateway/config/index.js';
import type { QueryCatalogue } from '../../../gateway/fhir/catalogue/index.js';
import { createShareAcceptanceCheck } from '../../../gateway/share-acceptance.js';

/** The acceptance check of Delen: which answers the EHR's adapter gives lead to an accepted share. */
const providers = [{ name: 'zh', services: [{ id: '53', standard: 'delen', adapter: 'ehr' }, { id: '48', standard: 'bgz', adapter: 'ehr' }] }] as unknown as GatewayConfig['providers'];
const catalogues = new Map([
  ['delen', { accepts: [{ resourceType: 'Observation' }] }],
  ['bgz', { accepts: [] }],
]) as unknown as ReadonlyMap<string, QueryCatalogue>;
const signal = new AbortController().signal;

function adapter(o: { write?: boolean; canAccept?: (ref: string, service: string) => boolean; calls?: string[] }): Adapter {
  return {
    id: 'ehr',
    findPatientByBsn: async (bsn: string) => {
      o.calls?.push(`find:${bsn}`);
      return bsn === '111222333' ? { patientRef: 'p-1' } : undefined;
    },
    ...(o.write === false ? {} : { write: async () => [] }),
    ...(o.canAccept ? { canAcceptShare: async (ref: string, service: string) => (o.calls?.push(`accept:${ref}:${service}`), o.canAccept!(ref, service)) } : {}),
  } as unknown as Adapter;
}

describe('createShareAcceptanceCheck', () => {
  it('asks the adapter for the patient by BSN, then whether it accepts the share for that reference only', async () => {
    const calls: string[] = [];
    const check = createShareAcceptanceCheck(providers, new Map([['ehr', adapter({ canAccept: () => true, calls })]]), catalogues);
    await expect(check('zh', '53', '111222333', signal)).resolves.toEqual({ patientRef: 'p-1' });
    expect(calls).toEqual(['find:111222333', 'accept:p-1:53']);
  });
  it('refuses when the adapter says it cannot accept the share', async () => {
    const check = createShareAcceptanceCheck(providers, new Map([['ehr', adapter({ canAccept: () => false })]]), catalogues);
    await expect(check('zh', '53', '111222333', signal)).resolves.toBeUndefined();
  });
  it('refuses a patient the EHR does not know', async () => {
    const check = createShareAcceptanceCheck(providers, new Map([['ehr', adapter({ canAccept: () => true })]]), catalogues);
    await expect(check('zh', '53', '123456782', signal)).resolves.toBeUndefined();
  });
  it('accepts every known patient when the adapter writes but has no canAcceptShare', async () => {
    const check = createShareAcceptanceCheck(providers, new Map([['ehr', adapter({})]]), catalogues);
    await expect(check('zh', '53', '111222333', signal)).resolves.toEqual({ patientRef: 'p-1' });
  });
  it.each([
    ['an adapter that cannot write', false, 'zh', '53'],
    ['a service whose catalogue accepts nothing', true, 'zh', '48'],
    ['an unknown service', true, 'zh', '99'],
    ['an unknown provider', true, 'elders', '53'],
  ])('fails closed for %s, without handing the BSN to the EHR', async (_what, write, provider, service) => {
    const calls: string[] = [];
    const check = createShareAcceptanceCheck(providers, new Map([['ehr', adapter({ write, canAccept: () => true, calls })]]), catalogues);
    await expect(check(provider, service, '111222333', signal)).resolves.toBeUndefined();
    expect(calls).toEqual([]);
  });
  it('lets a failing EHR fail the check (the page then shows the technical failure)', async () => {
    const failing = { ...adapter({}), findPatientByBsn: async () => Promise.reject(new Error('EHR down')) } as unknown as Adapter;
    const check = createShareAcceptanceCheck(providers, new Map([['ehr', failing]]), catalogues);
    await expect(check('zh', '53', '111222333', signal)).rejects.toThrow('EHR down');
  });
});
