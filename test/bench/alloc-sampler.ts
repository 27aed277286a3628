import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';
import { isGatewayMain } from './bare-listener.js';

/**
 * @module Bench only, never part of the gateway: preloaded into the gateway process by
 * `npm run bench -- --alloc-prof=DIR` (`--import=<this file>?dir=DIR`). It runs V8's sampling heap
 * profiler for the process's whole life, counting the objects the collector already freed as
 * well (Node's own `--heap-prof` keeps only those still alive at the end, so it cannot show what a
 * request allocates and drops), and writes `Alloc.<pid>.heapprofile` to DIR when the bench stops
 * the gateway (SIGTERM), before the gateway's own shutdown runs. Open it in Chrome's DevTools
 * (Memory). The inspector answers a session of the same thread synchronously, so the profile is
 * on disk when the listener returns.
 */
const SAMPLING_INTERVAL_BYTES = 4096;

const dir = new URL(import.meta.url).searchParams.get('dir');
if (dir !== null && isGatewayMain()) {
  const session = new Session();
  session.connect();
  const fail = (err: Error | null) => {
    if (err) process.stderr.write(`alloc-sampler: ${err.message}\n`);
  };
  session.post('HeapProfiler.enable', fail);
  session.post('HeapProfiler.startSampling', { samplingInterval: SAMPLING_INTERVAL_BYTES, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }, fail);
  process.once('SIGTERM', () => {
    session.post('HeapProfiler.stopSampling', (err, result) => {
      if (err) return fail(err);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `Alloc.${process.pid}.heapprofile`), JSON.stringify(result.profile));
    });
  });
}
