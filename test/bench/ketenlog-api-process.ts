import { readFileSync } from 'node:fs';
import { FakeMedMijLogApi } from '../helpers/fake-medmij-log-api.js';

/**
 * The fake MedMij log API in a process of its own for the ketenlog benchmark, so its TLS and
 * schema validation do not share a core's time with the shipper being measured. argv: cert key ca.
 * Tells the parent its port, then how many records it stored whenever asked.
 */
const [cert, key, ca] = process.argv.slice(2).map((f) => readFileSync(f, 'utf8'));
const api = new FakeMedMijLogApi({ cert: cert!, key: key!, ca: ca! });
await api.start();
process.send?.({ port: api.port });
process.on('message', (m: { ask?: string }) => {
  if (m.ask === 'stored') process.send?.({ stored: api.stored.length, invalid: api.invalid.length, posts: api.received.length });
  if (m.ask === 'stop') void api.stop().then(() => process.exit(0));
});
// Stops by itself whatever happens to the parent.
setTimeout(() => process.exit(0), 120_000).unref();
process.on('disconnect', () => process.exit(0));
