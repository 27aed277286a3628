import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import stu3Model from 'fhirpath/fhir-context/stu3';
import type { FhirVersion } from '../../../adapters/types.js';
import { memoizeFrozen } from './frozen-memo.js';

/**
 * @module The one door to HL7's FHIRPath engine (npm `fhirpath`, fhirpath.js by NLM/LHNCBC), with
 * its STU3 and R4 models so that choice types (`Observation.effective`), `as` and extension
 * values resolve as the specification says. Search-parameter expressions are compiled once,
 * when their definitions load at start, never per request.
 */
export type CompiledPath = (resource: unknown) => unknown[];

const MODELS = { STU3: stu3Model, R4: r4Model } as const;

export class FhirPathError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FhirPathError';
  }
}

export function compileFhirPath(version: FhirVersion, expression: string): CompiledPath {
  let compiled: (resource: unknown) => unknown;
  try {
    // resolveInternalTypes: false returns the engine's nodes; their `data` is the element as it
    // stands in the resource. (With true the engine tags each returned object, which fails on
    // the frozen resources the adapters hand out.)
    compiled = fhirpath.compile(expression, MODELS[version], { resolveInternalTypes: false }) as (resource: unknown) => unknown;
  } catch (err) {
    throw new FhirPathError(`FHIRPath expression does not compile: ${expression}`, { cause: err });
  }
  const evaluate = (resource: unknown): unknown[] => {
    const out = compiled(resource);
    return Array.isArray(out) ? out.map((n: unknown) => fhirpath.util.valData(n) as unknown) : [];
  };
  // A frozen resource (the demo EHR deep-freezes what it holds) cannot change: its values are
  // worked out once (frozen-memo.ts), not on every search over it (10,000 Observations per
  // $lastn); frozen too, so no caller can change what the next one reads.
  const once = memoizeFrozen((resource: object) => Object.freeze(evaluate(resource)) as unknown[]);
  return (resource) => (typeof resource === 'object' && resource !== null ? once(resource) : evaluate(resource));
}
