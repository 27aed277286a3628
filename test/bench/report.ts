import { readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * What `npm run bench` measured, as printed and as written to bench-results.json. Every ratio
 * comes from one run on one machine: figures from different machines or runs are not comparable,
 * which is why the machine line travels with the numbers.
 */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly platform: string;
  /** 1/5/15-minute load averages when the run started and when it ended (a busy machine drifts). */
  readonly loadAtStart: readonly number[];
  loadAtEnd?: readonly number[];
}

export interface Section {
  /** Property name in bench-results.json. */
  readonly key: string;
  readonly title: string;
  /** [label, value] rows; values are already formatted. */
  readonly rows: ReadonlyArray<readonly [string, string]>;
  /** The structured figures, for bench-results.json. */
  readonly data: Record<string, unknown>;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly machine: MachineInfo;
  readonly sections: Section[];
}

export function describeMachine(): MachineInfo {
  return {
    cpu: cpuModel(),
    cores: os.cpus().length,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAtStart: os.loadavg().map(round2),
  };
}

/** /proc/cpuinfo names the model on Linux; os.cpus() is the fallback elsewhere. */
function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    const model = line?.split(':')[1]?.trim();
    if (model) return model;
  } catch {
    // not Linux: fall through
  }
  return os.cpus()[0]?.model.trim() ?? 'unknown CPU';
}

export function machineLine(m: MachineInfo): string {
  const end = m.loadAtEnd ? `, at end ${m.loadAtEnd.join(' ')}` : '';
  return `machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.platform}; load average at start ${m.loadAtStart.join(' ')}${end}`;
}

function shortMachine(m: MachineInfo): string {
  return `${m.cpu}, ${m.cores} cores, Node ${m.node}`;
}

/** The printed table: one block per benchmark, labels padded to one column. */
export function formatReport(report: BenchReport): string {
  const width = Math.max(...report.sections.flatMap((s) => s.rows.map(([label]) => label.length)), 10);
  const lines: string[] = [];
  for (const section of report.sections) {
    lines.push('', section.title, '-'.repeat(section.title.length));
    for (const [label, value] of section.rows) lines.push(`  ${label.padEnd(width)}  ${value}`);
    lines.push(`  ${'machine'.padEnd(width)}  ${shortMachine(report.machine)}`);
  }
  lines.push('', machineLine(report.machine));
  return lines.join('\n');
}

export function toJson(report: BenchReport): Record<string, unknown> {
  return {
    startedAt: report.startedAt,
    machine: report.machine,
    results: Object.fromEntries(report.sections.map((s) => [s.key, s.data])),
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Median of the per-round ratios a[i]/b[i]. Rounds i of both sides ran back to back, so this
 * cancels slow drift of a shared machine better than the ratio of the two medians.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  return median(a.slice(0, b.length).map((x, i) => x / b[i]!));
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** "1234.5/s" with rounds shown, so a reader sees the spread behind a median. */
export function rateWithRounds(medianRate: number, rounds: readonly number[]): string {
  return `${medianRate.toFixed(1)}/s  (median of ${rounds.length}: ${rounds.map((r) => r.toFixed(0)).join(', ')})`;
}
