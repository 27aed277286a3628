import { readFile } from 'node:fs/promises';
import { loadConfig } from '../../gateway/config/index.js';
import { parseZorgaanbiederslijst } from '../../gateway/lists/index.js';
import { fromProjectRoot } from '../../gateway/project-root.js';
import { formatZalEntries, systemRolesOf, zalEntriesFor } from '../../gateway/zal-command.js';

/**
 * `medmij-gateway zal` on the embedded defaults: per data service the Systeemrolcode its
 * catalogue names, between the token and the resource endpoint (the ZAL registers the resource
 * endpoint under the role), and for the shipped development ZAL exactly those codes.
 */
describe('zal: the system role of each data service', () => {
  it('prints the catalogue\'s role(s) per service, or says that none is published', async () => {
    const config = await loadConfig(fromProjectRoot('config', 'gateway.yaml'), {});
    const text = formatZalEntries(zalEntriesFor(config), await systemRolesOf(config));
    const block = (id: string) => text.split('  GegevensdienstId ').find((b) => b.startsWith(`${id}\n`)) ?? '';
    expect(block('61').split('\n').map((l) => l.trim())).toEqual([
      '61',
      'AuthorizationEndpointuri https://localhost:8443/oauth/authorize',
      'TokenEndpointuri         https://localhost:9443/oauth/token',
      'Systeemrolcode           MM-3.0-LZB-FHIR',
      'ResourceEndpointuri      https://localhost:9443/demoziekenhuis/61/fhir',
      '',
    ]);
    expect(block('50')).toContain('Systeemrolcode           MM-2.0-GGB-FHIR\n');
    expect(block('48')).toContain('Systeemrolcode           MM-3.0-BZB-FHIR\n');
    expect(block('54')).toContain('Systeemrolcode           (none published for allergy-3: take it from the MedMij Catalogus)\n');
    // Without roles the output is the endpoints alone, as before.
    expect(formatZalEntries(zalEntriesFor(config))).not.toContain('Systeemrolcode');
  });

  it('the development ZAL registers every service under the role its catalogue names', async () => {
    const config = await loadConfig(fromProjectRoot('config', 'gateway.yaml'), {});
    const rolesOf = await systemRolesOf(config);
    const zal = parseZorgaanbiederslijst(await readFile(fromProjectRoot('config', 'lists', 'dev', 'MedMij_Zorgaanbiederslijst.xml'), 'utf8'), { developmentExceptions: true });
    const registered = zal.byName('demoziekenhuis@medmij')?.interfaceVersions[0]?.dataServices ?? [];
    let checked = 0;
    for (const s of config.providers[0]!.services) {
      const { roles } = rolesOf('demoziekenhuis@medmij', s.id);
      if (roles.length === 0) continue;
      checked += 1;
      const onList = registered.find((d) => d.id === s.id)?.systemRoles.map((r) => r.code);
      expect({ service: s.id, roles: onList }).toEqual({ service: s.id, roles });
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });
});
