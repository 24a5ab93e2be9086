/**
 * What the signer's link allows, judged in one place: the token (HMAC, expiry), then the process
 * (does it exist, is this link the newest, is this step still open). Every refusal carries its
 * DESIGN code.
 */
import { StoreUnavailableError, type EvidenceStore } from '../storage';
import { ERROR_CODES, type ErrorCode } from '../domain/errors';
import { createHash } from 'node:crypto';
import { parsePreparation } from '../activities/pades';
import {
  declineUpdate,
  prepareSignatureUpdate,
  submitSignatureUpdate,
  type PrepareSignatureResult,
  type SubmitSignatureResult,
} from '../domain/messages';
import {
  expectedSignerOf,
  isTerminal,
  roleAwaited,
  SIGNATURE_FIELD,
  type ProcessState,
  type Role,
} from '../domain/process';
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

/** Stored bytes; when the store does not answer, the signer is told to try again (503). */
async function storedBytes(deps: PortalDeps, sha256: string | undefined): Promise<Buffer> {
  let bytes: Buffer | null;
  try {
    bytes = sha256 ? await deps.evidence.get(sha256) : null;
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw new PortalError('EVIDENCE_UNAVAILABLE');
    throw error;
  }
  if (bytes === null) throw new PortalError('EVIDENCE_MISSING');
  return bytes;
}

/** The letter's exact bytes: what a detached signature (`cms`, `pkcs1-sha256`) signs. */
export function documentBytes(deps: PortalDeps, link: OpenLink): Promise<Buffer> {
  return storedBytes(deps, link.state.document?.sha256);
}

/** The letter with the PAdES signatures embedded so far (the letter itself before the first). */
export function signedDocumentBytes(deps: PortalDeps, link: OpenLink): Promise<Buffer> {
  return storedBytes(deps, (link.state.signedDocument ?? link.state.document)?.sha256);
}

/** Whether this link's signer can sign inside the PDF: the letter has their empty field. */
export function signsInPdf(link: OpenLink): boolean {
  return link.state.document?.signatureFields?.includes(SIGNATURE_FIELD[link.role]) ?? false;
}

/**
 * The first step of a PAdES signature. The certificate is judged here first (the refusals of a
 * signature: a CSD, someone else's RFC, expired, untrusted), so that no refused certificate reaches
 * the process; then the process prepares the signer's revision and answers the bytes to sign.
 */
export async function prepareSignature(
  deps: PortalDeps,
  token: string,
  certificateBase64: string,
): Promise<PrepareSignatureResult> {
  const link = await openLink(deps, token);
  if (!signsInPdf(link)) throw new PortalError('MALFORMED_INPUT');
  const report = await deps.verifier.verifyCertificate({
    certificate: Buffer.from(certificateBase64, 'base64'),
    expectedSigner: expectedSignerOf(link.state.signers[link.role]),
    format: 'pades',
    documentSha256: link.state.document?.sha256,
  });
  if (!report.valid) throw new PortalError(report.code ?? 'SIGNATURE_INVALID', report);
  try {
    return await deps.processes.update(runOf(link), prepareSignatureUpdate, {
      role: link.role,
      linkVersion: link.claims.version,
      run: link.claims.run,
      certificate: certificateBase64,
    });
  } catch (error) {
    throw portalErrorOf(error);
  }
}

export interface SignatureSubmission {
  readonly format?: 'cms' | 'pkcs1-sha256' | 'pades';
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
  const report = await preCheck(deps, link, body);
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

/**
 * The portal's verdict before the process's. A PAdES signature is a PKCS #1 signature over the
 * prepared `toBeSigned` bytes, with the certificate the preparation was made for.
 */
async function preCheck(
  deps: PortalDeps,
  link: OpenLink,
  body: SignatureSubmission,
): Promise<VerificationReport> {
  const signature = Buffer.from(body.signature, 'base64');
  const certificate = body.certificate === undefined ? undefined : Buffer.from(body.certificate, 'base64');
  const expectedSigner = expectedSignerOf(link.state.signers[link.role]);
  if (body.format !== 'pades') {
    return deps.verifier.verify({
      document: await documentBytes(deps, link),
      documentSha256: link.state.document?.sha256,
      signature,
      certificate,
      format: body.format,
      expectedSigner,
    });
  }
  const prepared = link.state.preparations?.[link.role];
  if (!prepared || prepared.linkVersion !== link.claims.version) throw new PortalError('MALFORMED_INPUT');
  const preparation = parsePreparation(await storedBytes(deps, prepared.sha256));
  const sameCertificate =
    certificate !== undefined &&
    createHash('sha256').update(certificate).digest('hex') === preparation.certificateSha256;
  const report = await deps.verifier.verify({
    document: Buffer.from(preparation.toBeSignedBase64, 'base64'),
    signature,
    certificate,
    format: 'pkcs1-sha256',
    expectedSigner,
  });
  // Not over the prepared bytes, or not with the certificate prepared for: the signature is
  // invalid (as the process's embedding step judges it), whatever the letter's digest.
  if ((report.valid && !sameCertificate) || report.code === 'DOCUMENT_MISMATCH') {
    return {
      ...report,
      valid: false,
      code: 'SIGNATURE_INVALID',
      message: ERROR_CODES.SIGNATURE_INVALID.message,
      format: 'pades',
    };
  }
  return { ...report, format: 'pades' };
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
