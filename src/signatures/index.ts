/**
 * Signature verification for manifiesta: CMS/PKCS #7 detached SignedData and raw PKCS #1 v1.5
 * signatures against SAT e.firma-style certificates. Shared by the activities, the portal and the
 * `verify` command; no Temporal imports.
 */
export { parseCertificate } from './certificate';
export type { Certificate, CertificateKind, SignerIdentity } from './certificate';
export { parseCrl } from './crl';
export type { RevocationList } from './crl';
export { CHECKS } from '../domain/verification-report';
export type {
  CheckName,
  CheckResult,
  SignatureFormat,
  VerificationReport,
} from '../domain/verification-report';
export { TrustStore } from './trust-store';
export type { RevocationPolicy } from './trust-store';
export { loadCertificates, loadTrustStore, TrustConfigurationError } from './trust-store-files';
export type { TrustFiles } from './trust-store-files';
export { PATH_LIMITS } from './chain';
export { DEFAULT_TIME_BUDGET_MS, VerificationPool } from './pool';
export type { VerificationPoolOptions, Verifier } from './pool';
export { SignatureVerifier } from './verify';
export { LIMITS } from './inputs';
export { comparableName } from './sat-rules';
export type { CertificateInput, ExpectedSigner, VerifyInput } from './inputs';
