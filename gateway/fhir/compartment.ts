import type { FhirVersion, Resource } from '../../adapters/types.js';
import { BSN_SYSTEMS, maskedValue } from './mask-bsn.js';
import { patientCompartmentLinks, type SearchOutcome } from './search/index.js';

/**
 * @module The one patient-compartment rule (house rule 5), applied in exactly two places: at the
 * adapter boundary (compartment-guard.ts) and on the final answer (screenAnswer). Which elements
 * link a resource to a patient comes from HL7's CompartmentDefinition `patient`
 * (search/patient-compartment.ts); on top of it, ANY Patient reference anywhere in the resource
 * (contained, extensions) must be the token's patient: fail closed.
 *
 * Verdicts:
 * - `own`: the token's Patient, a compartment member linked to the patient and to no other, or a
 *   resource outside the compartment (Practitioner, Organization, Medication) that names no
 *   other patient;
 * - `unlinked`: a compartment member that names no patient at all (a Specimen of a contained
 *   Device): reachable through the patient's own references (`_include`, reads), never a match;
 * - `foreign`: another Patient, or anything referring to another patient (an unparseable Patient
 *   reference counts as another). Never served, and each one is an alarm.
 *
 * The rule walks a resource once; on the final answer that same walk masks the BSN (issue 14:
 * one pass over each resource instead of a compartment walk and a masking walk).
 */
export type CompartmentVerdict = 'own' | 'unlinked' | 'foreign';

/** Whose compartment: the patient from the token, in the FHIR version of the data service. */
export interface CompartmentScope {
  readonly patientRef: string;
  readonly fhirVersion: FhirVersion;
}

export interface CompartmentViolation {
  readonly resourceType: string;
}

export interface CompartmentResult {
  readonly kept: readonly Resource[];
  /** Resources of another patient: dropped, and each one an alarm. */
  readonly violations: readonly CompartmentViolation[];
}

const PATIENT_REF = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;
const ANY_PATIENT_REF = /(?:^|\/)Patient\//;
const RELATIVE_PATIENT_REF = /^Patient\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[^/]+)?$/;
const ELEMENT_PATH = /^[a-z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)*$/;

/** Element paths of the compartment links of one type, and every prefix of them (where the walk tracks its path). */
interface LinkPaths {
  readonly paths: ReadonlySet<string>;
  readonly prefixes: ReadonlySet<string>;
}

/**
 * The CompartmentDefinition's links as element paths (`Appointment.participant.actor` →
 * `participant.actor`), so that the one walk can tell a link from any other reference. Every link
 * expression of the patient compartment is such a path, optionally filtered to Patient targets;
 * one that is not fails the start, rather than silently losing members.
 */
function linkPathsOf(version: FhirVersion, resourceType: string): LinkPaths | undefined {
  const links = patientCompartmentLinks(version, resourceType);
  if (!links) return undefined;
  const paths = new Set<string>();
  const prefixes = new Set<string>();
  for (const link of links) {
    for (const alternative of link.definition.expression.split('|')) {
      const expr = alternative.trim().replace(/\.where\(resolve\(\) is Patient\)$/, '');
      const path = expr.startsWith(`${resourceType}.`) ? expr.slice(resourceType.length + 1) : '';
      if (!ELEMENT_PATH.test(path)) throw new Error(`patient compartment (${version}): ${resourceType}.${link.param} is not an element path: ${link.definition.expression}`);
      paths.add(path);
      const steps = path.split('.');
      for (let i = 1; i <= steps.length; i++) prefixes.add(steps.slice(0, i).join('.'));
    }
  }
  return { paths, prefixes };
}

// By version, then type: no key string built per resource screened (the adapter guard screens
// every search candidate, 5,000 of them for a $lastn over 10,000 Observations). Bounded by the
// types the CompartmentDefinitions and the adapters name.
const LINK_PATHS = new Map<FhirVersion, Map<string, LinkPaths | undefined>>();
function linkPaths(version: FhirVersion, resourceType: string): LinkPaths | undefined {
  let byType = LINK_PATHS.get(version);
  if (!byType) LINK_PATHS.set(version, (byType = new Map()));
  let paths = byType.get(resourceType);
  if (paths === undefined && !byType.has(resourceType)) byType.set(resourceType, (paths = linkPathsOf(version, resourceType)));
  return paths;
}

/** What the walk found. */
interface Findings {
  foreign: boolean;
  linked: boolean;
}

/**
 * The one walk: checks every `reference` against the patient, notes whether a compartment link
 * names the patient, and (with `mask`) masks every BSN value (mask-bsn.ts). Masking copies on
 * write: only the objects and arrays on the way to a BSN are copied, everything else is the
 * adapter's own value, shared (issue 14: a deep copy of every served resource was most of the
 * walk's allocation, and nothing after the post-check changes a resource). Without `mask` nothing
 * is ever copied. `path` is the element path from the resource root while it can still reach a
 * link (null below that: no string building on deep trees).
 */
function walk(node: unknown, path: string | null, links: LinkPaths | undefined, patientRef: string, found: Findings, mask: boolean): unknown {
  if (Array.isArray(node)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < node.length; i++) {
      const item: unknown = node[i];
      const walked = walk(item, path, links, patientRef, found, mask);
      if (walked !== item) copy ??= node.slice();
      if (copy) copy[i] = walked;
    }
    return copy ?? node;
  }
  if (node === null || typeof node !== 'object') return node;
  const obj = node as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key in obj) {
    const value = obj[key];
    if (key === 'reference' && typeof value === 'string') {
      const m = PATIENT_REF.exec(value);
      if (m) {
        if (m[1] !== patientRef) found.foreign = true;
        else if (path !== null && links?.paths.has(path) === true && RELATIVE_PATIENT_REF.test(value)) found.linked = true;
      } else if (ANY_PATIENT_REF.test(value)) {
        found.foreign = true;
      }
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    let childPath: string | null = null;
    if (path !== null && links !== undefined) {
      const candidate = path === '' ? key : `${path}.${key}`;
      if (links.prefixes.has(candidate)) childPath = candidate;
    }
    const child = walk(value, childPath, links, patientRef, found, mask);
    if (child !== value) (copy ??= { ...obj })[key] = child;
  }
  if (mask && typeof obj.system === 'string' && BSN_SYSTEMS.has(obj.system) && ('value' in obj || '_value' in obj)) {
    copy ??= { ...obj };
    delete copy.value;
    copy._value = maskedValue();
  }
  return copy ?? node;
}

function verdictOf(resource: Resource, links: LinkPaths | undefined, found: Findings, patientRef: string): CompartmentVerdict {
  if (resource.resourceType === 'Patient') return resource.id === patientRef && !found.foreign ? 'own' : 'foreign';
  if (found.foreign) return 'foreign';
  if (links === undefined) return 'own';
  return found.linked ? 'own' : 'unlinked';
}

/** Judges one resource and, with `mask`, returns its BSN-masked copy from the same walk. */
export function screenResource(resource: Resource, scope: CompartmentScope, mask: boolean): { readonly verdict: CompartmentVerdict; readonly resource: Resource } {
  const links = linkPaths(scope.fhirVersion, resource.resourceType);
  const found: Findings = { foreign: false, linked: false };
  const out = walk(resource, '', links, scope.patientRef, found, mask) as Resource;
  return { verdict: verdictOf(resource, links, found, scope.patientRef), resource: out };
}

export function judgeCompartment(resource: Resource, scope: CompartmentScope): CompartmentVerdict {
  return screenResource(resource, scope, false).verdict;
}

/**
 * Keeps the patient's resources. `allowUnlinked` is for includes and the reads behind them;
 * search matches and direct reads leave it off. An unlinked resource that is not allowed is
 * dropped without an alarm: it is nobody else's data. With `mask` the kept resources are the
 * BSN-masked values (the final answer: copied only where a BSN was masked); without, the adapter's
 * own objects (the boundary).
 */
export function screenResources(
  resources: readonly Resource[],
  scope: CompartmentScope,
  options: { readonly allowUnlinked?: boolean; readonly mask?: boolean } = {},
): CompartmentResult {
  const kept: Resource[] = [];
  const violations: CompartmentViolation[] = [];
  for (const r of resources) {
    const { verdict, resource } = screenResource(r, scope, options.mask === true);
    if (verdict === 'own' || (verdict === 'unlinked' && options.allowUnlinked === true)) kept.push(resource);
    else if (verdict === 'foreign') violations.push({ resourceType: r.resourceType });
  }
  return { kept, violations };
}

/**
 * The final answer, the second of the two places: the page's matches must be the patient's own,
 * its includes may also be unlinked; every kept resource comes out BSN-masked from the same walk
 * (so the renderer masks nothing more). Dropped matches leave the total.
 */
export function screenSearchAnswer(outcome: SearchOutcome, scope: CompartmentScope): { readonly outcome: SearchOutcome; readonly violations: readonly CompartmentViolation[] } {
  const matches = screenResources(outcome.matches, scope, { mask: true });
  const includes = screenResources(outcome.includes, scope, { allowUnlinked: true, mask: true });
  const dropped = outcome.matches.length - matches.kept.length;
  return {
    outcome: { ...outcome, matches: [...matches.kept], includes: [...includes.kept], total: Math.max(0, outcome.total - dropped) },
    violations: [...matches.violations, ...includes.violations],
  };
}

/** The same for a read: the resource, masked, or undefined (→ 404) when it is not the patient's. */
export function screenReadAnswer(resource: Resource | undefined, scope: CompartmentScope): { readonly resource: Resource | undefined; readonly violations: readonly CompartmentViolation[] } {
  if (!resource) return { resource: undefined, violations: [] };
  const { kept, violations } = screenResources([resource], scope, { mask: true });
  return { resource: kept[0], violations };
}
