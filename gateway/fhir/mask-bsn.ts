import type { Resource } from '../../adapters/types.js';

/**
 * No BSN leaves the gateway unmasked (MedMij: no BSN in control data, core.rscint.203; the
 * qualification asserts that a `http://fhir.nl/fhir/NamingSystem/bsn` identifier has no value or
 * only an extension, QUERIES.md). We keep the identifier, so the PGO still sees that a BSN is on
 * file, but replace its value with the `data-absent-reason` extension `masked`
 * (http://hl7.org/fhir/StructureDefinition/data-absent-reason), exactly as the Nictiz reference
 * data does. In FHIR JSON an extension on a primitive lives in `_value` (FHIR json.html).
 */
export const BSN_SYSTEMS: ReadonlySet<string> = new Set([
  'http://fhir.nl/fhir/NamingSystem/bsn',
  'urn:oid:2.16.840.1.113883.2.4.6.3', // the BSN OID, used by older systems
]);

const MASKED = {
  extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'masked' }],
};

/** A fresh `_value` for a masked BSN (a copy: answers never share objects). */
export function maskedValue(): typeof MASKED {
  return { extension: [{ ...MASKED.extension[0]! }] };
}

function isBsnIdentifier(node: Record<string, unknown>): boolean {
  return typeof node.system === 'string' && BSN_SYSTEMS.has(node.system) && ('value' in node || '_value' in node);
}

function mask(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(mask);
  if (node === null || typeof node !== 'object') return node;
  const obj = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) out[key] = mask(value);
  if (isBsnIdentifier(obj)) {
    delete out.value;
    out._value = maskedValue();
  }
  return out;
}

/**
 * A copy of the resource with every BSN identifier masked; the adapter's object is not touched.
 * The FHIR answer masks in the compartment walk (compartment.ts `screenResources`); this one is
 * for callers without a patient scope (contract tests, tools).
 */
export function maskBsn<R extends Resource>(resource: R): R {
  return mask(resource) as R;
}

/** True when a BSN value would be served: used by tests and as a last assertion before sending. */
export function containsUnmaskedBsn(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(containsUnmaskedBsn);
  if (node === null || typeof node !== 'object') return false;
  const obj = node as Record<string, unknown>;
  if (typeof obj.system === 'string' && BSN_SYSTEMS.has(obj.system) && obj.value !== undefined) return true;
  return Object.values(obj).some(containsUnmaskedBsn);
}
