#!/usr/bin/env node
import path from 'node:path';
import { parseCommandArgs } from './cli-args.js';
import { gatewayVersion } from './cli-version.js';
import { fromProjectRoot } from './project-root.js';

// Each command loads its modules when it runs, so `--help`, `--version` and the image's health
// check start in a fraction of the time the PKI, list and FHIR modules take to load.
const config = () => import('./config/index.js');

const USAGE = `Usage: medmij-gateway <command> [arguments]

  check-config [file]        check a gateway config file without starting (default: config/gateway.yaml)
  lists check <file>         parse and check a MedMij list (Whitelist, OAuth client list, ZAL, GNL)
  zal [file]                 print the Zorgaanbiederslijst entries for the configured care providers
  certs:dev [dir]            (re)generate the development PKI (default: certs/dev)
  texts <nl|en>              print a complete texts file (every screen-text key) to fill with MedMij's texts
  ketenlog <status|resend>   the MedMij log outbox: what waits, and send it now
  health [file]              exit 0 when the running gateway's /health answers (the image's HEALTHCHECK)
  pgo [options]              the reference PGO client: get a token and run a data service's queries
  pgo share --bundle FILE    the reference PGO client for Delen: confirm, then POST the Bundle

  medmij-gateway <command> --help   the usage of one command (never runs it)
  medmij-gateway --version          the gateway's version
`;

interface Command {
  /** Printed for `<command> --help`; the command itself does not run then. */
  readonly usage: string | (() => Promise<string>);
  /** Positional arguments the command accepts (options of its own are parsed by the command). */
  readonly maxPositionals: number;
  /** Commands with their own option parser (pgo) get the raw arguments. */
  readonly ownOptions?: boolean;
  run(args: readonly string[]): Promise<number>;
}

const commands: Record<string, Command> = {
  'check-config': {
    usage: `Usage: medmij-gateway check-config [file]

Checks a gateway config file as the start would (schema, references, catalogues, adapter blocks,
files and the audit destination), without listening or connecting anywhere. Exit 0 when it would
start, 1 with every problem by YAML path otherwise. Default file: config/gateway.yaml.
`,
    maxPositionals: 1,
    run: async ([file]) => {
      const { chooseConfigFile, checkConfigFile, loadConfig } = await config();
      const { checkDeployment } = await import('./check-deployment.js');
      const target = chooseConfigFile(file, fromProjectRoot('config', 'gateway.yaml'));
      const result = await checkConfigFile(target);
      if (!result.ok) {
        process.stderr.write(`${result.errors.join('\n')}\n`);
        return 1;
      }
      process.stdout.write(`${result.summary}\n`);
      // The schema is sound; now what would fail at start or at the first request (catalogues,
      // adapter blocks, files), still without connecting anywhere.
      const deployment = await checkDeployment(await loadConfig(target), path.dirname(path.resolve(target)));
      if (!deployment.ok) {
        process.stderr.write(`${deployment.errors.map((e) => `${target}: ${e}`).join('\n')}\n`);
        return 1;
      }
      process.stdout.write(`${target}: ${deployment.summary}\n`);
      return 0;
    },
  },
  lists: {
    usage: `Usage: medmij-gateway lists check <file>

Parses and checks one MedMij list file (Whitelist, OAuth client list, Zorgaanbiederslijst or
Gegevensdienstnamenlijst) against its schema and rules. Exit 0 when valid, 1 otherwise.
`,
    maxPositionals: 2,
    run: async ([sub, file]) => {
      if (sub !== 'check' || !file) {
        process.stderr.write('Usage: medmij-gateway lists check <file>\n');
        return 2;
      }
      const { checkListFile } = await import('./lists/index.js');
      const result = await checkListFile(file, { developmentExceptions: true });
      if (result.ok) {
        process.stdout.write(`${result.summary}\n`);
        return 0;
      }
      process.stderr.write(`${file}: ${result.error}\n`);
      return 1;
    },
  },
  zal: {
    usage: `Usage: medmij-gateway zal [file]

Prints the Zorgaanbiederslijst entries (endpoints per data service) for the care providers that
the config file names, to hand to the Stelselnode. Default file: config/gateway.yaml.
`,
    maxPositionals: 1,
    run: async ([file]) => {
      const { chooseConfigFile, loadConfig } = await config();
      const { formatZalEntries, zalEntriesFor, systemRolesOf } = await import('./zal-command.js');
      const target = chooseConfigFile(file, fromProjectRoot('config', 'gateway.yaml'));
      const loaded = await loadConfig(target);
      process.stdout.write(formatZalEntries(zalEntriesFor(loaded), await systemRolesOf(loaded)));
      return 0;
    },
  },
  'certs:dev': {
    usage: `Usage: medmij-gateway certs:dev [dir]

(Re)generates the development PKI (a test CA, the gateway's server certificate, listed and unlisted
PGO client certificates, with their private keys) into dir. Default: certs/dev. Never for production.
`,
    maxPositionals: 1,
    run: async ([dir]) => {
      const target = path.resolve(dir ?? fromProjectRoot('certs', 'dev'));
      const { generateDevPki } = await import('./pki/index.js');
      const files = await generateDevPki(target);
      process.stdout.write(`Development PKI written to ${target}:\n${Object.values(files).map((f) => `  ${f}`).join('\n')}\n`);
      return 0;
    },
  },
  texts: {
    usage: `Usage: medmij-gateway texts <nl|en>

Prints a complete screen-texts file for one language (every key, with its placeholders), to fill
with MedMij's published texts and load with pages.textsFiles.
`,
    maxPositionals: 1,
    run: async ([lang]) => (await import('./texts-command.js')).printTextsTemplate(lang),
  },
  ketenlog: {
    usage: async () => (await import('./ketenlog-command.js')).KETENLOG_USAGE,
    maxPositionals: 2,
    run: async (args) => (await import('./ketenlog-command.js')).runKetenlogCommand(args),
  },
  health: {
    usage: async () => (await import('./health-command.js')).HEALTH_USAGE,
    maxPositionals: 1,
    run: async (args) => (await import('./health-command.js')).runHealthCommand(args),
  },
  pgo: {
    usage: async () => (await import('./pgo-client/index.js')).PGO_USAGE,
    maxPositionals: Infinity,
    ownOptions: true,
    run: async (args) => (await import('./pgo-client/index.js')).runPgoClient([...args]),
  },
};

async function main(): Promise<number> {
  const [name, ...args] = process.argv.slice(2);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`medmij-gateway ${gatewayVersion()}\n`);
    return 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    process.stderr.write(`medmij-gateway: unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    return 2;
  }
  const parsed = parseCommandArgs(args, command.maxPositionals);
  const usage = async () => (typeof command.usage === 'string' ? command.usage : command.usage());
  if (parsed.kind === 'help') {
    process.stdout.write(await usage());
    return 0;
  }
  if (command.ownOptions) return command.run(args);
  if (parsed.kind === 'usage-error') {
    process.stderr.write(`medmij-gateway ${name}: ${parsed.message}\n\n${await usage()}`);
    return 2;
  }
  return command.run(parsed.positionals);
}

main().then((code) => process.exit(code)).catch(async (error: unknown) => {
  const { ConfigError } = await config();
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.format()}\n`);
  } else {
    process.stderr.write(`medmij-gateway: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
