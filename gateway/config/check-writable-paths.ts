import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ConfigIssue } from './config-error.js';
import type { GatewayConfig } from './schema.js';

/**
 * @module The files the gateway will write, checked before it starts: today `logging.audit` when it
 * names a file. Without this check an unwritable audit path passed check-config and then crashed
 * the start with a raw EACCES stack trace from the logger's file stream; a gateway that cannot
 * keep its audit trail must not serve (NEN 7513: every access to patient data is logged), so it
 * refuses, naming the key. Nothing is created here: check-config must not touch the disk.
 */
export async function checkWritablePaths(config: GatewayConfig): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  const audit = config.logging.audit;
  if (audit !== 'stdout' && audit !== 'stderr') {
    const problem = await whyNotWritable(path.resolve(audit));
    if (problem !== undefined) issues.push({ path: 'logging.audit', message: `the audit file cannot be written: ${problem} (use stdout/stderr, or mount a writable volume there)` });
  }
  return issues;
}

/** Undefined when the file can be appended to, or created in its nearest existing folder. */
async function whyNotWritable(file: string): Promise<string | undefined> {
  const existing = await kindOf(file);
  if (existing === 'not-a-folder') return 'a part of the path is not a folder this user can enter';
  if (existing !== undefined) {
    if (existing === 'folder') return 'the path is a folder';
    return (await allowed(file, constants.W_OK)) ? undefined : 'the file is not writable for this user';
  }
  // pino creates missing folders (mkdir -p), so the nearest existing ancestor must be a writable folder.
  let dir = path.dirname(file);
  for (;;) {
    const kind = await kindOf(dir);
    if (kind !== undefined) {
      if (kind !== 'folder') return `${dir} is not a folder`;
      return (await allowed(dir, constants.W_OK | constants.X_OK)) ? undefined : `the folder ${dir} is not writable for this user`;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return 'no existing folder on the path';
    dir = parent;
  }
}

async function kindOf(p: string): Promise<'folder' | 'file' | 'not-a-folder' | undefined> {
  try {
    return (await stat(p)).isDirectory() ? 'folder' : 'file';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') return 'not-a-folder';
    // EACCES on a folder we may not even look into: as unwritable as it gets.
    return 'not-a-folder';
  }
}

async function allowed(p: string, mode: number): Promise<boolean> {
  try {
    await access(p, mode);
    return true;
  } catch {
    return false;
  }
}
