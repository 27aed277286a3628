import { watch, type FSWatcher } from 'node:fs';
import type { X509Certificate } from 'node:crypto';
import type { Server as HttpsServer } from 'node:https';
import type { Server as TlsServer } from 'node:tls';
import path from 'node:path';
import type { Logger } from '../observability/index.js';
import { GatewayError } from '../errors.js';
import { createSecureContextOptions, type TlsPolicy } from './https-options.js';
import { loadTlsMaterial, loadTlsMaterialSync, type TlsMaterial, type TlsMaterialFiles } from './load-tls-material.js';

export interface ReloadableTlsMaterialOptions extends TlsMaterialFiles {
  /** Reload when a file changes (fs.watch on the folders, so renames and symlink swaps count). */
  readonly watch: boolean;
  readonly log: Logger;
  readonly debounceMs?: number;
  readonly now?: () => Date;
}

export type ReloadOutcome = 'reloaded' | 'unchanged' | 'rejected';

export interface ReloadableTlsMaterial {
  /** The material in force. */
  current(): TlsMaterial;
  /** Client-certificate trust anchors in force; pass to guardConnections. */
  trustedCa(): readonly X509Certificate[];
  /** Re-reads the files; a bad set is logged and never replaces the good one. The lead wires SIGHUP here. */
  reload(): Promise<ReloadOutcome>;
  /** Applies the current material now, and every successful reload calls server.setSecureContext with the new material and this policy. */
  attach(server: TlsServer | HttpsServer, policy: TlsPolicy): void;
  /** Stops watching. */
  close(): void;
}

/**
 * Certificate rotation without restart. Loading at creation is synchronous and throws
 * GatewayError TLS_MATERIAL_INVALID naming the file, so a bad start fails loudly; later loads
 * keep the last good material on any error (fail safe: the listener keeps a working identity).
 */
export function createReloadableTlsMaterial(options: ReloadableTlsMaterialOptions): ReloadableTlsMaterial {
  const now = options.now ?? (() => new Date());
  const files: TlsMaterialFiles = {
    certFile: options.certFile,
    keyFile: options.keyFile,
    ...(options.caFile === undefined ? {} : { caFile: options.caFile }),
  };
  let material = loadTlsMaterialSync(files, now());
  const servers: Array<{ server: TlsServer | HttpsServer; policy: TlsPolicy }> = [];
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<ReloadOutcome> | undefined;

  const apply = (server: TlsServer | HttpsServer, policy: TlsPolicy): void => {
    // Keep the ticket keys, so sessions survive a rotation; the guard re-checks them anyway.
    server.setSecureContext({ ...createSecureContextOptions(material, policy), ticketKeys: server.getTicketKeys() });
  };

  const doReload = async (): Promise<ReloadOutcome> => {
    let next: TlsMaterial;
    try {
      next = await loadTlsMaterial(files, now());
    } catch (err) {
      const code = err instanceof GatewayError ? err.code : 'unknown';
      const message = err instanceof GatewayError ? err.message : 'unexpected error';
      options.log.error({ code }, `TLS reload rejected, keeping the current certificate: ${message}`);
      return 'rejected';
    }
    if (next.cert === material.cert && next.key === material.key && next.ca === material.ca) return 'unchanged';
    const previous = material;
    material = next;
    try {
      for (const { server, policy } of servers) apply(server, policy);
    } catch (err) {
      // OpenSSL refused what node:crypto accepted (e.g. a key type the policy forbids): roll back.
      material = previous;
      for (const { server, policy } of servers) apply(server, policy);
      options.log.error({ err: err instanceof Error ? err.message : 'unknown' }, 'TLS reload rejected by OpenSSL, keeping the current certificate');
      return 'rejected';
    }
    options.log.info(
      { fingerprint256: next.certificate.fingerprint256, validTo: next.certificate.validTo },
      'TLS certificate reloaded',
    );
    return 'reloaded';
  };

  // One reload at a time; a request during a reload waits for it and then runs again.
  const reload = async (): Promise<ReloadOutcome> => {
    while (running) await running.catch(() => undefined);
    running = doReload();
    try {
      return await running;
    } finally {
      running = undefined;
    }
  };

  if (options.watch) {
    const debounceMs = options.debounceMs ?? 250;
    const dirs = new Set([files.certFile, files.keyFile, files.caFile].filter((f): f is string => f !== undefined).map((f) => path.dirname(f)));
    for (const dir of dirs) {
      const w = watch(dir, { persistent: false }, () => {
        // Writers replace cert and key one after the other: wait until they settle.
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => void reload(), debounceMs);
        timer.unref();
      });
      w.on('error', (err) => options.log.error({ err: err.message, dir }, 'TLS file watch failed; SIGHUP still reloads'));
      watchers.push(w);
    }
  }

  return {
    current: () => material,
    trustedCa: () => material.trustedCa,
    reload,
    attach(server, policy) {
      servers.push({ server, policy });
      apply(server, policy);
    },
    close() {
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
      watchers.length = 0;
    },
  };
}
