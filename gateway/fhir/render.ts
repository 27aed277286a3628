import type { Response } from 'express';
import type { FhirVersion, Resource } from '../../adapters/types.js';
import { toFhirXml } from './fhir-xml.js';
import { CONTENT_TYPES, type FhirFormat } from './format.js';
import type { OperationOutcome } from './outcome.js';

/** Writes a FHIR resource (Bundle, resource or OperationOutcome) in the negotiated format. */
export function sendResource(res: Response, status: number, resource: Resource | OperationOutcome, format: FhirFormat, version: FhirVersion, head = false): void {
  const body = format === 'xml' ? toFhirXml(resource as Resource, version) : JSON.stringify(resource);
  res.status(status);
  res.setHeader('Content-Type', CONTENT_TYPES[format]);
  res.setHeader('Content-Length', Buffer.byteLength(body, 'utf8'));
  res.end(head ? undefined : body);
}
