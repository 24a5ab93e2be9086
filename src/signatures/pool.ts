/**
 * Verification off the event loop: a pool of worker threads (piscina), each with its own
 * {@link SignatureVerifier}. The portal and the worker ask it, so one costly signature never stops
 * them from answering everyone else; each verification has a time budget, after which its thread
 * is stopped and the answer is VERIFICATION_TIMEOUT, as it is when the queue is full.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { ERROR_CODES } from '../domain/errors';
import { CHECKS, type VerificationReport } from './report';
import type { TrustStore } from './trust-store';
import type { TrustMaterial } from './verify-thread';
import type { VerifyInput } from './verify';

/** What the portal and the activities need of a verifier. */
export interface Verifier {
  verify(input: VerifyInput): Promise<VerificationReport>;
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

export class VerificationPool implements Verifier {
  private readonly pool: Piscina;
  readonly timeBudgetMs: number;

  constructor(trust: TrustStore, options: VerificationPoolOptions = {}) {
    this.timeBudgetMs = options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS;
    const threads = options.threads ?? Math.min(4, availableParallelism());
    const material: TrustMaterial = {
      anchors: trust.anchors.all().map((c) => c.der),
      crls: trust.crls.map((crl) => ({ der: crl.der, source: crl.source })),
    };
    // From dist/ the thread is plain JavaScript; from src/ (tests, tsx) it needs tsx's loader.
    const fromSource = __filename.endsWith('.ts');
    this.pool = new Piscina({
      filename: join(__dirname, `verify-thread.${fromSource ? 'ts' : 'js'}`),
      workerData: material,
      minThreads: 1,
      maxThreads: threads,
      maxQueue: options.maxQueue ?? 64,
      idleTimeout: 60_000,
      ...(fromSource ? { execArgv: [...process.execArgv, '--require', require.resolve('tsx/cjs')] } : {}),
    });
  }

  async verify(input: VerifyInput): Promise<VerificationReport> {
    const at = input.at ?? new Date();
    try {
      return (await this.pool.run(
        { ...input, at },
        { signal: AbortSignal.timeout(this.timeBudgetMs) },
      )) as VerificationReport;
    } catch (error) {
      const name = (error as Error | undefined)?.name;
      const message = String((error as Error | undefined)?.message ?? error);
      if (name === 'AbortError')
        return unfinished(input, at, `verification stopped after ${this.timeBudgetMs} ms`);
      if (/queue is at limit/i.test(message))
        return unfinished(input, at, 'too many verifications waiting; none started');
      throw error;
    }
  }

  /** Stops the threads; pending verifications are refused. */
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/** The report of a verification that did not run to its end: nothing was judged. */
function unfinished(input: VerifyInput, at: Date, why: string): VerificationReport {
  return {
    valid: false,
    code: 'VERIFICATION_TIMEOUT',
    message: ERROR_CODES.VERIFICATION_TIMEOUT.message,
    format: input.format ?? null,
    checks: CHECKS.map(({ check }) => ({
      check,
      outcome: 'skipped' as const,
      detail: `not reached: ${why}`,
    })),
    signer: null,
    certificate: null,
    signingTime: null,
    algorithm: null,
    path: [],
    documentSha256: createHash('sha256').update(input.document).digest('hex'),
    verifiedAt: at.toISOString(),
  };
}
