// The one import of @peculiar/x509 (house rule 1). The library resolves its decorators through the
// Reflect metadata API, so the polyfill must load first; it signs with the WebCrypto provider we
// hand it, which on Node is node:crypto's own implementation (no extra native code).
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as ReturnType<typeof x509.cryptoProvider.get>);

export { x509, webcrypto };
