/**
 * @module The argument rules every `medmij-gateway` command shares: `--help`/`-h` anywhere prints
 * that command's usage and does nothing else (so `certs:dev --help` never writes a key into a
 * folder named `--help`), and any other word that starts with `-` is refused rather than taken
 * for a file name. Commands with options of their own (pgo) parse them themselves.
 */

export type CommandArgs =
  | { readonly kind: 'help' }
  | { readonly kind: 'run'; readonly positionals: readonly string[] }
  | { readonly kind: 'usage-error'; readonly message: string };

export function parseCommandArgs(args: readonly string[], maxPositionals: number): CommandArgs {
  if (args.some((a) => a === '--help' || a === '-h')) return { kind: 'help' };
  // `--` ends the options, so a file that really is called `-x` can still be named.
  const end = args.indexOf('--');
  const options = end === -1 ? args : args.slice(0, end);
  const unknown = options.find((a) => a.startsWith('-') && a.length > 1);
  if (unknown !== undefined) return { kind: 'usage-error', message: `unknown option ${JSON.stringify(unknown)}` };
  const positionals = end === -1 ? args : [...args.slice(0, end), ...args.slice(end + 1)];
  if (positionals.length > maxPositionals) return { kind: 'usage-error', message: `too many arguments (at most ${maxPositionals})` };
  return { kind: 'run', positionals };
}
