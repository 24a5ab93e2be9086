/**
 * Verification off the event loop: a pool of worker threads (piscina), each with its own
 * {@link SignatureVerifier}. The portal and the worker ask it, so one costly signature never stops
 * them from answering everyone else. Each verification has a time budget, after which its thread
 * is stopped and replaced; each thread has a memory ceiling; the queue is bounded. A verification
 * that could not be made (budget, full queue, a thread that died) answers VERIFICATION_TIMEOUT,
 * "try again", never a verdict on the signature.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { threadScript } from '../lib/thread-script';
import { parseCertificate } from './certificate';
import { PATH_LIMITS } from './chain';
import { bytesEqual } from './der';
import type { VerificationReport } from '../domain/verification-report';
import type { TrustStore } from './trust-store';
import { unfinishedReport } from './report-builder';
import type { CertificateInput, VerifyInput } from './inputs';
import type { TrustMaterial, VerificationTask } from './verify-thread';

/** What the portal and the activities need of a verifier. */
export interface Verifier {
  verify(input: VerifyInput): Promise<VerificationReport>;
  /** A certificate judged before it signs (PAdES's first step), with the same rules. */
  verifyCertificate(input: CertificateInput): Promise<VerificationReport>;
  /**
   * The CA certificates above `certificate` in the trust anchors, issuer first: carried in PAdES
   * signatures so that outside validators can build the path.
   */
  chainOf(certificate: Uint8Array): Uint8Array[];
  /** The CRLs held for `certificate` and the CAs above it (what a PDF's DSS keeps: PAdES B-LT). */
  revocationDataOf(certificate: Uint8Array): Uint8Array[];
}

export interface VerificationPoolOptions {
  /** Threads (default: the machine's cores, at most 4). */
  readonly threads?: number;
  /** How long one verification may take, queueing included (default 10 s). */
  readonly timeBudgetMs?: number;
  /** Verifications waiting for a thread before new ones are refused (default 64). */
  readonly maxQueue?: number;
}

export const DEFAULT_TIME_BUDGET_MS = 10_000;
/** A verification holds a 1 MiB signature, a few certificates and the document: far below this. */
const THREAD_HEAP_MB = 256;

export class VerificationPool implements Verifier {
  private pool: Piscina;
  readonly timeBudgetMs: number;
  private readonly options: VerificationPoolOptions;
  private closing = false;

  constructor(
    private trust: TrustStore,
    options: VerificationPoolOptions = {},
  ) {
    this.options = options;
    this.timeBudgetMs = options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS;
    this.pool = this.threadsFor(trust);
  }

  /**
   * The anchors above `certificate`, issuer first, by name and key identifier: what a signature
   * carries so that others can build its path. Nothing is verified here; verification does that.
   */
  chainOf(certificate: Uint8Array): Uint8Array[] {
    const chain: Uint8Array[] = [];
    let current = parseCertificate(certificate);
    for (let depth = 0; depth < PATH_LIMITS.pathLength; depth++) {
      const issuer = this.trust.anchors.issuersOf(current)[0];
      if (issuer === undefined || bytesEqual(issuer.der, current.der)) break;
      chain.push(issuer.der);
      current = issuer;
    }
    return chain;
  }

  /**
   * The CRLs the trust holds for `certificate` and for each CA above it up to the anchor: the
   * revocation data a PDF's DSS keeps so that its signatures validate offline (PAdES B-LT).
   */
  revocationDataOf(certificate: Uint8Array): Uint8Array[] {
    return this.trust.revocationDataOf(certificate);
  }

  private threadsFor(trust: TrustStore): Piscina {
    const material: TrustMaterial = {
      anchors: trust.anchors.all().map((c) => c.der),
      crls: trust.crls.map((crl) => ({ der: crl.der, source: crl.source })),
      revocationPolicy: trust.revocationPolicy,
      ocspResponders: trust.ocspResponders.map((c) => c.der),
    };
    return new Piscina({
      ...threadScript(__dirname, 'verify-thread'),
      workerData: material,
      minThreads: 1,
      maxThreads: this.options.threads ?? Math.min(4, availableParallelism()),
      maxQueue: this.options.maxQueue ?? 64,
      idleTimeout: 60_000,
      resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB },
    });
  }

  verify(input: VerifyInput): Promise<VerificationReport> {
    return this.run({ kind: 'signature', input: { ...input, at: input.at ?? new Date() } }, input);
  }

  verifyCertificate(input: CertificateInput): Promise<VerificationReport> {
    return this.run(
      { kind: 'certificate', input: { ...input, at: input.at ?? new Date() } },
      { document: new Uint8Array(0), signature: new Uint8Array(0), ...input },
    );
  }

  private async run(task: VerificationTask, input: VerifyInput): Promise<VerificationReport> {
    const pool = this.pool;
    try {
      return (await pool.run(task, { signal: AbortSignal.timeout(this.timeBudgetMs) })) as VerificationReport;
    } catch (error) {
      if (this.closing) throw error; // shutting down: not a verdict, not a retry either
      const name = (error as Error | undefined)?.name;
      const message = String((error as Error | undefined)?.message ?? error);
      const why =
        name === 'AbortError'
          ? `verification stopped after ${this.timeBudgetMs} ms`
          : /queue is at limit/i.test(message)
            ? 'too many verifications waiting; this one was not started'
            : `the verification thread failed (${message.slice(0, 200)})`;
      return unfinishedReport(input, 'VERIFICATION_TIMEOUT', why);
    }
  }

  /**
   * Trusts `trust` from now on (CRLs re-read, anchors changed): new threads take the new material;
   * verifications already running finish on the old threads.
   */
  async reload(trust: TrustStore): Promise<void> {
    this.trust = trust;
    const old = this.pool;
    this.pool = this.threadsFor(trust);
    await old.close();
  }

  /** Stops the threads; pending verifications are refused. */
  async close(): Promise<void> {
    this.closing = true;
    await this.pool.destroy();
  }
}
