import type { Resource } from '../../adapters/types.js';

const RELATIVE_BINARY = /^Binary\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/**
 * Document links a PGO must follow, made absolute on this base: `content.attachment.url` of a
 * DocumentReference and `content.pAttachment.url` of an STU3 DocumentManifest, when the source
 * wrote them relative (`Binary/{id}`, also what the fhir passthrough makes of upstream URLs).
 * Attachment.url is a plain `url`, not a Reference, so a client has no base to resolve it
 * against (FHIR datatypes.html#Attachment); the PDF/A scripts GET it as it stands (QUERIES.md).
 * Other URLs stay as they are. Returns the same object when nothing changes.
 */
export function absoluteAttachmentUrls(resource: Resource, baseUrl: string): Resource {
  const key = resource.resourceType === 'DocumentReference' ? 'attachment' : resource.resourceType === 'DocumentManifest' ? 'pAttachment' : undefined;
  const content = resource['content'];
  if (key === undefined || !Array.isArray(content)) return resource;
  const base = baseUrl.replace(/\/+$/, '');
  let changed = false;
  const rewritten = content.map((item: unknown) => {
    const attachment = item !== null && typeof item === 'object' ? (item as Record<string, unknown>)[key] : undefined;
    const url = attachment !== null && typeof attachment === 'object' ? (attachment as Record<string, unknown>)['url'] : undefined;
    if (typeof url !== 'string' || !RELATIVE_BINARY.test(url)) return item;
    changed = true;
    return { ...(item as Record<string, unknown>), [key]: { ...(attachment as Record<string, unknown>), url: `${base}/${url}` } };
  });
  return changed ? { ...resource, content: rewritten } : resource;
}
