import type { Resource } from '../types.js';
import { MappingFailed } from '../errors.js';
import { convertValue } from './convert-value.js';
import { mappingSpecSchema, type FieldSpec, type MappingSpec } from './mapping-schema.js';
import type { LegacyRecord } from './record-reader.js';
import { mergeInto, setPath } from './set-path.js';

/** A mapping checked once at start; `map` is pure and throws MappingFailed only. */
export interface CompiledMapping {
  readonly name: string;
  readonly resourceType: string;
  /** Record paths the mapping reads, e.g. for an SQL select list check. */
  readonly reads: readonly string[];
  map(record: LegacyRecord): Resource;
}

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const PLACEHOLDER = /\{([^{}]+)\}/g;

export function compileMapping(name: string, input: MappingSpec | unknown): CompiledMapping {
  const spec: MappingSpec = mappingSpecSchema.parse(input);
  const template = structuredClone(spec.template);
  const fields = spec.fields;
  const reads = fields.flatMap((f) =>
    f.from !== undefined ? [f.from] : f.template !== undefined ? [...f.template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '') : [],
  );
  // Fail at start, not on the first patient: every `to` path must be writable.
  for (const f of fields) {
    if (f.to === '$') continue;
    try {
      setPath({}, f.to.replace(/\[\d+\]/g, '[0]'), null);
    } catch (err) {
      throw new MappingFailed(`mapping "${name}": field "${f.to}": ${(err as Error).message}`);
    }
  }

  return {
    name,
    resourceType: spec.resourceType,
    reads,
    map(record) {
      const fail = (path: string, why: string, cause?: unknown): never => {
        // Names the mapping, the record and the path; never the value (it may be patient data).
        throw new MappingFailed(`mapping "${name}", record "${safeKey(record.key)}", field "${path}": ${why}`, cause === undefined ? undefined : { cause });
      };
      const out: Record<string, unknown> = structuredClone(template);
      for (const f of fields) {
        let value: unknown;
        try {
          value = fieldValue(f, record);
        } catch (err) {
          fail(f.to, (err as Error).message, err);
        }
        if (value === undefined) {
          if (f.required) fail(f.to, 'required value missing');
          continue;
        }
        try {
          if (f.to === '$') {
            if (Array.isArray(value)) fail('$', 'expected a JSON object');
            mergeInto(out, value as Record<string, unknown>);
          } else {
            setPath(out, f.to, value);
          }
        } catch (err) {
          if (err instanceof MappingFailed) throw err;
          fail(f.to, (err as Error).message, err);
        }
      }
      if (out['resourceType'] !== undefined && out['resourceType'] !== spec.resourceType) {
        fail('resourceType', `document is not a ${spec.resourceType}`);
      }
      if (out['id'] !== undefined && (typeof out['id'] !== 'string' || !FHIR_ID.test(out['id']))) {
        fail('id', 'not a FHIR id');
      }
      return { ...out, resourceType: spec.resourceType } as Resource;
    },
  };
}

function fieldValue(f: FieldSpec, record: LegacyRecord): unknown {
  let raw: unknown;
  if (f.value !== undefined) raw = f.value;
  else if (f.from !== undefined) raw = record.get(f.from);
  else if (f.template !== undefined) raw = fillTemplate(f.template, record);
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (f.map) {
    const key = typeof raw === 'string' ? raw.trim() : String(raw);
    const mapped = Object.hasOwn(f.map, key) ? f.map[key] : f.default;
    if (mapped === undefined) throw new Error('value not in the value map');
    return convertValue(mapped, f.type);
  }
  return convertValue(raw, f.type);
}

function fillTemplate(template: string, record: LegacyRecord): string | undefined {
  let missing = false;
  const text = template.replace(PLACEHOLDER, (_, path: string) => {
    const v = record.get(path);
    if (v === undefined || v === null || v === '') {
      missing = true;
      return '';
    }
    return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
  });
  return missing ? undefined : text;
}

function safeKey(key: string): string {
  return /^[A-Za-z0-9\-._:]{1,80}$/.test(key) ? key : '(unnamed)';
}
