import { MemoryOutbox } from '../../gateway/ketenlog/index.js';
import { runOutboxContract } from './outbox.contract.js';

runOutboxContract('MemoryOutbox', async () => ({ outbox: new MemoryOutbox(), cleanup: async () => undefined }));
