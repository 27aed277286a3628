import { createAdapters } from '../../adapters/registry.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { runAdapterContract } from './adapter.contract.js';
import { createPgSchema, pgAvailable, sqlAdapterBlock } from '../integration/adapters-backends.js';

// The demo data in real PostgreSQL (127.0.0.1:5432, database test), one schema per run, dropped after.
const available = await pgAvailable();
if (!available) console.warn('sql contract: skipped, no PostgreSQL at 127.0.0.1:5432 (user postgres, database test)');
(available ? describe : describe.skip)('sql', () => {
  runAdapterContract('sql', async (data) => {
    const db = await createPgSchema(data, 'contract');
    const adapters = await createAdapters([sqlAdapterBlock('lab-sql', db.schema, data) as { id: string; kind: string }], {
      log: createSilentLogger(),
      baseDir: process.cwd(),
    });
    const adapter = adapters.get('lab-sql')!;
    return {
      adapter,
      close: async () => {
        await adapter.close();
        await db.drop();
      },
    };
  }, { pushesDown: true });
});
