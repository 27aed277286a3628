import { ListFetchError, type ListFetchResult, type ListSource } from '../../../gateway/lists/list-source.js';

type Step = ListFetchResult | Error | ((etag: string | undefined) => ListFetchResult);

/**
 * An in-memory ListSource that answers from a script (the port's in-memory twin for manager
 * tests): each fetch takes the next queued step; with the queue empty, the last step taken
 * repeats. Records the ETag it was given.
 */
export class ScriptedSource implements ListSource {
  readonly etagsSeen: Array<string | undefined> = [];
  private readonly steps: Step[];
  private last: Step | undefined;

  constructor(readonly description: string, ...steps: Step[]) {
    this.steps = steps;
  }

  push(...steps: Step[]): this {
    this.steps.push(...steps);
    return this;
  }

  async fetch(signal: AbortSignal, etag?: string): Promise<ListFetchResult> {
    signal.throwIfAborted();
    this.etagsSeen.push(etag);
    if (this.steps.length > 0) this.last = this.steps.shift();
    const step = this.last;
    if (step === undefined) throw new ListFetchError('script exhausted');
    if (step instanceof Error) throw step;
    return typeof step === 'function' ? step(etag) : step;
  }
}
