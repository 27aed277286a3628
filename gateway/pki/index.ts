export {
  createCertificateAuthority,
  issueCertificate,
  type IssuedCertificate,
  type IssueCertificateOptions,
  type CreateCertificateAuthorityOptions,
} from './issue-certificate.js';
export {
  generateDevPki,
  buildDevPki,
  writeDevPki,
  ensureDevPki,
  devPkiFiles,
  DEV_LISTED_HOST,
  DEV_UNLISTED_HOST,
  type DevPkiFiles,
  type DevPki,
} from './generate-dev-pki.js';
