import { fillPathTemplate } from '../config/index.js';
import { runAuthorization } from './authorize-run.js';
import type { PgoIo } from './pgo-io.js';
import { runShare } from './run-share.js';

export type { PgoIo } from './pgo-io.js';
import { buildCatalogueQueries } from './catalogue-queries.js';
import { discoverFor, openPgoSession } from './open-session.js';
import { formatSummary, type ServiceRun } from './format-summary.js';
import { PgoFlowError } from './pgo-flow-error.js';
import { parsePgoOptions, PgoUsageError, type PgoOptions } from './pgo-options.js';
import { PgoSession } from './pgo-session.js';
import { resolvePgoSetup, type PgoSetup } from './resolve-setup.js';
import { runQuery } from './run-query.js';

const processIo: PgoIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  input: process.stdin,
};

/**
 * `medmij-gateway pgo`: a PGO's whole Verzamelen run against one care provider (digest §1.3):
 * authorization request, login and consent, code exchange over two-sided TLS, then every query of
 * each data service's catalogue. Returns the exit code: 0 when every query answered 200, 1 on any
 * failure, 2 on a usage error. Never prints the access token or the BSN.
 */
export async function runPgoClient(args: string[], io: PgoIo = processIo): Promise<number> {
  // `pgo share --bundle FILE`: the Delen direction (run-share.ts).
  if (args[0] === 'share') return runShare(args.slice(1), io);
  let options: PgoOptions;
  try {
    options = parsePgoOptions(args);
  } catch (error) {
    if (!(error instanceof PgoUsageError)) throw error;
    io.err(`medmij-gateway pgo: ${error.message} (see medmij-gateway pgo --help)\n`);
    return 2;
  }
  try {
    return await run(options, io);
  } catch (error) {
    const message = error instanceof PgoFlowError ? error.message : `unexpected failure: ${error instanceof Error ? error.message : String(error)}`;
    io.err(`medmij-gateway pgo: ${message}\n`);
    return 1;
  }
}

async function run(options: PgoOptions, io: PgoIo): Promise<number> {
  const setup = await resolvePgoSetup(options);
  const { session, clientCert, clientKey } = await openPgoSession(options, setup);
  try {
    const say = (line: string) => io.err(`${line}\n`);
    say(`PGO ${options.clientId} → ${options.provider}: patient interface ${setup.patientUrl}, node interface ${setup.nodeUrl} (from ${setup.source})`);
    const endpoints = await discoverFor(session, setup, options);
    // Check the node interface before the Person logs in: a certificate not on the Whitelist
    // is refused there (digest §5.3), and better said now than after DigiD and consent.
    // Delen services (their catalogue accepts data) are `pgo share`'s; the provider-name scope leaves them out.
    const services = options.services.length > 0 ? setup.services : setup.services.filter((s) => s.catalogue.accepts.length === 0);
    for (const service of services) await checkService(session, setup, options.provider, service.id);

    const { token, sessionId } = await runAuthorization(session, { endpoints, options, scope: options.provider, clientCert, clientKey, io, what: 'giving consent' });

    const today = new Date();
    const runs: ServiceRun[] = [];
    for (const service of services) {
      const baseUrl = serviceBase(setup, options.provider, service.id);
      const results = [];
      for (const query of buildCatalogueQueries(service.catalogue, today)) {
        const result = await runQuery(session, query, { baseUrl, fhirVersion: service.fhirVersion, accessToken: token.access_token, sessionId, format: options.format });
        if (options.raw) io.out(result.body.endsWith('\n') ? result.body : `${result.body}\n`);
        results.push(result);
      }
      runs.push({ serviceId: service.id, standard: service.standard, fhirVersion: service.fhirVersion, baseUrl, results });
    }
    const summary = formatSummary(runs, options.format);
    if (options.raw) io.err(summary);
    else io.out(summary);
    return runs.every((r) => r.results.every((q) => q.status === 200 && q.error === undefined)) ? 0 : 1;
  } finally {
    await session.close();
  }
}

function serviceBase(setup: PgoSetup, provider: string, serviceId: string): string {
  return `${setup.nodeUrl}${fillPathTemplate(setup.resourcePath, provider, serviceId)}`;
}

/** GET {base}/metadata over mTLS: proves the TLS connection is accepted and the service exists. */
async function checkService(session: PgoSession, setup: PgoSetup, provider: string, serviceId: string): Promise<void> {
  const url = `${serviceBase(setup, provider, serviceId)}/metadata`;
  const answer = await session.nodeGet(url, { accept: 'application/fhir+json', 'medmij-request-id': crypto.randomUUID() });
  if (answer.status === 404) throw new PgoFlowError(`the gateway serves no data service ${provider}/${serviceId} (${url} answered 404)`);
  if (answer.status !== 200) throw new PgoFlowError(`the CapabilityStatement of ${provider}/${serviceId} answered HTTP ${answer.status}`);
}
