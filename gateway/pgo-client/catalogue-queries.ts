import type { ParamRule, QueryCatalogue, QueryTemplate } from '../fhir/catalogue/index.js';

/** One concrete search a PGO sends, derived from a catalogue template. */
export interface CatalogueQuery {
  /** The template's name, with `#n` when a template yields several queries. */
  readonly name: string;
  readonly resourceType: string;
  readonly operation?: 'lastn';
  readonly params: ReadonlyArray<readonly [string, string]>;
}

const DAY = 86_400_000;
/** The window a PGO typically asks for: the past year up to today (the Nictiz scripts use T-21 days and similar). */
const WINDOW_DAYS = 365;

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** A date window for a `format: date` parameter, within the prefixes and repeats the template allows. */
function dateWindow(rule: Extract<ParamRule, { format: 'date' }>, today: Date): string[] {
  const from = `ge${isoDate(new Date(today.getTime() - WINDOW_DAYS * DAY))}`;
  const to = `le${isoDate(today)}`;
  const values: string[] = [];
  if (rule.prefixes.includes('ge')) values.push(from);
  if (rule.prefixes.includes('le') && values.length < rule.maxRepeats) values.push(to);
  return values;
}

/**
 * Every query of a catalogue, as a PGO would send them: fixed values exactly as the catalogue
 * writes them (one query per allowed value), every `_include` and `_include:iterate` the template
 * names, and, for templates with date parameters, an extra variant with a window relative to
 * `today`. Free token parameters (identifier, …) have no sensible value without data and are left
 * out, as they are optional. Never `patient=`/`subject=`: the token carries the patient
 * (core.rscint.203).
 */
export function buildCatalogueQueries(catalogue: QueryCatalogue, today: Date): CatalogueQuery[] {
  const out: CatalogueQuery[] = [];
  for (const t of catalogue.searches) {
    const variants = fixedVariants(t);
    const dated = Object.entries(t.params).filter((e): e is [string, Extract<ParamRule, { format: 'date' }>] => 'format' in e[1] && e[1].format === 'date');
    const includes: Array<readonly [string, string]> = [...t.include.map((i) => ['_include', i] as const), ...t.iterate.map((i) => ['_include:iterate', i] as const)];
    const all: Array<Array<readonly [string, string]>> = [];
    // A required date parameter leaves no query without a window.
    const dateRequired = dated.some(([, rule]) => rule.required);
    for (const fixed of variants) {
      if (!dateRequired) all.push([...fixed, ...includes]);
      for (const [name, rule] of dated) all.push([...fixed, ...dateWindow(rule, today).map((v) => [name, v] as const), ...includes]);
    }
    all.forEach((params, i) =>
      out.push({
        name: all.length > 1 ? `${t.name}#${i + 1}` : t.name,
        resourceType: t.resourceType,
        ...(t.operation ? { operation: t.operation } : {}),
        params,
      }),
    );
  }
  return out;
}

/** The cartesian product of the template's fixed (`equals`) parameters; one empty variant without any. */
function fixedVariants(t: QueryTemplate): Array<Array<readonly [string, string]>> {
  let variants: Array<Array<readonly [string, string]>> = [[]];
  for (const [name, rule] of Object.entries(t.params)) {
    if (!('equals' in rule)) continue;
    variants = variants.flatMap((v) => rule.equals.map((value) => [...v, [name, value] as const]));
  }
  return variants;
}

/** `Observation/$lastn?code=…`: the path and query relative to a FHIR base, percent-encoded. */
export function queryPath(q: CatalogueQuery): string {
  const path = q.operation ? `${q.resourceType}/$${q.operation}` : q.resourceType;
  const query = new URLSearchParams(q.params.map(([k, v]): [string, string] => [k, v])).toString();
  return query ? `${path}?${query}` : path;
}

/** The same, readable (decoded) for the summary. */
export function queryLabel(q: CatalogueQuery): string {
  const path = q.operation ? `${q.resourceType}/$${q.operation}` : q.resourceType;
  return q.params.length === 0 ? path : `${path}?${q.params.map(([k, v]) => `${k}=${v}`).join('&')}`;
}
