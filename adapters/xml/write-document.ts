import type { Resource } from '../types.js';
import { valueAt, type ResourcePath } from '../mapping/index.js';

/**
 * Delen into an XML EHR: the shared resources of one request as ONE vendor document, POSTed in
 * one request so the EHR takes them all or none (xml-adapter.ts). Each resource becomes one
 * record element carrying `id` (the gateway-assigned id) and `patient` (the token's patient,
 * never a value from the body) as attributes, and one child per configured field, its text the
 * value at a resource path (adapters/mapping/resource-path.ts); an absent value leaves the child out. Every
 * value is escaped, so no value can add markup of its own.
 */
export interface RecordShape {
  readonly element: string;
  readonly fields: ReadonlyMap<string, ResourcePath>;
}

export function writeDocument(root: string, records: ReadonlyArray<{ readonly shape: RecordShape; readonly resource: Resource }>, patientRef: string): string {
  const body = records
    .map(({ shape, resource }) => {
      const children = [...shape.fields].flatMap(([name, path]) => {
        const v = valueAt(resource, path);
        if (v === undefined || v === null) return [];
        return [`<${name}>${escapeXml(typeof v === 'object' ? JSON.stringify(v) : String(v))}</${name}>`];
      });
      return `<${shape.element} id="${escapeXml(String(resource.id))}" patient="${escapeXml(patientRef)}">${children.join('')}</${shape.element}>`;
    })
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><${root}>${body}</${root}>`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}
