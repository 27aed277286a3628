import { field, items, type ConfigRule } from './config-rule.js';

/** Ids are unique where they are keys, and every service names an adapter that exists. */
export const checkReferences: ConfigRule = (config, report) => {
  const adapterIds = new Set<string>();
  for (const [i, adapter] of items(field(config, 'adapters'))) {
    const id = field(adapter, 'id');
    if (typeof id !== 'string') continue;
    if (adapterIds.has(id)) report(['adapters', i, 'id'], `duplicate adapter id "${id}"`);
    adapterIds.add(id);
  }

  const names = new Set<string>();
  for (const [i, provider] of items(field(config, 'providers'))) {
    const name = field(provider, 'name');
    if (typeof name === 'string') {
      // The provider name is the MedMij identity in the scope: two blocks would be ambiguous.
      if (names.has(name)) report(['providers', i, 'name'], `duplicate provider "${name}"`);
      names.add(name);
    }
    const serviceIds = new Set<string>();
    for (const [j, service] of items(field(provider, 'services'))) {
      const id = field(service, 'id');
      if (typeof id === 'string') {
        if (serviceIds.has(id)) report(['providers', i, 'services', j, 'id'], `duplicate service id "${id}"`);
        serviceIds.add(id);
      }
      const adapter = field(service, 'adapter');
      if (typeof adapter === 'string' && !adapterIds.has(adapter)) {
        report(['providers', i, 'services', j, 'adapter'], `no adapter with id "${adapter}"`);
      }
    }
  }
};
