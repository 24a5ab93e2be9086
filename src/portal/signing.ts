/**
 * What the signer's link allows, judged in one place: the token (HMAC, expiry), then the process
 * (does it exist, is this link the newest, is this step still open). Every refusal carries its
 * DESIGN code.
 *
 * No request reaches the process unless it can change it: a signature or a decline is verified
 * here first (a refused one never enters the process's history), and a preparation the process
 * already holds is answered from its state.
 *
 * Why one long file: every route's judgement runs through the same link reading and the same
 * status cache, and the order of its checks is the contract (a superseded link before a wrong
 * stage, a refusal before the process is asked); splitting it per route would repeat that order.
 */
import { privacyNotice, type PrivacyNotice } from '../config/privacy-notice';
import {
  StoreUnavailableError,
  type ContentAddressedStore,
  type EvidenceStore,
  type PreparationStore,
} from '../storage';
import { ERROR_CODES } from '../domain/errors';
import { createHash } from 'node:crypto';
import { parsePreparation } from '../domain/activities';
import { DECLINATION_MEDIA_TYPE, declinationText } from '../domain/declination';
import { MAX_PREPARATIONS_PER_LINK, MAX_REFUSALS_PER_LINK } from '../domain/limits';
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
import type { ProcessClient } from '../client/process-client';
import type { VerificationReport, Verifier } from '../signatures';
import { CodedError } from '../domain/coded-error';

export interface PortalDeps {
  readonly processes: ProcessClient;
  readonly links: SigningLinks;
  readonly evidence: EvidenceStore;
  readonly preparations: PreparationStore;
  readonly verifier: Verifier;
  /** The privacy notice the page shows (PRIVACY_NOTICE_FILE); the Spanish default when absent. */
  readonly privacyNotice?: PrivacyNotice;
}

export interface OpenLink {
  readonly claims: LinkClaims;
  readonly state: ProcessState;
  readonly role: Role;
}

/** How a process's state is read: fresh (`ProcessClient.status`), or from a {@link StatusCache}. */
export type ReadStatus = (workflowId: string) => Promise<ProcessState>;

/**
 * Process states shared by the reads that ask at the same time (pages, documents, the link's JSON):
 * however many copies of one link ask at once, the process answers one query. Nothing is kept once
 * the query is answered, so a read never shows a state older than itself (a link superseded a moment
 * ago is refused at once); a submission forgets its process's query in flight.
 */
export interface StatusCache {
  readonly read: ReadStatus;
  forget(workflowId: string): void;
}

export function statusCache(processes: ProcessClient): StatusCache {
  const inFlight = new Map<string, Promise<ProcessState>>();
  const forget = (workflowId: string): void => void inFlight.delete(workflowId);
  const read: ReadStatus = (workflowId) => {
    const asked = inFlight.get(workflowId);
    if (asked) return asked;
    const state = processes.status(workflowId);
    inFlight.set(workflowId, state);
    const done = (): void => {
      if (inFlight.get(workflowId) === state) inFlight.delete(workflowId);
    };
    state.then(done, done);
    return state;
  };
  return { read, forget };
}

/** The link's process and role, if the link may still be used. */
export async function openLink(
  deps: PortalDeps,
  token: string,
  readStatus: ReadStatus = (workflowId) => deps.processes.status(workflowId),
): Promise<OpenLink> {
  const reading = deps.links.read(token);
  if (!reading.ok) throw new CodedError(reading.code);
  const { claims } = reading;
  let state: ProcessState;
  try {
    state = await readStatus(claims.workflowId);
  } catch (error) {
    if (error instanceof CodedError && error.code === 'PROCESS_NOT_FOUND')
      throw new CodedError('LINK_INVALID');
    if (error instanceof CodedError) throw new CodedError(error.code);
    throw new CodedError('TEMPORAL_UNAVAILABLE');
  }
  // A link from an earlier process with this workflow ID (withdrawn, then started again).
  if (state.runId !== claims.run) throw new CodedError('LINK_SUPERSEDED');
  const current = state.links[claims.role];
  if (!current || claims.version > current.version) throw new CodedError('LINK_INVALID');
  if (state.signatures[claims.role]) throw new CodedError('ALREADY_SIGNED');
  if (claims.version < current.version) throw new CodedError('LINK_SUPERSEDED');
  if (isTerminal(state.stage) || roleAwaited(state.stage) !== claims.role)
    throw new CodedError('WRONG_STAGE');
  return { claims, state, role: claims.role };
}

/** The process run a link acts on: an update addressed so cannot reach a later process. */
function runOf(link: OpenLink): { workflowId: string; run: string } {
  return { workflowId: link.claims.workflowId, run: link.claims.run };
}

/** Stored bytes; when the store does not answer, the signer is told to try again (503). */
async function storedBytes(
  deps: PortalDeps,
  sha256: string | undefined,
  from: ContentAddressedStore = deps.evidence,
): Promise<Buffer> {
  let bytes: Buffer | null;
  try {
    bytes = sha256 ? await from.get(sha256) : null;
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw new CodedError('EVIDENCE_UNAVAILABLE');
    throw error;
  }
  if (bytes === null) throw new CodedError('EVIDENCE_MISSING');
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

/** The stored preparation a record names, from the store that keeps it. */
async function storedPreparation(
  deps: PortalDeps,
  record: NonNullable<ProcessState['preparations']>[Role],
): Promise<ReturnType<typeof parsePreparation>> {
  const from = record?.store === 'preparations' ? deps.preparations : deps.evidence;
  return parsePreparation(await storedBytes(deps, record?.sha256, from));
}

/** How many of `kind` the link has had, as the process counts them (a new link: none). */
function linkUsed(link: OpenLink, kind: 'preparations' | 'refusals'): number {
  const use = link.state.linkUse?.[link.role];
  return use?.linkVersion === link.claims.version ? use[kind] : 0;
}

/** The refusal the process would give a link that has had its share (answered here, early). */
function requireLinkAllows(link: OpenLink, kind: 'preparations' | 'refusals'): void {
  const max = kind === 'preparations' ? MAX_PREPARATIONS_PER_LINK : MAX_REFUSALS_PER_LINK;
  if (linkUsed(link, kind) < max) return;
  throw new CodedError(
    'RATE_LIMITED',
    kind === 'preparations'
      ? `La firma ya se preparó ${max} veces con este enlace. Firme con la última preparación o pida un enlace nuevo a la coordinación.`
      : `Este enlace ya tuvo ${max} firmas rechazadas. Pida un enlace nuevo a la coordinación.`,
  );
}

/**
 * The first step of a PAdES signature. A preparation the process already holds for this link and
 * this certificate is answered from its state (nothing is sent to the process, nothing stored).
 * Otherwise the certificate is judged here first (the refusals of a signature: a CSD, someone
 * else's RFC, expired, untrusted), so that no refused certificate reaches the process; then the
 * process prepares the signer's revision and answers the bytes to sign.
 */
export async function prepareSignature(
  deps: PortalDeps,
  token: string,
  certificateBase64: string,
): Promise<PrepareSignatureResult> {
  const link = await openLink(deps, token);
  if (!signsInPdf(link)) throw new CodedError('MALFORMED_INPUT');
  const certificate = Buffer.from(certificateBase64, 'base64');
  const held = link.state.preparations?.[link.role];
  if (
    held &&
    held.linkVersion === link.claims.version &&
    held.certificateSha256 === createHash('sha256').update(certificate).digest('hex')
  ) {
    try {
      const preparation = await storedPreparation(deps, held);
      return { toBeSigned: preparation.toBeSignedBase64, digestAlgorithm: 'SHA-256' };
    } catch (error) {
      // Gone from the store (a crash between its replacement's steps): prepare it again.
      if (!(error instanceof CodedError && error.code === 'EVIDENCE_MISSING')) throw error;
    }
  }
  requireLinkAllows(link, 'preparations');
  requireLinkAllows(link, 'refusals');
  const report = await deps.verifier.verifyCertificate({
    certificate,
    expectedSigner: expectedSignerOf(link.state.signers[link.role]),
    format: 'pades',
    documentSha256: link.state.document?.sha256,
  });
  // A missing revocation answer is judged when the signature arrives (see refuseUnlessAcceptable).
  if (!report.valid && report.code !== 'REVOCATION_UNAVAILABLE')
    throw new CodedError(report.code ?? 'SIGNATURE_INVALID', undefined, report);
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
  requireLinkAllows(link, 'refusals');
  refuseUnlessAcceptable(await preCheck(deps, link, body));
  try {
    return await deps.processes.update(runOf(link), submitSignatureUpdate, {
      role: link.role,
      linkVersion: link.claims.version,
      run: link.claims.run,
      signature: body.signature,
      ...(body.format ? { format: body.format } : {}),
      ...(body.certificate ? { certificate: body.certificate } : {}),
      privacyNotice: noticeShown(deps),
    });
  } catch (error) {
    throw portalErrorOf(error);
  }
}

/** The privacy notice this portal shows, as a signature records it. */
export function noticeShown(deps: PortalDeps): { version: string; sha256: string } {
  const notice = deps.privacyNotice ?? privacyNotice({});
  return { version: notice.version, sha256: notice.sha256 };
}

/**
 * Refuses here what the process would refuse, so it never reaches the process's history. One
 * exception: a signature that passes every check but revocation, which cannot be established now
 * (REVOCATION_UNAVAILABLE), goes on to the process, which refuses it too, stores nothing, and tells
 * the coordinator (once per link) that signing is blocked until revocation data is current. Only
 * the certificate's holder can make such a signature, so this is no way for a stranger to reach it.
 */
function refuseUnlessAcceptable(report: VerificationReport): void {
  if (report.valid || report.code === 'REVOCATION_UNAVAILABLE') return;
  throw new CodedError(report.code ?? 'SIGNATURE_INVALID', undefined, report);
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
  if (!prepared || prepared.linkVersion !== link.claims.version) throw new CodedError('MALFORMED_INPUT');
  const preparation = await storedPreparation(deps, prepared);
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
  const otherwiseValid = report.valid || report.code === 'REVOCATION_UNAVAILABLE';
  if ((otherwiseValid && !sameCertificate) || report.code === 'DOCUMENT_MISMATCH') {
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

/** The declination text of this link's process and `reason`: the exact bytes a decline signs. */
export function declinationDocument(link: OpenLink, reason: string): Buffer {
  const { state, role } = link;
  return Buffer.from(
    declinationText({
      workflowId: state.workflowId,
      run: state.runId,
      municipality: state.input.municipality,
      inegiCode: state.input.inegiCode,
      role,
      signerName: state.signers[role].name,
      letterSha256: state.document?.sha256 ?? '',
      reason,
    }),
    'utf8',
  );
}

/** What a decline's signer signs, for the page (and scripts) to sign it. */
export async function declineDocument(
  deps: PortalDeps,
  token: string,
  reason: string,
  readStatus?: ReadStatus,
): Promise<{ document: string; sha256: string; mediaType: string }> {
  const link = await openLink(deps, token, readStatus);
  const bytes = declinationDocument(link, reason);
  return {
    document: bytes.toString('base64'),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    mediaType: DECLINATION_MEDIA_TYPE,
  };
}

export interface DeclineSubmission {
  readonly reason: string;
  readonly format?: 'cms' | 'pkcs1-sha256';
  readonly signature?: string;
  readonly certificate?: string;
}

/**
 * A decline ends the process for good, so it is the signer's act: signed with their e.firma over
 * the declination text, verified here with the checks of a signature (the expected signer's
 * identity included) before the process is asked, and verified again by the process.
 */
export async function decline(
  deps: PortalDeps,
  token: string,
  body: DeclineSubmission,
): Promise<{ stage: string; report: VerificationReport }> {
  const link = await openLink(deps, token);
  if (!body.signature) throw new CodedError('SIGNATURE_REQUIRED');
  if (body.format === 'pkcs1-sha256' && !body.certificate) throw new CodedError('MALFORMED_INPUT');
  requireLinkAllows(link, 'refusals');
  const report = await deps.verifier.verify({
    document: declinationDocument(link, body.reason),
    signature: Buffer.from(body.signature, 'base64'),
    certificate: body.certificate === undefined ? undefined : Buffer.from(body.certificate, 'base64'),
    format: body.format,
    expectedSigner: expectedSignerOf(link.state.signers[link.role]),
  });
  refuseUnlessAcceptable(report);
  try {
    const result = await deps.processes.update(runOf(link), declineUpdate, {
      role: link.role,
      linkVersion: link.claims.version,
      run: link.claims.run,
      reason: body.reason,
      signature: body.signature,
      ...(body.format ? { format: body.format } : {}),
      ...(body.certificate ? { certificate: body.certificate } : {}),
      privacyNotice: noticeShown(deps),
    });
    return { stage: result.stage, report };
  } catch (error) {
    throw portalErrorOf(error);
  }
}

/**
 * A refusal from the process, for the signer. Its Spanish detail is passed on where it says what
 * to do (a link that has had its share); other details may quote what the signer must not read.
 */
function portalErrorOf(error: unknown): unknown {
  if (!(error instanceof CodedError)) return error;
  return new CodedError(error.code, error.code === 'RATE_LIMITED' ? error.message : undefined, error.report);
}
