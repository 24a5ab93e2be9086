/**
 * The package's entry point (`main`/`types` in package.json): what a host worker, a script or
 * another service needs to run or talk to the adhesion process. docs/hosting.md shows its use.
 */
export { manifiestaPlugin, workflowsPath } from './worker/plugin';
export { activityDeps, trustSource, verificationPool } from './wiring/parts';
export type { WorkerParts } from './wiring/parts';
export { ConfigError, portalConfig, temporalConfig, workerConfig } from './config';
export type { PortalConfig, RunMode, TemporalConfig, WorkerConfig } from './config';
export { ProcessClient } from './client/process-client';
export { CodedError } from './domain/coded-error';
/** @deprecated the name of {@link CodedError} before every refusal had one class (kept for hosts' `instanceof`). */
export { CodedError as ProcessError } from './domain/coded-error';
export { resolveWorkflowId } from './domain/start-input';
export * from './domain/messages';
export { ERROR_CODES, isErrorCode } from './domain/errors';
export type { ErrorCode } from './domain/errors';
export { Stage, workflowIdFor } from './domain/process';
export type { Person, Policy, PolicyOverride, ProcessInput, ProcessState, Role } from './domain/process';
export { SignatureVerifier, VerificationPool, loadTrustStore } from './signatures';
export type { VerificationReport, VerifyInput } from './signatures';
export { dataConverter } from './codec/data-converter';
export { parseKeyring } from './codec/keyring';
export type { Keyring } from './codec/keyring';
