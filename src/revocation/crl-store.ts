/**
 * CRLs fetched from `CRL_URLS`, kept in the object store, so that every worker and portal uses the
 * same editions and the evidence of what revocation data was current stays with the rest (a CRL is
 * evidence: it is what accepted or refused a signature).
 *
 * A CRL's bytes go to the evidence store (content-addressed, sealed); each edition gets an index
 * record, written once, under `crls/<URL's digest>/<thisUpdate>`. Readers take, for each URL, the
 * record with the latest thisUpdate: a newer edition never loses to an older one, whichever worker
 * fetched it and whenever.
 */
import { createHash } from 'node:crypto';
import type { Keyring } from '../codec/keyring';
import { parseCrl, type RevocationList } from '../signatures';
import type { EvidenceStore, ObjectStore } from '../storage';
import { seal, unseal } from '../storage/sealed';

/** One edition of a CRL, as the index keeps it. */
export interface CrlEdition {
  readonly url: string;
  readonly crlSha256: string;
  readonly thisUpdate: string;
  readonly nextUpdate: string | null;
  readonly fetchedAt: string;
}

const PREFIX = 'crls/';

function urlDigest(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 32);
}

export class CrlStore {
  constructor(
    private readonly objects: ObjectStore,
    private readonly evidence: EvidenceStore,
    private readonly keyring: Keyring,
  ) {}

  /** Keeps an edition fetched from `url` (once: the same edition again changes nothing). */
  async save(url: string, crl: RevocationList, fetchedAt: Date): Promise<CrlEdition> {
    const edition: CrlEdition = {
      url,
      crlSha256: await this.evidence.put(crl.der),
      thisUpdate: crl.thisUpdate.toISOString(),
      nextUpdate: crl.nextUpdate?.toISOString() ?? null,
      fetchedAt: fetchedAt.toISOString(),
    };
    // Fixed width, so that the names sort as the times do.
    const key = `${PREFIX}${urlDigest(url)}/${String(crl.thisUpdate.getTime()).padStart(15, '0')}`;
    await this.objects.putOnce(
      key,
      seal(this.keyring, 'evidence', key, Buffer.from(JSON.stringify(edition))),
    );
    return edition;
  }

  /**
   * The latest edition of each URL's CRL (of `urls`, or of every URL ever stored), parsed, with its
   * URL as its source. An edition that cannot be read is skipped and reported through `warn`.
   */
  async latest(urls: readonly string[] | null, warn: (line: string) => void): Promise<RevocationList[]> {
    const newest = new Map<string, string>();
    for await (const key of this.objects.list(PREFIX)) {
      const [, group, name] = key.split('/');
      if (!group || !name) continue;
      if ((newest.get(group) ?? '') < name) newest.set(group, name);
    }
    const wanted = urls === null ? null : new Set(urls.map(urlDigest));
    const crls: RevocationList[] = [];
    for (const [group, name] of newest) {
      if (wanted !== null && !wanted.has(group)) continue;
      const key = `${PREFIX}${group}/${name}`;
      try {
        const stored = await this.objects.get(key);
        if (stored === null) continue;
        const edition = JSON.parse(
          unseal(this.keyring, 'evidence', key, stored, { legacyPlaintext: false }).toString('utf8'),
        ) as CrlEdition;
        const der = await this.evidence.get(edition.crlSha256);
        if (der === null)
          throw new Error(`its CRL (SHA-256 ${edition.crlSha256}) is not in the evidence store`);
        crls.push(parseCrl(der, edition.url));
      } catch (error) {
        warn(`stored CRL edition ${key} cannot be used: ${(error as Error).message}`);
      }
    }
    return crls;
  }
}
