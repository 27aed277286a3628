import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FhirVersion, Resource } from '../types.js';
import { MappingFailed, UpstreamUnavailable } from '../errors.js';
import { resolveDatePlaceholders } from './resolve-date-placeholders.js';

/** Parses FHIR XML into JSON; injected (gateway/fhir/fhir-xml.ts) because adapters import nothing from gateway/. */
export type FhirXmlParser = (xml: string, version: FhirVersion) => Resource;

const MAX_FILE_BYTES = 5 * 1024 * 1024;
const MAX_FILES = 20_000;

function entriesOf(resource: Resource, file: string): Resource[] {
  if (resource.resourceType !== 'Bundle') return [resource];
  const entries = Array.isArray(resource['entry']) ? (resource['entry'] as unknown[]) : [];
  return entries.map((e, i) => {
    const r = (e as { resource?: unknown } | null)?.resource;
    if (typeof r !== 'object' || r === null || typeof (r as Resource).resourceType !== 'string') {
      throw new MappingFailed(`demo data ${path.basename(file)}: Bundle entry ${i} holds no resource`);
    }
    return r as Resource;
  });
}

/** Reads every .json and .xml file in `folder` (not recursive) and returns the resources in file-name order. */
export async function loadDataset(folder: string, version: FhirVersion, loadDate: Date, parseXml: FhirXmlParser): Promise<Resource[]> {
  let names: string[];
  try {
    names = (await readdir(folder)).filter((n) => /\.(json|xml)$/i.test(n)).sort();
  } catch (err) {
    throw new UpstreamUnavailable(`demo data folder not readable: ${folder}`, { cause: err });
  }
  if (names.length > MAX_FILES) throw new MappingFailed(`demo data folder ${folder} holds more than ${MAX_FILES} files`);
  const out: Resource[] = [];
  for (const name of names) {
    const file = path.join(folder, name);
    if ((await stat(file)).size > MAX_FILE_BYTES) throw new MappingFailed(`demo data ${name} is larger than ${MAX_FILE_BYTES} bytes`);
    const text = resolveDatePlaceholders(await readFile(file, 'utf8'), loadDate);
    let resource: Resource;
    try {
      resource = name.toLowerCase().endsWith('.xml') ? parseXml(text, version) : (JSON.parse(text) as Resource);
    } catch (err) {
      throw new MappingFailed(`demo data ${name} is not a readable FHIR ${version} resource`, { cause: err });
    }
    if (typeof resource?.resourceType !== 'string') throw new MappingFailed(`demo data ${name} has no resourceType`);
    out.push(...entriesOf(resource, file));
  }
  return out;
}
