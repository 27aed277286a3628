import type { Resource } from '../../adapters/types.js';

const BINARY_PATH = /^Binary\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/**
 * Document links a PGO follows, written relative to the base they are served on:
 * `content.attachment.url` of a DocumentReference and `content.pAttachment.url` of an STU3
 * DocumentManifest. The government PGO fetches an attachment as a token-protected download only
 * when its URL is a relative `Binary/{id}`; an absolute URL it shows as a plain link, which
 * fails without the token and the client certificate (issue 8, minvws/nl-mgo-app-web). So a
 * relative `Binary/{id}` stays as it is, and an absolute one on this base becomes relative.
 * The EHR's own absolute URLs are made relative by the adapter that knows the EHR's base (the
 * fhir passthrough's rewriteUpstreamUrls). Any other URL is left alone. Returns the same object
 * when nothing changes.
 */
export function relativeAttachmentUrls(resource: Resource, baseUrl: string): Resource {
  const key = resource.resourceType === 'DocumentReference' ? 'attachment' : resource.resourceType === 'DocumentManifest' ? 'pAttachment' : undefined;
  const content = resource['content'];
  if (key === undefined || !Array.isArray(content)) return resource;
  const base = `${baseUrl.replace(/\/+$/, '')}/`;
  let changed = false;
  const rewritten = content.map((item: unknown) => {
    const attachment = item !== null && typeof item === 'object' ? (item as Record<string, unknown>)[key] : undefined;
    const url = attachment !== null && typeof attachment === 'object' ? (attachment as Record<string, unknown>)['url'] : undefined;
    if (typeof url !== 'string' || !url.startsWith(base) || !BINARY_PATH.test(url.slice(base.length))) return item;
    changed = true;
    return { ...(item as Record<string, unknown>), [key]: { ...(attachment as Record<string, unknown>), url: url.slice(base.length) } };
  });
  return changed ? { ...resource, content: rewritten } : resource;
}
