import { createAdapters } from '../../adapters/registry.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { runAdapterContract } from './adapter.contract.js';
import { startXmlBackend, xmlAdapterBlock } from '../integration/adapters-backends.js';

// The demo data as a vendor XML service (records with vendor status codes and a JSON document).
runAdapterContract('xml', async (data) => {
  const server = await startXmlBackend(data);
  const adapters = await createAdapters([xmlAdapterBlock('gp-xml', server.url, data) as { id: string; kind: string }], {
    log: createSilentLogger(),
    baseDir: process.cwd(),
  });
  const adapter = adapters.get('gp-xml')!;
  return {
    adapter,
    close: async () => {
      await adapter.close();
      await server.close();
    },
  };
}, { pushesDown: true });
