import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { UpstreamRejected, UpstreamTimeout, UpstreamUnavailable, MappingFailed } from '../../../adapters/index.js';
import { ADAPTER_ERROR_CODES, ERROR_CATALOG, ErrorCodes, GatewayError } from '../../../gateway/errors.js';
import { toFhirError } from '../../../gateway/fhir/core/answer-error.js';
import { SearchParamError } from '../../../gateway/fhir/search/index.js';
import { fromProjectRoot } from '../../../gateway/project-root.js';

/** The one error catalog (gateway/errors.ts): code → status, issue type, OAuth error, audit reason; matched by code. */
describe('error catalog', () => {
  test('adapter failures map by their code', () => {
    const cases: Array<[Error, number, string, string]> = [
      [new UpstreamUnavailable('down'), 503, 'transient', 'adapter_unavailable'],
      [new UpstreamTimeout('slow'), 504, 'timeout', 'adapter_timeout'],
      [new UpstreamRejected('bad status'), 502, 'exception', 'adapter_bad_data'],
      [new MappingFailed('bad row'), 502, 'exception', 'adapter_bad_data'],
    ];
    for (const [err, status, issue, reason] of cases) {
      const f = toFhirError(err);
      expect([f.status, f.issueCode, f.reason]).toEqual([status, issue, reason]);
      // The client never sees the adapter's own message.
      expect(f.message).not.toContain(err.message);
    }
  });

  test('a class whose name merely looks like an adapter error is not mapped (no regex on names)', () => {
    class UpstreamTimeoutLookalike extends Error {}
    const f = toFhirError(new UpstreamTimeoutLookalike('x'));
    expect([f.status, f.reason]).toEqual([500, 'internal_error']);
    const named = Object.assign(new Error('x'), { name: 'SearchParamError' });
    expect(toFhirError(named).status).toBe(500);
  });

  test('the gateway\'s own errors render from their catalog entry', () => {
    const bad = toFhirError(new SearchParamError('date', 'parameter "date" is not a valid date'));
    expect([bad.status, bad.issueCode, bad.reason, bad.message]).toEqual([400, 'invalid', 'bad_search_param', 'parameter "date" is not a valid date']);
    const storage = toFhirError(new GatewayError(ErrorCodes.STORAGE_UNAVAILABLE, 'redis down at 10.0.0.1'));
    expect([storage.status, storage.issueCode, storage.reason]).toEqual([503, 'transient', 'storage_unavailable']);
    expect(storage.message).not.toContain('redis');
  });

  test('every code in the catalog is raised somewhere', () => {
    const sources: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = path.join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !p.endsWith(`${path.sep}errors.ts`)) sources.push(readFileSync(p, 'utf8'));
      }
    };
    walk(fromProjectRoot('gateway'));
    walk(fromProjectRoot('adapters'));
    const text = sources.join('\n');
    const mapped = new Set(Object.values(ADAPTER_ERROR_CODES));
    for (const code of Object.keys(ERROR_CATALOG)) {
      const short = code.replace(/^GW_ERR_/, '');
      const raised = text.includes(`ErrorCodes.${short}`) || text.includes(`'${code}'`) || mapped.has(code as keyof typeof ERROR_CATALOG);
      expect({ code, raised }).toEqual({ code, raised: true });
    }
  });
});
