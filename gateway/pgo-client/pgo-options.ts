import path from 'node:path';
import { parseArgs } from 'node:util';
import { fromProjectRoot } from '../project-root.js';

export const PGO_USAGE = `Usage: medmij-gateway pgo [options]

The reference PGO client: gets a token through the MedMij OAuth flow and runs every query of each
data service's catalogue against the gateway, then prints a summary (exit 0 when all answered 200).

  --config <file>          gateway config to read the public URLs and providers from
                           (default: config/gateway.yaml, skipped when absent)
  --patient-url <url>      patient interface (default: the config's listeners.patient.publicUrl)
  --node-url <url>         node interface, mTLS (default: the config's listeners.node.publicUrl)
  --provider <name>        care provider, also the OAuth scope (default: demoziekenhuis)
  --service <id>           data service, repeatable (default: every service of the provider)
  --standard <key>         query catalogue (config/standards/<key>.yaml) when no config names it
  --client-id <host>       PGO node host name on the OAuth client list (default: pgo.listed.test)
  --redirect-uri <url>     (default: https://pgo.listed.test/medmij/callback)
  --cert, --key <file>     PGO client certificate and key (default: certs/dev/pgo-listed.crt/.key)
  --ca <file>              CA of the gateway's server certificate (default: certs/dev/ca.crt)
  --bsn <bsn>              log in with the gateway's DigiD simulator as this BSN and consent
  --long-term              consent "voor onbepaalde tijd" (a refresh token is issued)
  --format json|xml        answer format (default: json)
  --raw                    print the raw Bundles instead of the summary
  --callback-port <port>   without --bsn: also catch the redirect on https://127.0.0.1:<port>
                           with the PGO certificate (when pgo.listed.test resolves to this machine)
  -h, --help               this text

Delen (the patient sends data to the care provider):

  medmij-gateway pgo share --bundle <file> [options]

runs the Delen flow (scope <provider>~<service>, login, the Bevestigingsverklaring, a token
without refresh token) and POSTs the batch or transaction Bundle (JSON or XML) to the service's
FHIR base, then prints each entry's status (exit 0 when every entry is 2xx). --service picks the
Delen service when the provider has several; --long-term, --raw and --format do not apply.

Without --bsn the client prints the authorization URL to open in a browser and waits for the final
redirected URL (https://pgo.listed.test/medmij/callback?code=...) to be pasted on stdin.
The access token and the BSN are never printed.
`;

export interface PgoOptions {
  /** Undefined: use config/gateway.yaml when it exists. */
  readonly configFile?: string;
  readonly patientUrl?: string;
  readonly nodeUrl?: string;
  readonly provider: string;
  readonly services: readonly string[];
  readonly standard?: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  readonly bsn?: string;
  readonly longTerm: boolean;
  readonly format: 'json' | 'xml';
  readonly raw: boolean;
  readonly callbackPort?: number;
}

export class PgoUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PgoUsageError';
  }
}

const NAME = /^[a-z0-9][a-z0-9.-]{0,127}$/;
const SERVICE = /^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/;
const HOST = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

function httpsUrl(value: string, option: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new PgoUsageError(`${option} is not a URL`);
  }
  if (url.protocol !== 'https:') throw new PgoUsageError(`${option} must be an https URL`);
  if (url.search || url.hash) throw new PgoUsageError(`${option} must not carry a query or fragment`);
  return url.href.replace(/\/+$/, '');
}

/** The command line, parsed whole before anything runs: unknown options and bad values are refused. */
export function parsePgoOptions(args: readonly string[], cwd: string = process.cwd()): PgoOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        'patient-url': { type: 'string' },
        'node-url': { type: 'string' },
        provider: { type: 'string' },
        service: { type: 'string', multiple: true },
        standard: { type: 'string' },
        'client-id': { type: 'string' },
        'redirect-uri': { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        ca: { type: 'string' },
        bsn: { type: 'string' },
        'long-term': { type: 'boolean' },
        format: { type: 'string' },
        raw: { type: 'boolean' },
        'callback-port': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new PgoUsageError(error instanceof Error ? error.message : String(error));
  }
  const provider = values.provider ?? 'demoziekenhuis';
  if (!NAME.test(provider)) throw new PgoUsageError('--provider must be a MedMij care provider name (lower case, digits, dots, dashes)');
  const services = values.service ?? [];
  for (const s of services) if (!SERVICE.test(s)) throw new PgoUsageError('--service must be a data service id such as 48');
  if (values.standard !== undefined && !NAME.test(values.standard)) throw new PgoUsageError('--standard must be a catalogue key such as bgz-3');
  const clientId = values['client-id'] ?? 'pgo.listed.test';
  if (!HOST.test(clientId)) throw new PgoUsageError('--client-id must be the PGO node host name (lower case)');
  const redirectUri = httpsUrl(values['redirect-uri'] ?? `https://${clientId}/medmij/callback`, '--redirect-uri');
  // The BSN is checked for shape only (the simulator does the eleven test); the message never echoes it.
  if (values.bsn !== undefined && !/^\d{9}$/.test(values.bsn)) throw new PgoUsageError('--bsn must be 9 digits');
  const format = values.format ?? 'json';
  if (format !== 'json' && format !== 'xml') throw new PgoUsageError('--format must be json or xml');
  let callbackPort: number | undefined;
  if (values['callback-port'] !== undefined) {
    if (!/^\d{1,5}$/.test(values['callback-port']) || Number(values['callback-port']) > 65535) throw new PgoUsageError('--callback-port must be a port number');
    if (values.bsn !== undefined) throw new PgoUsageError('--callback-port is for the browser flow: leave out --bsn');
    callbackPort = Number(values['callback-port']);
  }
  const file = (v: string | undefined, ...dflt: string[]) => (v !== undefined ? path.resolve(cwd, v) : fromProjectRoot(...dflt));
  return {
    ...(values.config !== undefined ? { configFile: path.resolve(cwd, values.config) } : {}),
    ...(values['patient-url'] !== undefined ? { patientUrl: httpsUrl(values['patient-url'], '--patient-url') } : {}),
    ...(values['node-url'] !== undefined ? { nodeUrl: httpsUrl(values['node-url'], '--node-url') } : {}),
    provider,
    services,
    ...(values.standard !== undefined ? { standard: values.standard } : {}),
    clientId,
    redirectUri,
    certFile: file(values.cert, 'certs', 'dev', 'pgo-listed.crt'),
    keyFile: file(values.key, 'certs', 'dev', 'pgo-listed.key'),
    caFile: file(values.ca, 'certs', 'dev', 'ca.crt'),
    ...(values.bsn !== undefined ? { bsn: values.bsn } : {}),
    longTerm: values['long-term'] ?? false,
    format,
    raw: values.raw ?? false,
    ...(callbackPort !== undefined ? { callbackPort } : {}),
  };
}
