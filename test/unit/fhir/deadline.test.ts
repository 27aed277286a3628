import { mapAdapterError } from '../../../gateway/fhir/adapter-errors.js';
import { createDeadline, withDeadline } from '../../../gateway/fhir/deadline.js';
import { toFhirError } from '../../../gateway/fhir/core/answer-error.js';
import { FhirError } from '../../../gateway/fhir/outcome.js';
import { FhirXmlError } from '../../../gateway/fhir/fhir-xml.js';
import { SearchParamError } from '../../../gateway/fhir/search/index.js';
import { MappingFailed, UpstreamRejected, UpstreamTimeout, UpstreamUnavailable } from '../../../adapters/index.js';

const named = (name: string, message = 'upstream said no'): Error => Object.assign(new Error(message), { name });

describe('withDeadline', () => {
  it('rejects with 504 when the signal fires first, even if the work never settles', async () => {
    const never = new Promise<never>(() => undefined);
    await expect(withDeadline(never, AbortSignal.timeout(20))).rejects.toMatchObject({ status: 504, issueCode: 'timeout' });
  });

  it('passes the result or the error of work that finishes in time', async () => {
    const signal = AbortSignal.timeout(1000);
    await expect(withDeadline(Promise.resolve(42), signal)).resolves.toBe(42);
    await expect(withDeadline(Promise.reject(named('UpstreamUnavailable')), signal)).rejects.toMatchObject({ name: 'UpstreamUnavailable' });
  });

  it('reports a client disconnect differently from a timeout', async () => {
    const c = new AbortController();
    c.abort(new DOMException('client_disconnected', 'AbortError'));
    await expect(withDeadline(Promise.resolve(1), c.signal)).rejects.toMatchObject({ status: 499 });
  });
});

describe("a request's deadline (createDeadline)", () => {
  it('fires at its timeout: work still running is answered 504 and the signal is aborted with a TimeoutError', async () => {
    const deadline = createDeadline(20);
    const never = new Promise<never>(() => undefined);
    const a = withDeadline(never, deadline.signal);
    const b = withDeadline(never, deadline.signal); // every adapter call of the request shares it
    await expect(a).rejects.toMatchObject({ status: 504 });
    await expect(b).rejects.toMatchObject({ status: 504 });
    expect((deadline.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('fires when the client goes away: 499, and the adapter sees its signal aborted', async () => {
    const deadline = createDeadline(10_000);
    let seen: boolean | undefined;
    const work = new Promise<never>(() => undefined);
    const waiting = withDeadline(work, deadline.signal);
    deadline.signal.addEventListener('abort', () => (seen = true)); // as an adapter passing it to fetch would
    deadline.clientGone();
    await expect(waiting).rejects.toMatchObject({ status: 499 });
    expect(seen).toBe(true);
    deadline.dispose();
  });

  it('once disposed it never fires, and work that finished in time is not touched by a later abort', async () => {
    const deadline = createDeadline(20);
    await expect(withDeadline(Promise.resolve('in time'), deadline.signal)).resolves.toBe('in time');
    deadline.dispose();
    await new Promise((r) => setTimeout(r, 60));
    expect(deadline.signal.aborted).toBe(false);
  });
});

describe('error mapping', () => {
  // Matched by the error's code through the error catalog (gateway/errors.ts), not by its name.
  it.each([
    ['UpstreamUnavailable', () => new UpstreamUnavailable('x'), 503],
    ['UpstreamTimeout', () => new UpstreamTimeout('x'), 504],
    ['MappingFailed', () => new MappingFailed('x'), 502],
    ['UpstreamRejected', () => new UpstreamRejected('x'), 502],
    ['FhirXmlError', () => new FhirXmlError('x'), 502],
  ] as Array<[string, () => Error, number]>)('%s → %d', (_name, make, status) => {
    expect(mapAdapterError(make())?.status).toBe(status);
    expect(toFhirError(make()).status).toBe(status);
    expect(mapAdapterError(named(make().name))).toBeUndefined();
  });

  it('search-parameter errors are 400 with their message; unknown errors 500 without detail', () => {
    expect(toFhirError(new SearchParamError('date', 'date has a malformed value'))).toMatchObject({ status: 400, message: 'date has a malformed value' });
    const internal = toFhirError(new TypeError('secret detail'));
    expect(internal.status).toBe(500);
    expect(JSON.stringify(internal.toOutcome())).not.toContain('secret');
    const own = new FhirError(403, 'forbidden', 'no');
    expect(toFhirError(own)).toBe(own);
  });
});
