/**
 * Reads a response body up to `maxBytes` and no further: a bigger answer is abandoned as soon as
 * the cap is passed, so one upstream cannot make the gateway buffer without bound (house rule 7).
 */
export class BodyTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`upstream answer exceeds ${maxBytes} bytes`);
    this.name = 'BodyTooLarge';
  }
}

export interface ChunkSource extends AsyncIterable<Uint8Array> {
  destroy(error?: Error): unknown;
}

export async function readCapped(body: ChunkSource, maxBytes: number, declaredLength?: number): Promise<Buffer> {
  if (declaredLength !== undefined && declaredLength > maxBytes) {
    body.destroy();
    throw new BodyTooLarge(maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      body.destroy();
      throw new BodyTooLarge(maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
