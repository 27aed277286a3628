#!/usr/bin/env node
import path from 'node:path';
import { chooseConfigFile, checkConfigFile, loadConfig, ConfigError } from './config/index.js';
import { checkDeployment } from './check-deployment.js';
import { checkListFile } from './lists/index.js';
import { runKetenlogCommand } from './ketenlog-command.js';
import { generateDevPki } from './pki/index.js';
import { runPgoClient, PGO_USAGE } from './pgo-client/index.js';
import { fromProjectRoot } from './project-root.js';
import { formatZalEntries, zalEntriesFor } from './zal-command.js';

const USAGE = `Usage: medmij-gateway <command>

  check-config [file]        check a gateway config file without starting (default: config/gateway.yaml)
  lists check <file>         parse and check a MedMij list (Whitelist, OAuth client list, ZAL, GNL)
  zal [file]                 print the Zorgaanbiederslijst entries for the configured care providers
  certs:dev [dir]            (re)generate the development PKI (default: certs/dev)
  texts <nl|en>              print a complete texts file (every screen-text key) to fill with MedMij's texts
  ketenlog <status|resend>   the MedMij log outbox: what waits, and send it now
  pgo [options]              the reference PGO client: get a token and run a data service's queries
                             (medmij-gateway pgo --help for its options)
`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  texts: async ([lang]) => (await import('./texts-command.js')).printTextsTemplate(lang),
  'check-config': async ([file]) => {
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
  lists: async ([sub, file]) => {
    if (sub !== 'check' || !file) {
      process.stderr.write('Usage: medmij-gateway lists check <file>\n');
      return 2;
    }
    const result = await checkListFile(file, { developmentExceptions: true });
    if (result.ok) {
      process.stdout.write(`${result.summary}\n`);
      return 0;
    }
    process.stderr.write(`${file}: ${result.error}\n`);
    return 1;
  },
  zal: async ([file]) => {
    const target = chooseConfigFile(file, fromProjectRoot('config', 'gateway.yaml'));
    process.stdout.write(formatZalEntries(zalEntriesFor(await loadConfig(target))));
    return 0;
  },
  'certs:dev': async ([dir]) => {
    const target = path.resolve(dir ?? fromProjectRoot('certs', 'dev'));
    const files = await generateDevPki(target);
    process.stdout.write(`Development PKI written to ${target}:\n${Object.values(files).map((f) => `  ${f}`).join('\n')}\n`);
    return 0;
  },
  ketenlog: runKetenlogCommand,
  pgo: async (args) => {
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write(PGO_USAGE);
      return 0;
    }
    return runPgoClient(args);
  },
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const command = name ? commands[name] : undefined;
  if (!command) {
    process.stderr.write(USAGE);
    process.exit(name === undefined || name === '--help' || name === '-h' ? 0 : 2);
  }
  process.exit(await command(args));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.format()}\n`);
  } else {
    process.stderr.write(`medmij-gateway: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
