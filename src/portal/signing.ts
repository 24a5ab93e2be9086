/**
 * What the signer's link allows, judged in one place: the token (HMAC, expiry), then the process
 * (does it exist, is this link the newest, is this step still open). Every refusal carries its
 * DESIGN code.
 */
import { StoreUnavailableError, type EvidenceStore } from '../storage';
import { ERROR_CODES, type ErrorCode } from '../domain/errors';
import { declineUpdate, submitSignatureUpdate, type SubmitSignatureResult } from '../domain/messages';
import { expectedSignerOf, isTerminal, roleAwaited, type ProcessState, type Role } from '../domain/process';
import type { LinkClaims, SigningLinks } from '../links/tokens';
import { ProcessError, type ProcessClient } from '../process-client';
import type { VerificationReport, Verifier } from '../signatures';

export class PortalError extends Error {
  override readonly name = 'PortalError';
  constructor(
    readonly code: ErrorCode,
    readonly report?: VerificationReport,
  ) {
    super(ERROR_CODES[code].message);
  }
}

export interface PortalDeps {
  readonly processes: ProcessClient;
  readonly links: SigningLinks;
  readonly evidence: EvidenceStore;
  readonly verifier: Verifier;
}

export interface OpenLink {
  readonly claims: LinkClaims;
  readonly state: ProcessState;
  readonly role: Role;
}

/** The link's process and role, if the link may still be used. */
export async function openLink(deps: PortalDeps, token: string): Promise<OpenLink> {
  const reading = deps.links.read(token);
  if (!reading.ok) throw new PortalError(reading.code);
  const { claims } = reading;
  let state: ProcessState;
  try {
    state = await deps.processes.status(claims.workflowId);
  } catch (error) {
    if (error instanceof ProcessError && error.code === 'PROCESS_NOT_FOUND')
      throw new PortalError('LINK_INVALID');
    if (error instanceof ProcessError) throw new PortalError(error.code);
    throw new PortalError('TEMPORAL_UNAVAILABLE');
  }
  // A link from an earlier process with this workflow ID (withdrawn, then started again).
  if (state.runId !== claims.run) throw new PortalError('LINK_SUPERSEDED');
  const current = state.links[claims.role];
  if (!current || claims.version > current.version) throw new PortalError('LINK_INVALID');
  if (state.signatures[claims.role]) throw new PortalError('ALREADY_SIGNED');
  if (claims.version < current.version) throw new PortalError('LINK_SUPERSEDED');
  if (isTerminal(state.stage) || roleAwaited(state.stage) !== claims.role)
    throw new PortalError('WRONG_STAGE');
  return { claims, state, role: claims.role };
}

/** The process run a link acts on: an update addressed so cannot reach a later process. */
function runOf(link: OpenLink): { workflowId: string; run: string } {
  return { workflowId: link.claims.workflowId, run: link.claims.run };
}

/** The letter's exact bytes; when the store does not answer, the signer is told to try again (503). */
export async function documentBytes(deps: PortalDeps, link: OpenLink): Promise<Buffer> {
  let bytes: Buffer | null;
  try {
    bytes = link.state.document ? await deps.evidence.get(link.state.document.sha256) : null;
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw new PortalError('EVIDENCE_UNAVAILABLE');
    throw error;
  }
  if (bytes === null) throw new PortalError('EVIDENCE_MISSING');
  return bytes;
}

export interface SignatureSubmission {
  readonly format?: 'cms' | 'pkcs1-sha256';
  readonly signature: string;
  readonly certificate?: string;
}

/**
 * Judges the signature here first, with the same verifier as the process, so that a refused one
 * never reaches the process's history; then the process verifies again and decides.
 */
export async function submitSignature(
  deps: PortalDeps,
  token: string,
  body: SignatureSubmission,
): Promise<SubmitSignatureResult> {
  const link = await openLink(deps, token);
  const document = await documentBytes(deps, link);
  const signer = link.state.signers[link.role];
  const report = await deps.verifier.verify({
    document,
    documentSha256: link.state.document?.sha256,
    signature: Buffer.from(body.signature, 'base64'),
    certificate: body.certificate === undefined ? undefined : Buffer.from(body.certificate, 'base64'),
    format: body.format,
    expectedSigner: expectedSignerOf(signer),
  });
  if (!report.valid) throw new PortalError(report.code ?? 'SIGNATURE_INVALID', report);
  try {
    return await deps.processes.update(runOf(link), submitSignatureUpdate, {
      role: link.role,
      linkVersion: link.claims.version,
      run: link.claims.run,
      signature: body.signature,
      ...(body.format ? { format: body.format } : {}),
      ...(body.certificate ? { certificate: body.certificate } : {}),
    });
  } catch (error) {
    throw portalErrorOf(error);
  }
}

export async function decline(deps: PortalDeps, token: string, reason: string): Promise<{ stage: string }> {
  const link = await openLink(deps, token);
  try {
    return await deps.processes.update(runOf(link), declineUpdate, {
      role: link.role,
      linkVersion: link.claims.version,
      run: link.claims.run,
      reason,
    });
  } catch (error) {
    throw portalErrorOf(error);
  }
}

/** A refusal from the process, for the signer. */
function portalErrorOf(error: unknown): unknown {
  return error instanceof ProcessError ? new PortalError(error.code, error.report) : error;
}
