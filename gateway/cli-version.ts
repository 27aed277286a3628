import { readFileSync } from 'node:fs';
import { fromProjectRoot } from './project-root.js';

/** @module `medmij-gateway --version`: the version package.json names, read at call time (the image copies package.json). */
export function gatewayVersion(): string {
  const parsed: unknown = JSON.parse(readFileSync(fromProjectRoot('package.json'), 'utf8'));
  const version = typeof parsed === 'object' && parsed !== null ? (parsed as { version?: unknown }).version : undefined;
  return typeof version === 'string' ? version : 'unknown';
}
