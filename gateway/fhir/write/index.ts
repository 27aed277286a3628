export { receiveWrite, MAX_WRITE_BYTES, type WriteDeps } from './receive-write.js';
