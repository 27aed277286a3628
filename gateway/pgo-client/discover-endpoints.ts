import type { PgoSession } from './pgo-session.js';
import { PgoFlowError } from './pgo-flow-error.js';

export interface GatewayEndpoints {
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly pkce: boolean;
}

/**
 * A metadata URL as published is on the public host; when the client was pointed at another
 * address (--patient-url/--node-url: a test port, a tunnel) the same path is used there.
 */
function rebase(url: string, publicBase: string | undefined, actualBase: string): string {
  if (publicBase !== undefined && (url === publicBase || url.startsWith(`${publicBase}/`))) return actualBase + url.slice(publicBase.length);
  return actualBase + new URL(url).pathname;
}

function httpsField(meta: Record<string, unknown>, name: string): string {
  const value = meta[name];
  if (typeof value !== 'string') throw new PgoFlowError(`the authorization server metadata has no ${name}`);
  try {
    if (new URL(value).protocol === 'https:') return value.replace(/\/+$/, '');
  } catch {
    // fall through
  }
  throw new PgoFlowError(`the authorization server metadata's ${name} is not an https URL`);
}

/**
 * RFC 8414 metadata at `{patient}/.well-known/oauth-authorization-server`: the authorization
 * endpoint (patient interface) and token endpoint (node interface), parsed and checked here.
 */
export async function discoverEndpoints(
  session: PgoSession,
  where: { readonly patientUrl: string; readonly nodeUrl: string; readonly publicNodeUrl?: string; readonly rebasePatient: boolean; readonly rebaseNode: boolean },
): Promise<GatewayEndpoints> {
  const answer = await session.get(`${where.patientUrl}/.well-known/oauth-authorization-server`, { accept: 'application/json' });
  if (answer.status !== 200) throw new PgoFlowError(`the gateway has no authorization server metadata at ${where.patientUrl} (HTTP ${answer.status})`);
  let meta: unknown;
  try {
    meta = JSON.parse(answer.body);
  } catch {
    throw new PgoFlowError('the authorization server metadata is not JSON');
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw new PgoFlowError('the authorization server metadata is not a JSON object');
  const m = meta as Record<string, unknown>;
  const issuer = typeof m.issuer === 'string' ? m.issuer.replace(/\/+$/, '') : undefined;
  const authorization = httpsField(m, 'authorization_endpoint');
  const token = httpsField(m, 'token_endpoint');
  const methods = Array.isArray(m.code_challenge_methods_supported) ? m.code_challenge_methods_supported : [];
  return {
    authorizationEndpoint: where.rebasePatient ? rebase(authorization, issuer, where.patientUrl) : authorization,
    tokenEndpoint: where.rebaseNode ? rebase(token, where.publicNodeUrl, where.nodeUrl) : token,
    pkce: methods.includes('S256'),
  };
}
