import { createAdapters } from '../../adapters/registry.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { runAdapterContract } from './adapter.contract.js';
import { startFhirBackend } from '../integration/adapters-backends.js';

// The demo data served by a FHIR server over HTTP, paged 7 at a time, with absolute internal URLs.
runAdapterContract('fhir-passthrough', async (data) => {
  const server = await startFhirBackend(data, { pageSize: 7 });
  const types = [...new Set(data.resources.map((r) => r.resourceType))];
  const adapters = await createAdapters(
    [{ id: 'ehr-fhir', kind: 'fhir', baseUrl: server.url, fhirVersion: data.version, resourceTypes: types, patientParamByType: { Coverage: 'beneficiary' } }],
    { log: createSilentLogger(), baseDir: process.cwd() },
  );
  const adapter = adapters.get('ehr-fhir')!;
  return {
    adapter,
    close: async () => {
      await adapter.close();
      await server.close();
    },
  };
});
