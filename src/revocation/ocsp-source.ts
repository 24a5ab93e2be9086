/**
 * OCSP as a revocation source (`OCSP_URL`): before a signature or a certificate is judged, the
 * signer's certificate is asked about at the configured responders, in order, and the answer goes
 * to the verifier beside the CRLs (VerifyInput.ocspResponses), which judges it (ocsp.ts). Where
 * the answer accepted a signature, the bytes are kept in the evidence store under their SHA-256,
 * the one the report names (report.ocsp), so the answer can be shown later and written into the
 * letter's /DSS.
 *
 * SAT's certificates carry no AIA, so the responders are configuration, not read from the
 * certificate. An answer is cached for a few minutes per certificate (a preparation and its
 * signature ask twice in a row), never past its nextUpdate. A responder that does not answer, or
 * answers another request's nonce, is passed over; with none left the verifier finds no answer,
 * and the policy says what that means (REVOCATION_UNAVAILABLE outside development). The log says
 * which responder failed and how, never whose certificate was asked about.
 */
import { createHash } from 'node:crypto';
import type { VerificationReport } from '../domain/verification-report';
import {
  parseCertificate,
  type Certificate,
  type CertificateInput,
  type Verifier,
  type VerifyInput,
} from '../signatures';
import { looksLikeCms, parseCms } from '../signatures/cms';
import { bytesEqual } from '../signatures/der';
import { namesCertificate } from '../signatures/presented';
import { CERTIFICATE_LABELS, CMS_LABELS, toDer } from '../signatures/encoding';
import { parseOcspResponse } from '../signatures/ocsp';
import { fetchOcsp, ocspRequest } from './ocsp-client';

export interface OcspSourceOptions {
  /** The responders, tried in order. */
  readonly urls: readonly string[];
  /** The deadline for one responder's answer. Default 5 s. */
  readonly timeoutMs?: number;
  /** How long an answer is reused for the same certificate. Default 5 minutes. */
  readonly cacheMs?: number;
  /** Where failures are told (origins and reasons only). */
  readonly log?: (line: string) => void;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_CACHE_MS = 5 * 60_000;
/** Certificates whose answers are cached at once (a campaign has a few thousand signers). */
const CACHE_ENTRIES = 1_000;

export class OcspSource {
  private readonly cache = new Map<string, { readonly der: Uint8Array; readonly until: number }>();

  constructor(private readonly options: OcspSourceOptions) {}

  /** The responders' origins, for the start-up line. */
  describe(): string {
    return this.options.urls.map((url) => new URL(url).origin).join(', ');
  }

  /**
   * A response about `certificate` (issued by `issuer`) from the first responder that gives one
   * answering our request; null when none does.
   */
  async responseFor(certificate: Certificate, issuer: Certificate): Promise<Uint8Array | null> {
    const key = createHash('sha256').update(certificate.der).update(issuer.der).digest('hex');
    const cached = this.cache.get(key);
    if (cached !== undefined && cached.until > Date.now()) return cached.der;
    this.cache.delete(key);
    const log = this.options.log ?? console.warn;
    for (const url of this.options.urls) {
      const origin = new URL(url).origin;
      const request = ocspRequest(certificate, issuer);
      let der: Uint8Array;
      try {
        der = await fetchOcsp(url, request.der, { timeoutMs: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
      } catch (error) {
        log(`OCSP ${origin}: ${(error as Error).message.replace(/^OCSP responder \S+: /, '')}`);
        continue;
      }
      let nonce: Uint8Array | null;
      let nextUpdate: Date | null;
      try {
        const response = parseOcspResponse(der);
        if (response.status !== 'successful' || response.basic === null) {
          log(`OCSP ${origin}: answered ${response.status}`);
          continue;
        }
        nonce = response.basic.nonce;
        nextUpdate = response.basic.responses[0]?.nextUpdate ?? null;
      } catch {
        log(`OCSP ${origin}: the answer is not an OCSP response`);
        continue;
      }
      // A responder that echoes a nonce must echo ours; one that echoes none (pre-produced
      // responses, as large CAs send) is judged on its times alone.
      if (nonce !== null && request.nonce !== null && !bytesEqual(nonce, request.nonce)) {
        log(`OCSP ${origin}: the answer echoes another request's nonce`);
        continue;
      }
      const until = Math.min(
        Date.now() + (this.options.cacheMs ?? DEFAULT_CACHE_MS),
        nextUpdate?.getTime() ?? Infinity,
      );
      if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, { der, until });
      return der;
    }
    return null;
  }
}

/**
 * A {@link Verifier} that asks the OCSP responders about the signer's certificate before each
 * verification, and keeps (`keep`) the answers an accepted signature relied on. The portal's and
 * the worker's verifier when `OCSP_URL` is set; answers already given (a PDF's /DSS) are used as
 * they are.
 */
export class OcspCheckingVerifier implements Verifier {
  constructor(
    private readonly inner: Verifier,
    private readonly source: OcspSource,
    /** Stores an answer an accepted signature relied on (the evidence store's put). */
    private readonly keep: ((der: Uint8Array) => Promise<unknown>) | null = null,
  ) {}

  async verify(input: VerifyInput): Promise<VerificationReport> {
    const responses = input.ocspResponses ?? (await this.responsesFor(signerCertificateOf(input)));
    const report = await this.inner.verify({ ...input, ocspResponses: responses });
    await this.kept(report, responses);
    return report;
  }

  async verifyCertificate(input: CertificateInput): Promise<VerificationReport> {
    const responses = input.ocspResponses ?? (await this.responsesFor(certificateOf(input.certificate)));
    return this.inner.verifyCertificate({ ...input, ocspResponses: responses });
  }

  chainOf(certificate: Uint8Array): Uint8Array[] {
    return this.inner.chainOf(certificate);
  }

  revocationDataOf(certificate: Uint8Array): Uint8Array[] {
    return this.inner.revocationDataOf(certificate);
  }

  /**
   * A current answer about `certificate` from the responders (PAdES B-LT: what the letter's /DSS
   * keeps beside the CRLs); none when the responders do not answer or the issuer is not trusted.
   */
  async ocspOf(certificate: Uint8Array): Promise<Uint8Array[]> {
    return this.responsesFor(certificateOf(certificate));
  }

  private async responsesFor(certificate: Certificate | null): Promise<Uint8Array[]> {
    if (certificate === null) return [];
    const issuerDer = this.inner.chainOf(certificate.der)[0];
    if (issuerDer === undefined) return [];
    const response = await this.source.responseFor(certificate, parseCertificate(issuerDer));
    return response === null ? [] : [response];
  }

  private async kept(report: VerificationReport, responses: readonly Uint8Array[]): Promise<void> {
    if (this.keep === null || !report.valid || !report.ocsp) return;
    for (const used of report.ocsp) {
      const der = responses.find((r) => createHash('sha256').update(r).digest('hex') === used.sha256);
      if (der !== undefined) await this.keep(der);
    }
  }
}

/** A certificate's bytes (DER, PEM or base64) read, or null when they are not one. */
function certificateOf(bytes: Uint8Array | undefined): Certificate | null {
  if (bytes === undefined) return null;
  try {
    return parseCertificate(toDer(bytes, CERTIFICATE_LABELS));
  } catch {
    return null;
  }
}

/**
 * The signer's certificate of a signature to verify: the one given beside it, else the one a CMS
 * carries for its SignerInfo. Null when there is none to read: the verifier then says why.
 */
function signerCertificateOf(input: VerifyInput): Certificate | null {
  if (input.certificate !== undefined) return certificateOf(input.certificate);
  try {
    const bytes = toDer(input.signature, CMS_LABELS);
    if (!looksLikeCms(bytes)) return null;
    const cms = parseCms(bytes);
    for (const der of cms.certificates) {
      const certificate = certificateOf(der);
      if (certificate !== null && namesCertificate(cms.signer.sid, certificate)) return certificate;
    }
  } catch {
    // not a readable CMS: the verifier says so
  }
  return null;
}
