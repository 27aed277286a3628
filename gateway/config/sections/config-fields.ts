import path from 'node:path';
import { z } from 'zod';

/**
 * Field types shared by the sections. Built per config file because relative paths are resolved
 * against the folder of the file that names them, so a config works whatever the working directory.
 */
export function configFields(baseDir: string) {
  /** A local file; relative paths resolve against the config file's folder. */
  const filePath = z
    .string()
    .min(1)
    .transform((p) => path.resolve(baseDir, p));

  /**
   * A MedMij list comes from a file (development, tests, air-gapped installs) or an https URL.
   * Anything that looks like a URL must be https: the lists are the trust anchor of the whitelist
   * check, and MedMij publishes them over TLS only (digest §4.1). Two letters minimum for a scheme
   * so that a Windows drive letter (`C:\…`) still counts as a path.
   */
  const httpsUrlOrFile = z
    .string()
    .min(1)
    .refine((s) => !/^[a-z][a-z0-9+.-]+:/i.test(s) || /^https:\/\//i.test(s), 'lists are fetched over https only')
    .transform((s) => (/^https:\/\//i.test(s) ? s : path.resolve(baseDir, s)));

  /** A TCP port; 0 lets the OS choose (tests). */
  const port = z.number().int().min(0).max(65535);

  /** An absolute https URL, as published to PGOs and browsers. */
  const httpsUrl = z.url({ protocol: /^https$/ });

  return { filePath, httpsUrlOrFile, port, httpsUrl };
}

export type ConfigFields = ReturnType<typeof configFields>;
