import type { QueryResult } from './run-query.js';

export interface ServiceRun {
  readonly serviceId: string;
  readonly standard: string;
  readonly fhirVersion: string;
  readonly baseUrl: string;
  readonly results: readonly QueryResult[];
}

/** A BSN is shown as its first four digits and stars (9999*****), never whole. */
export function maskBsn(bsn: string): string {
  return `${bsn.slice(0, 4)}*****`;
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

/**
 * The readable report: per service one line per query (status, match and include counts, time,
 * name, query), the OperationOutcome text under a failed one, and totals. The line layout is
 * stable: `  <status> <matches> <includes> <ms>ms  <name>  <query>`.
 */
export function formatSummary(runs: readonly ServiceRun[], format: string): string {
  const lines: string[] = [];
  let queries = 0;
  let ok = 0;
  let matches = 0;
  let includes = 0;
  let ms = 0;
  for (const run of runs) {
    lines.push('', `Service ${run.serviceId} (${run.standard}, FHIR ${run.fhirVersion}, ${format}) ${run.baseUrl}`, '  status   match include       time  name  query');
    for (const r of run.results) {
      queries++;
      ms += r.ms;
      if (r.status === 200 && r.error === undefined) ok++;
      matches += r.matches ?? 0;
      includes += r.includes ?? 0;
      lines.push(`  ${pad(r.status, 6)} ${pad(r.matches ?? '-', 7)} ${pad(r.includes ?? '-', 7)} ${pad(r.ms, 8)}ms  ${r.name}  ${r.label}`);
      if (r.error !== undefined) lines.push(`         error: ${r.error}`);
    }
  }
  lines.push('', `Totals: ${queries} queries, ${ok} answered 200, ${queries - ok} failed; ${matches} matches, ${includes} includes; ${ms} ms`);
  return `${lines.join('\n')}\n`;
}
