import { createLogger } from '../../../gateway/observability/logger.js';
import { CENSOR, redactLogObject } from '../../../gateway/observability/redact.js';

/**
 * House rule 6's safety net: credentials and patient identifiers never reach a log line, wherever
 * they sit in the logged object, while a line with nothing to censor is passed through untouched
 * (no copy: the cheap case is the common one).
 */
describe('redactLogObject', () => {
  test('an object with nothing to censor comes back as the very same object', () => {
    const line = { method: 'GET', route: '/fhir', status: 200, ms: 3, nested: { provider: 'demo', list: [{ a: 1 }] } };
    expect(redactLogObject(line)).toBe(line);
  });

  test('censors credentials and BSNs below the top at any depth, and leaves the original alone', () => {
    const original = {
      req: { headers: { authorization: 'Bearer abc', cookie: 'sid=1', 'set-cookie': ['x=1'], accept: 'json' } },
      body: { grant: { code: 'c0de', code_verifier: 'v', refresh_token: 'r', access_token: 'a' } },
      patients: [{ bsn: '999911120', ref: 'p1' }],
      form: { password: 'pw', client_secret: 's', token: 't' },
    };
    const snapshot = structuredClone(original);
    const out = redactLogObject(original);
    expect(out).toEqual({
      req: { headers: { authorization: CENSOR, cookie: CENSOR, 'set-cookie': CENSOR, accept: 'json' } },
      body: { grant: { code: CENSOR, code_verifier: CENSOR, refresh_token: CENSOR, access_token: CENSOR } },
      patients: [{ bsn: CENSOR, ref: 'p1' }],
      form: { password: CENSOR, client_secret: CENSOR, token: CENSOR },
    });
    expect(original).toEqual(snapshot);
  });

  test('at the top everything is censored but code and token, which stay usable field names', () => {
    expect(redactLogObject({ authorization: 'Bearer x', Cookie: 'y', bsn: '999911120', access_token: 'a', code: 'ECONNRESET', token: 'kind' })).toEqual({
      authorization: CENSOR,
      Cookie: CENSOR,
      bsn: CENSOR,
      access_token: CENSOR,
      code: 'ECONNRESET',
      token: 'kind',
    });
  });

  test('an error that carries a credential keeps its message and stack but not the credential', () => {
    const err = Object.assign(new Error('upstream refused'), { bsn: '999911120' });
    const out = redactLogObject({ err }) as unknown as { err: Record<string, unknown> };
    expect(out.err['bsn']).toBe(CENSOR);
    expect(out.err['message']).toBe('upstream refused');
    expect(String(out.err['stack'])).toContain('upstream refused');
  });
});

describe('createLogger', () => {
  test('writes no credential or BSN, from the logged object or from child bindings, and keeps the rest', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } });
    log.child({ session: { token: 'child-secret' }, requestId: 'r1' }).info({ req: { headers: { authorization: 'Bearer tok-123' } }, patient: { bsn: '999911120' }, status: 200 }, 'request');
    expect(lines).toHaveLength(1);
    const text = lines[0]!;
    for (const secret of ['child-secret', 'tok-123', '999911120']) expect(text).not.toContain(secret);
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(parsed).toMatchObject({ requestId: 'r1', status: 200, msg: 'request', level: 'info', req: { headers: { authorization: CENSOR } } });
  });
});

describe('child loggers', () => {
  test('are made on first use and then behave as pino children: bindings, grandchildren, level', () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) } });
    const child = log.child({ requestId: 'r1', component: 'fhir' });
    const grandchild = child.child({ traceId: 't1', bsn: '999911120' });
    expect(lines).toHaveLength(0);
    grandchild.info({ status: 200 }, 'request');
    child.debug('not at info');
    child.level = 'debug';
    expect(child.isLevelEnabled('debug')).toBe(true);
    child.debug('now at debug');
    expect(grandchild.bindings()).toMatchObject({ requestId: 'r1', traceId: 't1', bsn: CENSOR });
    expect(lines).toEqual([
      expect.objectContaining({ requestId: 'r1', component: 'fhir', traceId: 't1', bsn: CENSOR, status: 200, msg: 'request' }),
      expect.objectContaining({ requestId: 'r1', level: 'debug', msg: 'now at debug' }),
    ]);
  });
});
