/**
 * A failure the PGO client reports as one line and exit code 1: the gateway refused, could not be
 * reached, or answered something a MedMij PGO cannot use. The message never holds a token or BSN.
 */
export class PgoFlowError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PgoFlowError';
  }
}
