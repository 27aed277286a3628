import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { builtInDemoData, resolveDatePlaceholders } from '../../adapters/index.js';
import type { FhirVersion, Resource } from '../../adapters/types.js';
import { parseFhirXml } from '../../gateway/fhir/fhir-xml.js';
import { findParamDefinition } from '../../gateway/fhir/search/param-definitions.js';
import { linkedPatientIds } from '../../gateway/fhir/search/index.js';

/**
 * Real legacy backends for the adapter contract, the adapter integration tests and the bench,
 * all fed from the same data: a FHIR server (HTTP), a vendor XML service (HTTP) and a PostgreSQL
 * schema. Data: the Nictiz test fixtures when /work/shared is present, else the demo patients.
 */
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedRoot = path.resolve(projectRoot, '../shared');
const nictiz = path.join(sharedRoot, 'fixtures', 'nictiz');
export const haveNictiz = existsSync(nictiz);

export interface Dataset {
  readonly version: FhirVersion;
  readonly folder: string;
  readonly loadDate: Date;
  readonly resources: readonly Resource[];
  readonly patients: readonly string[];
}

export function datasetFolder(version: FhirVersion): string {
  if (!haveNictiz) return builtInDemoData[version];
  return path.join(nictiz, version === 'STU3' ? 'stu3-bgz-test' : 'r4-medication-test');
}

/** The same reading as the demo EHR's (date placeholders resolved against `loadDate`). */
export async function loadDataset(version: FhirVersion, loadDate: Date, folder = datasetFolder(version)): Promise<Dataset> {
  const names = (await readdir(folder)).filter((n) => /\.(json|xml)$/i.test(n)).sort();
  const resources: Resource[] = [];
  for (const name of names) {
    const text = resolveDatePlaceholders(await readFile(path.join(folder, name), 'utf8'), loadDate);
    const r = name.endsWith('.xml') ? parseFhirXml(text, version) : (JSON.parse(text) as Resource);
    if (r.resourceType === 'Bundle') {
      for (const e of (r['entry'] as Array<{ resource: Resource }> | undefined) ?? []) resources.push(e.resource);
    } else resources.push(r);
  }
  const patients = resources.filter((r) => r.resourceType === 'Patient').map((r) => r.id as string);
  return { version, folder, loadDate, resources, patients };
}

/** The one patient a record belongs to in the legacy stores (undefined: a shared record). */
export function ownerOf(version: FhirVersion, r: Resource): string | undefined {
  const owners = linkedPatientIds(version, r);
  if (owners.length > 1) throw new Error(`${r.resourceType}/${r.id} belongs to ${owners.length} patients`);
  return owners[0];
}

export const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';
export function bsnOf(r: Resource): string | undefined {
  const ids = (r['identifier'] as Array<{ system?: string; value?: string }> | undefined) ?? [];
  return ids.find((i) => i.system === BSN_SYSTEM && typeof i.value === 'string')?.value;
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing

export interface Backend {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function listen(handler: http.RequestListener): Promise<Backend & { server: http.Server }> {
  const server = http.createServer({ keepAlive: true }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// ---------------------------------------------------------------------------------------------
// 1. A FHIR server holding the data set

export interface FhirBackendOptions {
  /** Entries per searchset page, so that the adapter must follow `next` links. */
  readonly pageSize?: number;
}

/**
 * Answers `Type?patient=|subject=|_id=`, `Type/id`, `Patient/_search` (BSN) and `metadata`.
 * Search ignores every other filter (a superset, as real servers may) and resolves `_include`
 * and `_include:iterate`/`:recurse` into include entries, as a FHIR server that supports them
 * does (the targets of this page's matches, then of those, until nothing new); references are written
 * as absolute URLs of this server, so the adapter has to rewrite them, and fullUrls and links
 * name this (internal) host, so the adapter has to drop them.
 */
export async function startFhirBackend(data: Dataset, options: FhirBackendOptions = {}): Promise<Backend & { requests: string[] }> {
  const byKey = new Map<string, Resource>();
  const byOwner = new Map<string, Resource[]>();
  for (const r of data.resources) {
    byKey.set(`${r.resourceType}/${r.id}`, r);
    const owner = ownerOf(data.version, r);
    if (owner !== undefined) byOwner.set(`${owner}|${r.resourceType}`, [...(byOwner.get(`${owner}|${r.resourceType}`) ?? []), r]);
  }
  const requests: string[] = [];
  let base = '';
  const absolute = (r: Resource): Resource =>
    JSON.parse(JSON.stringify(r), (k, v: unknown) => (k === 'reference' && typeof v === 'string' && /^[A-Z][A-Za-z]+\/[^/]+$/.test(v) ? `${base}/${v}` : v)) as Resource;
  const send = (res: http.ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/fhir+json', server: 'internal-ehr/1.0', 'x-internal-host': 'ehr.internal' });
    res.end(JSON.stringify(body));
  };
  const searchset = (all: Resource[], url: URL): unknown => {
    const count = Number(url.searchParams.get('_count') ?? '100');
    const size = Math.min(count, options.pageSize ?? count);
    const offset = Number(url.searchParams.get('_getpagesoffset') ?? '0');
    const page = all.slice(offset, offset + size);
    const link = [{ relation: 'self', url: `${base}${url.pathname.replace('/fhir', '')}${url.search}` }];
    if (offset + size < all.length) {
      const next = new URL(url.href);
      next.searchParams.set('_getpagesoffset', String(offset + size));
      link.push({ relation: 'next', url: `${base}${next.pathname.replace('/fhir', '')}${next.search}` });
    }
    const entry = (r: Resource, mode: string) => ({ fullUrl: `${base}/${r.resourceType}/${r.id}`, resource: absolute(r), search: { mode } });
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      total: all.length,
      link,
      entry: [...page.map((r) => entry(r, 'match')), ...includedBy(page, url.searchParams).map((r) => entry(r, 'include'))],
    };
  };
  const includedBy = (page: readonly Resource[], params: URLSearchParams): Resource[] => {
    const specs = [...params].filter(([name]) => /^_include(:iterate|:recurse)?$/.test(name)).map(([name, value]) => ({ iterate: name !== '_include', parts: value.split(':') }));
    if (specs.length === 0) return [];
    const seen = new Set(page.map((r) => `${r.resourceType}/${r.id}`));
    const out: Resource[] = [];
    let frontier = page;
    for (let round = 0; frontier.length > 0 && round < 10; round++) {
      const next: Resource[] = [];
      for (const { iterate, parts } of specs) {
        if (round > 0 && !iterate) continue;
        const [sourceType = '', param = '', targetType] = parts;
        const def = findParamDefinition(data.version, sourceType, param);
        if (def?.type !== 'reference') continue;
        for (const r of frontier) {
          if (r.resourceType !== sourceType) continue;
          for (const v of def.values(r)) {
            const ref = (v as { reference?: unknown } | null)?.reference;
            if (typeof ref !== 'string' || (targetType !== undefined && !ref.startsWith(`${targetType}/`)) || seen.has(ref)) continue;
            const target = byKey.get(ref);
            if (!target) continue;
            seen.add(ref);
            next.push(target);
          }
        }
      }
      out.push(...next);
      frontier = next;
    }
    return out;
  };
  const backend = await listen(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const parts = url.pathname.replace(/^\/fhir\/?/, '').split('/').filter(Boolean);
    if (parts[0] === 'metadata') return send(res, 200, { resourceType: 'CapabilityStatement', status: 'active', kind: 'instance', fhirVersion: data.version === 'R4' ? '4.0.1' : '3.0.2' });
    if (req.method === 'POST' && parts[0] === 'Patient' && parts[1] === '_search') {
      const form = new URLSearchParams(await readBody(req));
      const bsn = (form.get('identifier') ?? '').split('|')[1];
      return send(res, 200, searchset(data.resources.filter((r) => r.resourceType === 'Patient' && bsnOf(r) === bsn) as Resource[], url));
    }
    const [type, id] = parts;
    if (!type) return send(res, 404, { resourceType: 'OperationOutcome' });
    if (id !== undefined) {
      const r = byKey.get(`${type}/${id}`);
      return r ? send(res, 200, absolute(r)) : send(res, 404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
    }
    // `_id` with an OR list (FHIR R4 §3.1.1.4.2): what the passthrough sends for a batch of _include targets.
    const idList = url.searchParams.get('_id');
    if (idList !== null && type !== 'Patient') {
      return send(res, 200, searchset(idList.split(',').map((x) => byKey.get(`${type}/${x}`)).filter((r): r is Resource => r !== undefined), url));
    }
    const patient = url.searchParams.get('patient') ?? url.searchParams.get('beneficiary') ?? url.searchParams.get('subject')?.replace(/^Patient\//, '') ?? url.searchParams.get('_id');
    if (!patient) return send(res, 400, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'required' }] });
    const all = type === 'Patient' ? [byKey.get(`Patient/${patient}`)].filter((r): r is Resource => r !== undefined) : (byOwner.get(`${patient}|${type}`) ?? []);
    return send(res, 200, searchset(all, url));
  });
  base = `${backend.url}/fhir`;
  return { ...backend, url: base, requests };
}

// ---------------------------------------------------------------------------------------------
// 2. A vendor XML service holding the data set

/** Vendor status codes: the XML and SQL stores keep FHIR status codes in their own coding. */
export const VENDOR_STATUS: Readonly<Record<string, string>> = {
  active: 'ACT', completed: 'CMP', final: 'FIN', booked: 'BKD', pending: 'PND', proposed: 'PRP', current: 'CUR',
  'entered-in-error': 'ERR', stopped: 'STP', 'on-hold': 'HLD', draft: 'DRF', cancelled: 'CNC', amended: 'AMD',
  preliminary: 'PRE', registered: 'REG', 'in-progress': 'INP', finished: 'FIN2', planned: 'PLN', unknown: 'UNK',
  intended: 'INT', 'not-taken': 'NTK', suspended: 'SUS', inactive: 'INA', 'not-done': 'NDN', arrived: 'ARR',
};
export const STATUS_FROM_VENDOR: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(VENDOR_STATUS).map(([f, v]) => [v, f]));

/** A legacy record: id, owner, vendor status and the rest of the resource as a JSON document. */
export interface LegacyRow {
  readonly type: string;
  readonly id: string;
  readonly patient: string | undefined;
  readonly status: string | undefined;
  readonly doc: Record<string, unknown>;
}

export function toLegacyRow(version: FhirVersion, r: Resource): LegacyRow {
  const { id, resourceType, ...rest } = r as Resource & { status?: unknown };
  const doc: Record<string, unknown> = { ...rest };
  let status: string | undefined;
  if (typeof doc['status'] === 'string' && VENDOR_STATUS[doc['status']] !== undefined) {
    status = VENDOR_STATUS[doc['status']];
    delete doc['status'];
  }
  return { type: resourceType, id: id as string, patient: ownerOf(version, r), status, doc };
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function vendorRecordXml(row: LegacyRow, prefix = 'ehr:'): string {
  const attrs = [`type="${esc(row.type)}"`, `id="${esc(row.id)}"`];
  if (row.patient !== undefined) attrs.push(`patient="${esc(row.patient)}"`);
  if (row.status !== undefined) attrs.push(`status="${esc(row.status)}"`);
  return `<${prefix}record ${attrs.join(' ')}><${prefix}document>${esc(JSON.stringify(row.doc))}</${prefix}document></${prefix}record>`;
}

export function vendorExportXml(rows: readonly LegacyRow[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ehr:export xmlns:ehr="urn:example:ehr-export:1">${rows.map((r) => vendorRecordXml(r)).join('')}</ehr:export>`;
}

/**
 * GET /ehr/patients/{patient}/records?type=T, GET /ehr/records/{type}/{id},
 * POST /ehr/patients/lookup (form `bsn`), GET /ehr/ping.
 */
export async function startXmlBackend(data: Dataset): Promise<Backend & { requests: string[] }> {
  const rows = data.resources.map((r) => toLegacyRow(data.version, r));
  const byKey = new Map(rows.map((r) => [`${r.type}/${r.id}`, r]));
  const requests: string[] = [];
  const send = (res: http.ServerResponse, status: number, xml: string): void => {
    res.writeHead(status, { 'content-type': 'application/xml; charset=utf-8' });
    res.end(xml);
  };
  const backend = await listen(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    let m: RegExpExecArray | null;
    if (url.pathname === '/ehr/ping') return send(res, 200, '<ok/>');
    if (req.method === 'POST' && url.pathname === '/ehr/patients/lookup') {
      const bsn = new URLSearchParams(await readBody(req)).get('bsn');
      const ids = data.resources.filter((r) => r.resourceType === 'Patient' && bsnOf(r) === bsn).map((r) => `<ehr:record id="${esc(r.id as string)}"/>`);
      return send(res, 200, `<ehr:export xmlns:ehr="urn:example:ehr-export:1">${ids.join('')}</ehr:export>`);
    }
    if ((m = /^\/ehr\/patients\/([^/]+)\/records$/.exec(url.pathname))) {
      const patient = decodeURIComponent(m[1] ?? '');
      const type = url.searchParams.get('type');
      // The vendor's own filters (what PUSHDOWN forwards): status codes (repeated = any of) and a
      // hand-over window in instants.
      const statuses = url.searchParams.getAll('status');
      const from = url.searchParams.get('handedFrom');
      const to = url.searchParams.get('handedTo');
      return send(res, 200, vendorExportXml(rows.filter((r) => r.patient === patient && r.type === type && (statuses.length === 0 || statuses.includes(r.status ?? '')) && inWindow(r.doc['whenHandedOver'], from, to))));
    }
    if ((m = /^\/ehr\/records\/([^/]+)\/([^/]+)$/.exec(url.pathname))) {
      const row = byKey.get(`${decodeURIComponent(m[1] ?? '')}/${decodeURIComponent(m[2] ?? '')}`);
      return row ? send(res, 200, `<?xml version="1.0"?>${vendorRecordXml(row).replace('<ehr:record ', '<ehr:record xmlns:ehr="urn:example:ehr-export:1" ')}`) : send(res, 404, '<error>not found</error>');
    }
    return send(res, 404, '<error>not found</error>');
  });
  return { ...backend, url: `${backend.url}/ehr`, requests };
}

/**
 * What the SQL and XML stores filter themselves (adapters/pushdown.ts): the vendor status of every
 * patient record as an OR list of codes, and MedicationDispense's hand-over moment as a window.
 * The gateway re-applies both, so the stores need only return a superset.
 */
export const PUSHDOWN_QUERIES = {
  STU3: ['Appointment?status=booked,pending,proposed', 'Immunization?status=completed,entered-in-error', 'ProcedureRequest?status=active,completed', 'MedicationRequest?status=active,stopped'],
  R4: (day: (n: number) => string): string[] => [
    'MedicationDispense?status=completed,unknown',
    'MedicationDispense?status=completed',
    `MedicationDispense?whenhandedover=ge${day(-21)}`,
    `MedicationDispense?whenhandedover=lt${day(0)}`,
    `MedicationDispense?whenhandedover=ge${day(-21)}&whenhandedover=le${day(30)}`,
    `MedicationDispense?whenhandedover=gt${day(-200)}T00:00:00+02:00,eq${day(0)}&status=completed`,
  ],
} as const;

/** Superset test for a dateTime element against a [from, to] instant window (a day of slack either side). */
function inWindow(value: unknown, from: string | null, to: string | null): boolean {
  if (from === null && to === null) return true;
  const at = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(at)) return false;
  const dayMs = 86_400_000;
  return (from === null || at + dayMs >= Date.parse(from)) && (to === null || at - dayMs <= Date.parse(to));
}

/** Each resource type in the data set, and whether its resources belong to a patient (searchable by patient). */
function resourceTypesOf(data: Dataset): Array<readonly [string, boolean]> {
  const types = [...new Set(data.resources.map((r) => r.resourceType))];
  return types.map((t) => [t, data.resources.some((r) => r.resourceType === t && ownerOf(data.version, r) !== undefined)] as const);
}

/** The xml adapter block for startXmlBackend, one mapping per resource type in the data. */
export function xmlAdapterBlock(id: string, baseUrl: string, data: Dataset, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  const mappings: Record<string, unknown> = {};
  for (const [t, patientOwned] of resourceTypesOf(data)) {
    const forwardParams = {
      status: { name: 'status', as: 'codes', map: VENDOR_STATUS },
      ...(t === 'MedicationDispense' && data.version === 'R4' ? { whenhandedover: [{ name: 'handedFrom', as: 'from' }, { name: 'handedTo', as: 'to' }] } : {}),
    };
    resources[t] = {
      ...(patientOwned ? { search: `/patients/{patient}/records?type=${t}`, patientPath: '@patient', forwardParams } : {}),
      read: `/records/${t}/{id}`,
      mapping: t,
    };
    mappings[t] = legacyMapping(t, '@id', '@status', 'document');
  }
  return {
    id, kind: 'xml', baseUrl, fhirVersion: data.version, recordElement: 'record', resources, mappings,
    patientLookup: { path: '/patients/lookup' }, health: '/ping', ...extra,
  };
}

export function legacyMapping(type: string, idPath: string, statusPath: string, docPath: string): Record<string, unknown> {
  return {
    resourceType: type,
    fields: [
      { to: '$', from: docPath, type: 'json', required: true },
      { to: 'id', from: idPath, required: true },
      { to: 'status', from: statusPath, type: 'code', map: STATUS_FROM_VENDOR },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// 3. PostgreSQL holding the data set

export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' } as const;

export async function pgAvailable(): Promise<boolean> {
  const c = new pg.Client({ ...PG, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

export interface PgSchema {
  readonly schema: string;
  query(sql: string, values?: unknown[]): Promise<pg.QueryResult>;
  drop(): Promise<void>;
}

/** A unique schema per run, with `record` and `patient_bsn` tables loaded from the data set. */
export async function createPgSchema(data: Dataset | undefined, tag: string): Promise<PgSchema> {
  const schema = `gw_${tag}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const client = new pg.Client(PG);
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.query(`CREATE TABLE ${schema}.record (resource_type text NOT NULL, id text NOT NULL, patient_ref text, status_code text, doc jsonb NOT NULL, PRIMARY KEY (resource_type, id))`);
  await client.query(`CREATE INDEX ON ${schema}.record (patient_ref, resource_type)`);
  await client.query(`CREATE TABLE ${schema}.patient_bsn (patient_ref text NOT NULL, bsn text NOT NULL)`);
  if (data) {
    const rows = data.resources.map((r) => toLegacyRow(data.version, r));
    for (let i = 0; i < rows.length; i += 200) {
      const chunk = rows.slice(i, i + 200);
      const values: unknown[] = [];
      const tuples = chunk.map((r, j) => {
        values.push(r.type, r.id, r.patient ?? null, r.status ?? null, JSON.stringify(r.doc));
        return `($${j * 5 + 1}, $${j * 5 + 2}, $${j * 5 + 3}, $${j * 5 + 4}, $${j * 5 + 5}::jsonb)`;
      });
      await client.query(`INSERT INTO ${schema}.record VALUES ${tuples.join(',')}`, values);
    }
    for (const r of data.resources) {
      const bsn = r.resourceType === 'Patient' ? bsnOf(r) : undefined;
      if (bsn) await client.query(`INSERT INTO ${schema}.patient_bsn VALUES ($1, $2)`, [r.id, bsn]);
    }
  }
  return {
    schema,
    query: (sql, values) => client.query(sql, values),
    async drop() {
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}

/** The patient's records of type `t`, narrowed by the PUSHDOWN filters (NULL binds: no filter). */
function sqlSearch(t: string, version: FhirVersion): Record<string, unknown> {
  const handed = t === 'MedicationDispense' && version === 'R4';
  const window = handed
    ? ` AND (CAST(:handed_from AS timestamptz) IS NULL OR (doc->>'whenHandedOver')::timestamptz + interval '1 day' >= CAST(:handed_from AS timestamptz))` +
      ` AND (CAST(:handed_to AS timestamptz) IS NULL OR (doc->>'whenHandedOver')::timestamptz - interval '1 day' <= CAST(:handed_to AS timestamptz))`
    : '';
  return {
    sql: `SELECT id, patient_ref, status_code, doc FROM record WHERE resource_type = '${t}' AND patient_ref = :patient` +
      ` AND (CAST(:statuses AS text[]) IS NULL OR status_code = ANY(CAST(:statuses AS text[])))${window} ORDER BY id`,
    params: {
      statuses: { param: 'status', as: 'codes', map: VENDOR_STATUS },
      ...(handed ? { handed_from: { param: 'whenhandedover', as: 'from' }, handed_to: { param: 'whenhandedover', as: 'to' } } : {}),
    },
  };
}

/** The sql adapter block for createPgSchema. */
export function sqlAdapterBlock(id: string, schema: string, data: Dataset, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  const mappings: Record<string, unknown> = {};
  for (const [t, patientOwned] of resourceTypesOf(data)) {
    resources[t] = {
      ...(patientOwned
        ? { search: sqlSearch(t, data.version), patientColumn: 'patient_ref' }
        : {}),
      read: { sql: `SELECT id, patient_ref, status_code, doc FROM record WHERE resource_type = '${t}' AND id = :id` },
      mapping: t,
    };
    mappings[t] = legacyMapping(t, 'id', 'status_code', 'doc');
  }
  return {
    id, kind: 'sql', fhirVersion: data.version,
    connection: { ...PG, searchPath: schema },
    resources, mappings,
    patientLookup: { sql: 'SELECT patient_ref AS id FROM patient_bsn WHERE bsn = :bsn' },
    ...extra,
  };
}
