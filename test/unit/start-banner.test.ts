import { parseConfig } from '../../gateway/config/index.js';
import { LIST_KINDS } from '../../gateway/lists/index.js';
import { startBanner } from '../../gateway/start-banner.js';

const LISTS = ['whitelist', 'oauthClientList', 'zorgaanbiederslijst', 'gegevensdienstnamenlijst'].map((k) => `  ${k}: { source: l/${k}.xml }\n`).join('');
const config = (providers: string) =>
  parseConfig(`tls: { certFile: a.crt, keyFile: b.key, clientCaFile: ca.crt }\nlists:\n${LISTS}adapters:\n  - { id: ehr, kind: demo }\n${providers}`, { file: '/srv/gw.yaml', env: {} });
const WITH_PROVIDER = 'providers:\n  - { name: umc, displayName: UMC, supportPhone: "1", services: [{ id: "48", standard: bgz-3, fhirVersion: STU3, adapter: ehr }] }\n';
const bound = { node: 'https://127.0.0.1:9443', patient: 'https://127.0.0.1:8443', operations: 'http://127.0.0.1:9090' };
const lists = (stale: readonly string[]) => LIST_KINDS.map((kind) => ({ kind, fresh: !stale.includes(kind) }));

describe('the start banner', () => {
  it('says running, and names the endpoints zal prints, when every list is in force', () => {
    const text = startBanner({ file: '/srv/gw.yaml', config: config(WITH_PROVIDER), bound, lists: lists([]) }).join('\n');
    expect(text).toMatch(/^MedMij gateway running \(mode: development/m);
    expect(text).toContain('FHIR base umc / 48 (STU3): https://localhost:9443/umc/48/fhir');
    expect(text).toContain('token endpoint: https://localhost:9443/oauth/token');
    expect(text).not.toContain('!');
  });

  it.each([
    ['whitelist', /the whitelist is not in force: every connection to the node interface is refused/],
    ['oauthClientList', /the oauthClientList is not in force: no PGO can start or finish an authorization/],
  ])('says NOT serving when the %s is not in force, and why', (kind, why) => {
    const text = startBanner({ file: '/srv/gw.yaml', config: config(WITH_PROVIDER), bound, lists: lists([kind]) }).join('\n');
    expect(text).toMatch(/^MedMij gateway started but NOT serving PGOs/m);
    expect(text).not.toContain('gateway running');
    expect(text).toMatch(why);
  });

  it('keeps running for a stale name list, but says what it costs', () => {
    const text = startBanner({ file: '/srv/gw.yaml', config: config(WITH_PROVIDER), bound, lists: lists(['gegevensdienstnamenlijst']) }).join('\n');
    expect(text).toMatch(/^MedMij gateway running/m);
    expect(text).toContain('the gegevensdienstnamenlijst is not in force');
  });

  it('names each endpoint the ZAL in force registers otherwise, and keeps running', () => {
    const zalDrift = ['umc@medmij service 48: the ZAL registers ResourceEndpointuri https://x/48, this gateway serves https://localhost:9443/umc/48/fhir'];
    const text = startBanner({ file: '/srv/gw.yaml', config: config(WITH_PROVIDER), bound, lists: lists([]), zalDrift }).join('\n');
    expect(text).toMatch(/^MedMij gateway running/m);
    expect(text).toContain(`  ! ${zalDrift[0]} (PGOs use the ZAL: register what medmij-gateway zal prints)`);
  });

  it('says NOT serving without any care provider', () => {
    const text = startBanner({ file: '/srv/gw.yaml', config: config(''), bound, lists: lists([]) }).join('\n');
    expect(text).toMatch(/^MedMij gateway started but NOT serving PGOs/m);
    expect(text).toContain('no care provider is configured');
  });
});
