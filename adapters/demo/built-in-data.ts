import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FhirVersion } from '../types.js';

/**
 * The synthetic demo patients shipped with the project (fictional people, test BSNs of the
 * 999-range that pass the 11-proof). Found next to this module from source (jest) and from
 * dist/ after `tsc`, which does not copy data files.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const dataRoot = [path.join(here, 'data'), path.resolve(here, '../../../adapters/demo/data')].find((p) => existsSync(p)) ?? path.join(here, 'data');

export const builtInDemoData: Readonly<Record<FhirVersion, string>> = {
  STU3: path.join(dataRoot, 'stu3'),
  R4: path.join(dataRoot, 'r4'),
};

export interface DemoPatient {
  readonly id: string;
  readonly name: string;
  readonly bsn: string;
  readonly datasets: readonly FhirVersion[];
}

/** For the README and for development logins. */
export const DEMO_PATIENTS: readonly DemoPatient[] = [
  { id: 'demo-patient-de-graaf', name: 'Marieke de Graaf', bsn: '999911120', datasets: ['STU3', 'R4'] },
  { id: 'demo-patient-van-leeuwen', name: 'Joost van Leeuwen', bsn: '999990020', datasets: ['STU3', 'R4'] },
];
