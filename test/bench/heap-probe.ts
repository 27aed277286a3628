import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { isGatewayMain } from './bare-listener.js';

/**
 * @module Bench only, never part of the gateway: preloaded into the gateway process by the
 * 10,000-Observation bench (`--expose-gc --import=<this file>`). On SIGUSR2 it forces a full
 * garbage collection and appends one JSON line (RSS, heap used, heap total, external) to
 * `heap-probe.jsonl` in the process's working directory. RSS alone cannot tell a leak from V8
 * growing its heap up to the size it chose; the heap still in use after a full collection can.
 */
export const HEAP_PROBE_FILE = 'heap-probe.jsonl';
export const HEAP_PROBE_SIGNAL = 'SIGUSR2';

export interface HeapFigures {
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  readonly heapTotalMiB: number;
  readonly externalMiB: number;
  /** Milliseconds the forced collections took (the gateway answers nothing meanwhile). */
  readonly gcMs: number;
}

const mib = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;

// Only when preloaded (`--import`): importing the constants above from the bench installs nothing.
const gc = (globalThis as { gc?: () => void }).gc;
if (isGatewayMain() && gc !== undefined) {
  process.on(HEAP_PROBE_SIGNAL, () => {
    const started = performance.now();
    // Twice: the first collection may leave what finalizers and weak references release for the second.
    gc();
    gc();
    const gcMs = Math.round((performance.now() - started) * 10) / 10;
    const m = process.memoryUsage();
    const figures: HeapFigures = { rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed), heapTotalMiB: mib(m.heapTotal), externalMiB: mib(m.external), gcMs };
    appendFileSync(path.join(process.cwd(), HEAP_PROBE_FILE), `${JSON.stringify(figures)}\n`);
  });
}
