import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Reads a list fixture (test/fixtures/lists) or a development list (config/lists/dev). */
export const fixturePath = (name: string): string => fileURLToPath(new URL(`../../fixtures/lists/${name}`, import.meta.url));
export const devListPath = (name: string): string => fileURLToPath(new URL(`../../../config/lists/dev/${name}`, import.meta.url));
export const readFixture = (name: string): string => readFileSync(fixturePath(name), 'utf8');
export const readDevList = (name: string): string => readFileSync(devListPath(name), 'utf8');

/** A minimal valid Whitelist with the given Volgnummer and hosts, for manager tests. */
export function whitelistXml(volgnummer: number, hosts: readonly string[] = ['pgo.listed.test']): string {
  const nodes = hosts.map((h) => `    <MedMijNode>\n      <Hostname>${h}</Hostname>\n    </MedMijNode>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Whitelist xmlns="xmlns://afsprakenstelsel.medmij.nl/whitelist/release2/">
  <Tijdstempel>2025-03-01T08:15:00Z</Tijdstempel>
  <Volgnummer>${volgnummer}</Volgnummer>
  <MedMijNodes>
${nodes}
  </MedMijNodes>
</Whitelist>
`;
}
