import { ErrorCodes, GatewayError } from '../errors.js';
import type { ListKind } from './types.js';

/**
 * A MedMij list that is not what the Afsprakenstelsel says it must be (digest §4.1: "receivers must
 * validate every new list"). The message names the list, the element path and the reason, and
 * never the offending value: house rule 6, and an attacker-controlled document must not be able to
 * fill our logs.
 */
export class ListParseError extends GatewayError {
  readonly list: ListKind | 'unknown';
  /** Slash-separated element path with 1-based positions, e.g. `Whitelist/MedMijNodes/MedMijNode[3]/Hostname`. */
  readonly path: string;
  readonly reason: string;

  constructor(list: ListKind | 'unknown', path: string, reason: string) {
    super(ErrorCodes.LIST_INVALID, `${list}: ${path ? `${path}: ` : ''}${reason}`);
    this.name = 'ListParseError';
    this.list = list;
    this.path = path;
    this.reason = reason;
  }
}
