import type { Resource, WriteOutcome, WriteRequest } from '../types.js';
import { UpstreamRejected, UpstreamUnavailable } from '../errors.js';
import type { UpstreamResponse } from './upstream-client.js';

/**
 * Delen through a FHIR EHR: the accepted resources go to the EHR's base as one `transaction`
 * Bundle of creates (FHIR http.html#transaction: all or nothing, so a failure leaves nothing
 * half-written), each entry named by `urn:uuid:` of the gateway's id. Only a 200 with a
 * `transaction-response` holding a 201 per entry counts as stored; 5xx/429 is the EHR being
 * unavailable (503 to the PGO, nothing stored); a 4xx is the EHR refusing the data, reported on
 * every entry (the transaction stored none of them).
 */
export function transactionFor(requests: readonly WriteRequest[]): string {
  return JSON.stringify({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: requests.map(({ resource }) => ({
      fullUrl: `urn:uuid:${String(resource.id)}`,
      resource: withoutId(resource),
      request: { method: 'POST', url: resource.resourceType },
    })),
  });
}

export function outcomesOf(res: UpstreamResponse, requests: readonly WriteRequest[]): readonly WriteOutcome[] {
  if (res.status >= 500 || res.status === 429) throw new UpstreamUnavailable(`write: upstream answered ${res.status}`);
  if (res.status >= 400) {
    return requests.map(() => ({ stored: false as const, status: 422 as const, diagnostics: "the care provider's system refused this data" }));
  }
  if (res.status !== 200) throw new UpstreamRejected(`write: upstream answered ${res.status}`);
  let bundle: { resourceType?: unknown; type?: unknown; entry?: unknown };
  try {
    bundle = JSON.parse(res.body.toString('utf8')) as typeof bundle;
  } catch (err) {
    throw new UpstreamRejected('write: upstream answer is not JSON', { cause: err });
  }
  const entries = Array.isArray(bundle.entry) ? (bundle.entry as Array<{ resource?: Resource; response?: { status?: unknown; location?: unknown } }>) : [];
  if (bundle.resourceType !== 'Bundle' || bundle.type !== 'transaction-response' || entries.length !== requests.length) {
    throw new UpstreamRejected('write: upstream answered no matching transaction-response');
  }
  return requests.map(({ resource }, i) => {
    const e = entries[i]!;
    const status = typeof e.response?.status === 'string' ? e.response.status : '';
    const location = typeof e.response?.location === 'string' ? e.response.location : '';
    // The EHR's id: from the returned resource, else from `Location: Type/id[/_history/v]`.
    const id = typeof e.resource?.id === 'string' ? e.resource.id : new RegExp(`(?:^|/)${resource.resourceType}/([A-Za-z0-9\\-.]{1,64})(?:/_history/[^/]+)?$`).exec(location)?.[1];
    if (!/^201\b/.test(status) || id === undefined) throw new UpstreamRejected('write: upstream did not confirm every create');
    return { stored: true as const, resource: e.resource?.resourceType === resource.resourceType ? e.resource : { ...resource, id } };
  });
}

function withoutId(resource: Resource): Resource {
  const { id: _id, ...rest } = resource;
  return rest as Resource;
}
