/**
 * Fetching CRLs from `CRL_URLS` (the worker, on a schedule). A CRL is believed only when a trust
 * anchor (a root, or an intermediate configured as an anchor) signed it with a key allowed to sign
 * CRLs, it has no critical extension we do not process, and its thisUpdate is not in the future;
 * anything else is refused with the reason, and the editions already kept stay in use.
 */
import { MAX_CRL_BYTES } from '../domain/limits';
import { parseCrl, type RevocationList, type TrustStore } from '../signatures';
import { crlsIn } from '../signatures/encoding';
import type { CrlEdition, CrlStore } from './crl-store';

/** How long one download may take. */
const FETCH_TIMEOUT_MS = 60_000;
/** Clock difference tolerated between the CA and us for thisUpdate. */
const CLOCK_SKEW_MS = 5 * 60_000;

export class CrlFetchError extends Error {
  override readonly name = 'CrlFetchError';
}

/** Downloads and checks the CRL at `url`; throws {@link CrlFetchError} saying why it is refused. */
export async function fetchCrl(
  url: string,
  trust: TrustStore,
  now: Date = new Date(),
): Promise<RevocationList> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'follow' });
  } catch (error) {
    throw new CrlFetchError(`${url} did not answer: ${(error as Error).message}`);
  }
  if (!response.ok) throw new CrlFetchError(`${url} answered HTTP ${response.status}`);
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_CRL_BYTES)
    throw new CrlFetchError(`${url}: ${declared} bytes, more than ${MAX_CRL_BYTES}`);
  const bytes = await readBounded(response, url);
  let crl: RevocationList;
  try {
    const ders = crlsIn(bytes);
    if (ders.length !== 1) throw new Error(`${ders.length} CRLs in one download`);
    crl = parseCrl(ders[0]!, url);
  } catch (error) {
    throw new CrlFetchError(`${url}: not a CRL (${(error as Error).message})`);
  }
  if (crl.unusable !== null) throw new CrlFetchError(`${url}: cannot be used: ${crl.unusable}`);
  const issuer = trust.anchors
    .all()
    .find(
      (anchor) =>
        Buffer.from(anchor.subjectName).equals(Buffer.from(crl.issuerName)) && crl.isSignedBy(anchor),
    );
  if (issuer === undefined)
    throw new CrlFetchError(
      `${url}: not signed by any trust anchor allowed to sign CRLs (put its CA in TRUST_ANCHORS)`,
    );
  if (crl.thisUpdate.getTime() > now.getTime() + CLOCK_SKEW_MS)
    throw new CrlFetchError(`${url}: thisUpdate ${crl.thisUpdate.toISOString()} is in the future`);
  return crl;
}

/** The body, read as it arrives and abandoned past {@link MAX_CRL_BYTES} (whatever the headers said). */
async function readBounded(response: Response, url: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  if (!reader) return Buffer.alloc(0);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > MAX_CRL_BYTES) {
      await reader.cancel();
      throw new CrlFetchError(`${url}: more than ${MAX_CRL_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

export interface RefreshOutcome {
  readonly kept: readonly CrlEdition[];
  readonly refused: readonly string[];
}

/** Fetches every URL and keeps what passes; one URL's failure does not stop the others. */
export async function refreshCrls(
  urls: readonly string[],
  trust: TrustStore,
  store: CrlStore,
  log: (line: string) => void,
): Promise<RefreshOutcome> {
  const kept: CrlEdition[] = [];
  const refused: string[] = [];
  for (const url of urls) {
    try {
      const now = new Date();
      const crl = await fetchCrl(url, trust, now);
      kept.push(await store.save(url, crl, now));
      const stale = crl.nextUpdate !== null && crl.nextUpdate < now;
      log(
        `CRL ${url}: thisUpdate ${crl.thisUpdate.toISOString()}, nextUpdate ${crl.nextUpdate?.toISOString() ?? 'none'}, ${crl.revoked.size} revoked${stale ? ' (already out of date: the CA has not published a newer one)' : ''}`,
      );
    } catch (error) {
      const reason = error instanceof CrlFetchError ? error.message : `${url}: ${(error as Error).message}`;
      refused.push(reason);
      log(`CRL not refreshed, the editions already kept stay in use: ${reason}`);
    }
  }
  return { kept, refused };
}
