export { receiveWrite, MAX_WRITE_BYTES, type WriteDeps, type WriteInput, type WriteAnswer, type WritableService } from './receive-write.js';
