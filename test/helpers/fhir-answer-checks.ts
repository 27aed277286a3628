import { containsUnmaskedBsn } from '../../gateway/fhir/mask-bsn.js';

/**
 * What a MedMij qualification run checks on every search answer (shared/medmij/QUERIES.md,
 * "What every answer is checked for"), as one reusable assertion. It throws with a list of
 * every failed rule, so a test shows all problems of an answer at once.
 */
export interface AnsweredRequest {
  /** The absolute URL the client asked for. */
  readonly url: string;
  /** The token's patient: no resource of another patient may appear. */
  readonly patientRef?: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Calls visit(node, key) for every object in the tree. */
function walk(node: unknown, visit: (obj: Json, key: string) => void, key = ''): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit, key);
  } else if (isObject(node)) {
    visit(node, key);
    for (const [k, v] of Object.entries(node)) walk(v, visit, k);
  }
}

function queryPairs(url: string): string[] {
  return [...new URL(url).searchParams.entries()].map(([k, v]) => `${k}=${v}`);
}

export function medMijAnswerProblems(bundle: unknown, request: AnsweredRequest): string[] {
  const problems: string[] = [];
  const fail = (why: string): void => void problems.push(why);
  if (!isObject(bundle) || bundle.resourceType !== 'Bundle') return ['the answer is not a Bundle'];
  if (bundle.type !== 'searchset') fail(`Bundle.type is ${String(bundle.type)}, not searchset`);
  const entries = Array.isArray(bundle.entry) ? (bundle.entry as Json[]) : [];
  const links = Array.isArray(bundle.link) ? (bundle.link as Json[]) : [];
  const matchCount = entries.filter((e) => isObject(e.search) && e.search.mode === 'match').length;
  const paged = links.some((l) => l.relation === 'next' || l.relation === 'previous');
  if (typeof bundle.total !== 'number') fail('Bundle.total is missing');
  else if (!paged && bundle.total > matchCount) fail(`total ${bundle.total} exceeds the ${matchCount} match entries`);

  const self = links.find((l) => l.relation === 'self')?.url;
  if (typeof self !== 'string') fail('no self link');
  else {
    if (!/^https?:\/\//.test(self)) fail('the self link is not absolute');
    const selfPairs = queryPairs(self);
    for (const pair of queryPairs(request.url)) if (!selfPairs.includes(pair)) fail(`the self link does not repeat ${pair.split('=')[0]}`);
    if (/NamingSystem\/bsn|2\.16\.840\.1\.113883\.2\.4\.6\.3/.test(decodeURIComponent(self))) fail('the self link carries a BSN');
  }

  for (const [i, e] of entries.entries()) {
    const r = e.resource;
    if (!isObject(r)) {
      fail(`entry ${i} has no resource`);
      continue;
    }
    const mode = isObject(e.search) ? e.search.mode : undefined;
    if (mode !== 'match' && mode !== 'include') fail(`entry ${i} has search.mode ${String(mode)}`);
    const fullUrl = e.fullUrl;
    if (typeof r.id !== 'string' && !(typeof fullUrl === 'string' && fullUrl.startsWith('urn:uuid:'))) fail(`entry ${i} has no id`);
    if (typeof fullUrl !== 'string' || !/^(https?:\/\/|urn:uuid:)/.test(fullUrl)) fail(`entry ${i} fullUrl is not absolute`);
    else if (typeof r.id === 'string' && !fullUrl.endsWith(`/${String(r.resourceType)}/${r.id}`)) fail(`entry ${i} fullUrl does not end in its id`);
    if (r.resourceType !== 'OperationOutcome' && r.resourceType !== 'Binary') {
      const profile = isObject(r.meta) ? r.meta.profile : undefined;
      if (!Array.isArray(profile) || profile.length === 0) fail(`${String(r.resourceType)}/${String(r.id)} has no meta.profile`);
    }
    if (request.patientRef !== undefined) {
      if (r.resourceType === 'Patient' && r.id !== request.patientRef) fail(`another patient is served: Patient/${String(r.id)}`);
      walk(r, (obj) => {
        const ref = obj.reference;
        const m = typeof ref === 'string' ? /(?:^|\/)Patient\/([^/]+)$/.exec(ref) : null;
        if (m && m[1] !== request.patientRef) fail(`${String(r.resourceType)}/${String(r.id)} refers to another patient`);
      });
    }
    walk(r, (obj, key) => {
      const where = `${String(r.resourceType)}/${String(r.id)}`;
      if (key === 'coding') {
        if (typeof obj.system !== 'string' || typeof obj.code !== 'string') fail(`${where}: a Coding lacks system or code`);
        else if (obj.system.startsWith('urn:oid:2.16.840.1.113883.2.4.3.11.60.40.2.')) fail(`${where}: a zib value set OID is used as Coding.system`);
      }
      if (Array.isArray(obj.coding)) {
        const hasDisplay = (obj.coding as unknown[]).some((c) => isObject(c) && typeof c.display === 'string');
        if (typeof obj.text !== 'string' && !hasDisplay) fail(`${where}: a CodeableConcept has neither display nor text`);
      }
      if (key === 'identifier' && ('system' in obj || 'value' in obj || '_value' in obj)) {
        if (typeof obj.system !== 'string' || !(typeof obj.value === 'string' || isObject(obj._value))) fail(`${where}: an Identifier lacks system or value`);
      }
      if (typeof obj.reference === 'string' && typeof obj.display !== 'string') fail(`${where}: a Reference has no display`);
    });
  }
  if (containsUnmaskedBsn(bundle)) fail('an unmasked BSN is served');
  return problems;
}

export function assertMedMijAnswer(bundle: unknown, request: AnsweredRequest): void {
  const problems = medMijAnswerProblems(bundle, request);
  if (problems.length > 0) throw new Error(`the answer to ${request.url} fails MedMij checks:\n- ${problems.join('\n- ')}`);
}
