// `--import` target for workers started from the TypeScript sources; see ts-worker-hooks.mjs.
import { register } from 'node:module';

register('./ts-worker-hooks.mjs', import.meta.url);
