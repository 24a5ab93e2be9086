/**
 * Where the verifier's trust comes from, and how it stays current: the anchors (`TRUST_ANCHORS`),
 * CRL files (`CRLS`), CRLs fetched from `CRL_URLS` and kept in the object store, and the revocation
 * policy (`REVOCATION_POLICY`). The worker fetches the URLs on a schedule; the worker and every
 * portal re-read files and stored editions every few minutes and hand new threads the result, so a
 * newly published CRL is in use everywhere without a restart.
 */
import {
  loadTrustStore,
  TrustConfigurationError,
  type RevocationPolicy,
  type TrustFiles,
  type TrustStore,
  type VerificationPool,
} from '../signatures';
import { refreshCrls } from './crl-fetch';
import type { CrlStore } from './crl-store';

export interface TrustSettings {
  /** `TRUST_ANCHORS`: files or folders of CA certificates. */
  readonly trustAnchors: string | undefined;
  /** `CRLS`: files or folders of CRLs. */
  readonly crls: string | undefined;
  /** `CRL_URLS`: where the worker fetches CRLs from. */
  readonly crlUrls: readonly string[];
  readonly revocationPolicy: RevocationPolicy;
  /** `CRL_REFRESH_MINUTES`, in ms: how often the worker fetches `CRL_URLS`. */
  readonly crlRefreshMs: number;
  /** `OCSP_URL`: the OCSP responders (asked by src/revocation/ocsp-source.ts). */
  readonly ocspUrls?: readonly string[];
  /** `OCSP_RESPONDERS`: OCSP responder certificates trusted by configuration. */
  readonly ocspResponders?: string | undefined;
}

/** How often files and stored CRL editions are read again. */
export const TRUST_RELOAD_MS = 5 * 60_000;

export class TrustSource {
  constructor(
    private readonly settings: TrustSettings,
    /** Where fetched CRLs are kept; null when `CRL_URLS` is empty. */
    private readonly store: CrlStore | null,
    private readonly log: (line: string) => void = console.warn,
  ) {}

  /** What the files say, with `moreCrls`: TRUST_ANCHORS that name no certificate stop start-up. */
  private load(moreCrls: TrustFiles['moreCrls'] = []): TrustStore {
    const trust = loadTrustStore({
      anchors: this.settings.trustAnchors,
      crls: this.settings.crls,
      moreCrls,
      revocationPolicy: this.settings.revocationPolicy,
      ocspResponders: this.settings.ocspResponders,
    });
    if (this.settings.trustAnchors !== undefined && trust.anchors.size === 0) {
      throw new TrustConfigurationError(
        `TRUST_ANCHORS (${this.settings.trustAnchors}) no nombra ningún certificado: indique los archivos de los certificados de las autoridades certificadoras (.pem .crt .cer .der) o las carpetas que los contienen`,
      );
    }
    return trust;
  }

  /**
   * Everything trusted now: anchors, CRL files and the latest stored edition of each URL's CRL,
   * with the policy. A file that cannot be read stops with its name (TrustConfigurationError).
   */
  async build(): Promise<TrustStore> {
    const stored =
      this.store === null || this.settings.crlUrls.length === 0
        ? []
        : await this.store.latest(this.settings.crlUrls, this.log);
    const trust = this.load(stored);
    const now = new Date();
    for (const crl of trust.crls) {
      if (crl.unusable !== null) this.log(`CRL not used: ${crl.unusable}`);
      else if (crl.nextUpdate === null || crl.nextUpdate < now)
        this.log(
          `CRL ${crl.source} is out of date (nextUpdate ${crl.nextUpdate?.toISOString() ?? 'absent'}): it no longer says a certificate is not revoked; ${this.settings.revocationPolicy === 'required' ? 'signatures under its CA are not accepted until a newer edition is in use' : 'revocation is reported as not checked'}`,
        );
    }
    return trust;
  }

  /** Fetches `CRL_URLS` into the store (the worker's job); what fails is logged, and kept editions stay. */
  async fetch(): Promise<void> {
    if (this.store === null || this.settings.crlUrls.length === 0) return;
    await refreshCrls(this.settings.crlUrls, this.load(), this.store, this.log);
  }

  /**
   * Keeps `pool` current: re-reads every {@link TRUST_RELOAD_MS} and, with `fetch`, fetches
   * `CRL_URLS` at once and every `crlRefreshMs` after, before re-reading. A reading that fails keeps the material in use (and is
   * logged). Returns the function that stops it.
   */
  keep(pool: VerificationPool, options: { readonly fetch: boolean }): () => void {
    // The worker fetches at once (in the background: an unreachable CA does not hold up start-up).
    let lastFetch = options.fetch ? -Infinity : Date.now();
    let running = false;
    const tick = async (): Promise<void> => {
      if (running) return;
      running = true;
      try {
        if (options.fetch && Date.now() - lastFetch >= this.settings.crlRefreshMs) {
          lastFetch = Date.now();
          await this.fetch();
        }
        await pool.reload(await this.build());
      } catch (error) {
        this.log(`trust material not reloaded, the previous stays in use: ${(error as Error).message}`);
      } finally {
        running = false;
      }
    };
    const period = Math.min(TRUST_RELOAD_MS, options.fetch ? this.settings.crlRefreshMs : TRUST_RELOAD_MS);
    const timer = setInterval(() => void tick(), period);
    timer.unref();
    if (options.fetch && this.settings.crlUrls.length > 0) void tick();
    return () => clearInterval(timer);
  }

  /** What the policy means, for the log at start. */
  describe(): string {
    const sources = [
      this.settings.crls ? `CRLS=${this.settings.crls}` : null,
      this.settings.crlUrls.length > 0 ? `CRL_URLS (${this.settings.crlUrls.length})` : null,
      this.settings.ocspUrls?.length ? `OCSP_URL (${this.settings.ocspUrls.length})` : null,
    ].filter(Boolean);
    return this.settings.revocationPolicy === 'required'
      ? `revocation required (${sources.join(', ') || 'no source'}): a signature whose certificate has neither a current CRL nor an OCSP answer is not accepted`
      : `REVOCATION_POLICY=best-effort: a certificate without a current CRL or OCSP answer is ACCEPTED with revocation NOT checked${sources.length > 0 ? ` (sources: ${sources.join(', ')})` : ''}`;
  }
}
