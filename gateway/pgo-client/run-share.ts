import path from 'node:path';
import { fillPathTemplate } from '../config/index.js';
import { runAuthorization } from './authorize-run.js';
import { discoverFor, openPgoSession } from './open-session.js';
import { PgoFlowError } from './pgo-flow-error.js';
import { parsePgoOptions, PgoUsageError, type PgoOptions } from './pgo-options.js';
import { resolvePgoSetup, type ServiceSetup } from './resolve-setup.js';
import type { PgoIo } from './pgo-io.js';
import { entryStatuses, readShareBundle } from './share-bundle.js';

export interface ShareOptions extends PgoOptions {
  readonly bundleFile: string;
}

/**
 * `pgo share`'s command line: `--bundle FILE` plus the `pgo` options that make sense for Delen.
 * There is no long-term option (a confirmation holds for one run) and no --raw/--format (the
 * answer is one Bundle, printed as a status per entry).
 */
export function parseShareOptions(args: readonly string[], cwd: string = process.cwd()): ShareOptions {
  const rest: string[] = [];
  let bundle: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--bundle') {
      bundle = args[++i];
      if (bundle === undefined || bundle.startsWith('--')) throw new PgoUsageError('--bundle needs a file');
    } else if (arg.startsWith('--bundle=')) {
      bundle = arg.slice('--bundle='.length);
    } else {
      if (arg === '--long-term') throw new PgoUsageError('--long-term does not exist for Delen: the patient confirms for this one run only');
      if (arg === '--raw' || arg === '--format' || arg.startsWith('--format=')) throw new PgoUsageError(`${arg.split('=')[0]} is for pgo (Verzamelen); pgo share prints one status per entry`);
      rest.push(arg);
    }
  }
  if (bundle === undefined || bundle === '') throw new PgoUsageError('--bundle <file> is required');
  const options = parsePgoOptions(rest, cwd);
  if (options.services.length > 1) throw new PgoUsageError('pgo share sends to one data service: give --service once');
  return { ...options, bundleFile: path.resolve(cwd, bundle) };
}

/** The Delen service to send to: the one named, else the provider's only service that accepts data. */
function shareService(services: readonly ServiceSetup[], named: boolean, provider: string): ServiceSetup {
  const accepting = services.filter((s) => s.catalogue.accepts.length > 0);
  if (named) {
    if (accepting.length === 0) throw new PgoFlowError(`data service ${services[0]?.id ?? ''} of "${provider}" accepts no data (its catalogue lists no accepts: it is a Verzamelen service)`);
    return accepting[0]!;
  }
  if (accepting.length === 1) return accepting[0]!;
  if (accepting.length === 0) throw new PgoFlowError(`care provider "${provider}" offers no Delen service here (no catalogue of its services lists accepts)`);
  throw new PgoFlowError(`care provider "${provider}" offers several Delen services (${accepting.map((s) => s.id).join(', ')}): choose one with --service`);
}

/**
 * `medmij-gateway pgo share --bundle FILE`: a PGO's Delen run (issue 10): authorization request
 * with scope `provider~serviceId`, login and the Bevestigingsverklaring, code exchange over
 * two-sided TLS (no refresh token is expected), then the POST of the Bundle to the service's base
 * with `Prefer: return=representation`. Prints each entry's status; exit 0 when the answer is 200
 * and every entry 2xx, 1 otherwise, 2 on a usage error. Never prints the token or the BSN.
 */
export async function runShare(args: readonly string[], io: PgoIo): Promise<number> {
  let options: ShareOptions;
  try {
    options = parseShareOptions(args);
  } catch (error) {
    if (!(error instanceof PgoUsageError)) throw error;
    io.err(`medmij-gateway pgo share: ${error.message} (see medmij-gateway pgo --help)\n`);
    return 2;
  }
  try {
    return await share(options, io);
  } catch (error) {
    const message = error instanceof PgoFlowError ? error.message : `unexpected failure: ${error instanceof Error ? error.message : String(error)}`;
    io.err(`medmij-gateway pgo share: ${message}\n`);
    return 1;
  }
}

async function share(options: ShareOptions, io: PgoIo): Promise<number> {
  const bundle = await readShareBundle(options.bundleFile);
  const setup = await resolvePgoSetup(options);
  const service = shareService(setup.services, options.services.length > 0, options.provider);
  const { session, clientCert, clientKey } = await openPgoSession(options, setup);
  const say = (line: string) => io.err(`${line}\n`);
  try {
    const scope = `${options.provider}~${service.id}`;
    say(`PGO ${options.clientId} → ${scope}: a ${bundle.type} Bundle of ${bundle.entries} entries; patient interface ${setup.patientUrl}, node interface ${setup.nodeUrl} (from ${setup.source})`);
    const endpoints = await discoverFor(session, setup, options);
    const { token, sessionId } = await runAuthorization(session, { endpoints, options, scope, clientCert, clientKey, io, what: 'confirming what is shared' });
    if (token.refresh_token !== undefined) say('warning: the gateway issued a refresh token for a Delen scope (MedMij: a confirmation holds for one run only)');

    const url = `${setup.nodeUrl}${fillPathTemplate(setup.resourcePath, options.provider, service.id)}`;
    const answer = await session.nodePost(url, bundle.body, {
      authorization: `Bearer ${token.access_token}`,
      'content-type': bundle.contentType,
      accept: 'application/fhir+json',
      prefer: 'return=representation',
      'medmij-request-id': crypto.randomUUID(),
      'x-correlation-id': sessionId,
    });
    if (answer.status !== 200) {
      const diagnostics = /"diagnostics"\s*:\s*"([^"]{1,300})"/.exec(answer.body)?.[1];
      throw new PgoFlowError(`the gateway answered the Bundle with HTTP ${answer.status}${diagnostics ? `: ${diagnostics}` : ''}`);
    }
    const entries = entryStatuses(answer.body);
    io.out(`POST ${url}: HTTP 200, ${entries.length} entries\n`);
    entries.forEach((e, i) => {
      io.out(`  ${String(i + 1).padStart(3)}  ${e.status}${e.location ? `  ${e.location}` : ''}${e.diagnostics ? `  ${e.diagnostics}` : ''}\n`);
    });
    const stored = entries.filter((e) => /^2\d\d\b/.test(e.status)).length;
    io.out(`Totals: ${entries.length} entries, ${stored} accepted, ${entries.length - stored} refused\n`);
    return stored === entries.length ? 0 : 1;
  } finally {
    await session.close();
  }
}
