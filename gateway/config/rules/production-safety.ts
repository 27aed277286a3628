import { field, items, type ConfigRule } from './config-rule.js';

/**
 * Settings fit only for a laptop refuse to start in production (oidc-provider's "mustChange"
 * idea; house rule 3): better no gateway than one that loses grants on restart or serves demo data.
 */
export const checkProductionSafety: ConfigRule = (config, report) => {
  if (field(config, 'mode') !== 'production') return;
  const refuse = (path: ReadonlyArray<string | number>, why: string) => report(path, `refused in production: ${why}`);

  if (field(field(config, 'storage'), 'kind') === 'memory') {
    refuse(['storage', 'kind'], 'in-memory storage is lost on restart and not shared between replicas');
  }
  if (field(field(config, 'tls'), 'generateDevCertificates') === true) {
    refuse(['tls', 'generateDevCertificates'], 'development certificates are not PKIoverheid certificates');
  }
  for (const [i, adapter] of items(field(config, 'adapters'))) {
    if (field(adapter, 'kind') === 'demo') refuse(['adapters', i, 'kind'], 'the demo EHR holds synthetic patients only');
  }
};
