import { readFile } from 'node:fs/promises';
import { loadConfig } from '../../gateway/config/index.js';
import { parseZorgaanbiederslijst } from '../../gateway/lists/index.js';
import { fromProjectRoot } from '../../gateway/project-root.js';
import { zalEntriesFor } from '../../gateway/zal-command.js';
import { zalDrift } from '../../gateway/zal-drift.js';

describe('zalDrift: the ZAL in force against what the gateway serves', () => {
  it('finds none between the shipped development ZAL and the embedded defaults npm start runs on', async () => {
    const zal = parseZorgaanbiederslijst(await readFile(fromProjectRoot('config', 'lists', 'dev', 'MedMij_Zorgaanbiederslijst.xml'), 'utf8'), { developmentExceptions: true });
    const config = await loadConfig(fromProjectRoot('config', 'gateway.yaml'), {});
    expect(zalDrift(zalEntriesFor(config), zal)).toEqual([]);
  });

  it('names each endpoint that differs, and services or providers the ZAL does not list', async () => {
    const zal = parseZorgaanbiederslijst(await readFile(fromProjectRoot('config', 'lists', 'dev', 'MedMij_Zorgaanbiederslijst.xml'), 'utf8'), { developmentExceptions: true });
    const config = await loadConfig(fromProjectRoot('config', 'gateway.yaml'), {});
    const moved = { ...config, endpoints: { ...config.endpoints, resourcePath: '/fhir/{provider}/{service}' } };
    expect(zalDrift(zalEntriesFor(moved), zal)).toEqual([
      'demoziekenhuis@medmij service 48: the ZAL registers ResourceEndpointuri https://localhost:9443/demoziekenhuis/48/fhir, this gateway serves https://localhost:9443/fhir/demoziekenhuis/48',
      'demoziekenhuis@medmij service mp9-3.0: the ZAL registers ResourceEndpointuri https://localhost:9443/demoziekenhuis/mp9-3.0/fhir, this gateway serves https://localhost:9443/fhir/demoziekenhuis/mp9-3.0',
      'demoziekenhuis@medmij service 52: the ZAL registers ResourceEndpointuri https://localhost:9443/demoziekenhuis/52/fhir, this gateway serves https://localhost:9443/fhir/demoziekenhuis/52',
      'demoziekenhuis@medmij service 63: the ZAL registers ResourceEndpointuri https://localhost:9443/demoziekenhuis/63/fhir, this gateway serves https://localhost:9443/fhir/demoziekenhuis/63',
      'demoziekenhuis@medmij service 31: the ZAL registers ResourceEndpointuri https://localhost:9443/demoziekenhuis/31/fhir, this gateway serves https://localhost:9443/fhir/demoziekenhuis/31',
      'demoziekenhuis@medmij service 54: the ZAL registers ResourceEndpointuri https://localhost:9443/demoziekenhuis/54/fhir, this gateway serves https://localhost:9443/fhir/demoziekenhuis/54',
      'demoziekenhuis@medmij service 50: the ZAL registers ResourceEndpointuri https://localhost:9443/demoziekenhuis/50/fhir, this gateway serves https://localhost:9443/fhir/demoziekenhuis/50',
      'demoziekenhuis@medmij service 61: the ZAL registers ResourceEndpointuri https://localhost:9443/demoziekenhuis/61/fhir, this gateway serves https://localhost:9443/fhir/demoziekenhuis/61',
    ]);
    const extra = {
      ...config,
      providers: [
        { ...config.providers[0]!, services: [...config.providers[0]!.services, { ...config.providers[0]!.services[0]!, id: '51' }] },
        { ...config.providers[0]!, name: 'elders' },
      ],
    };
    const drift = zalDrift(zalEntriesFor(extra), zal);
    expect(drift).toContain('demoziekenhuis@medmij service 51 is not on the Zorgaanbiederslijst in force');
    expect(drift).toContain('elders@medmij is not on the Zorgaanbiederslijst in force');
  });
});
