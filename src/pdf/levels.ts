/**
 * PAdES baseline levels (ETSI EN 319 142-1 §6.3) of a signature, as the file proves them. Apart
 * from verify-pdf.ts because it is a question of its own: not whether the signature holds, but how
 * much the file carries for judging it again later, without fetching anything.
 *
 * - **B-B**: a signature.
 * - **B-T**: with a signature time-stamp that verifies against the TSA anchors given.
 * - **B-LT**: B-T, and the /DSS of the newest revision holds revocation data for every certificate
 *   that needs it: the signer's certification path (as the verifier built it) but its anchor, and
 *   the signature time-stamp's TSA path (as the token verification built it) but its anchor.
 * - **B-LTA**: B-LT, and a valid document time-stamp written in a revision after the signature's
 *   covers a /DSS that already held that revocation data (the /DSS as of the time-stamp's revision).
 *   Stricter than EU DSS 6.4, which is content with a document time-stamp over *some* /DSS after
 *   the signature while the data sits anywhere in the file (test/pdf/long-term.test.ts shows the
 *   one case where the two differ); B-LTA is there to prove the validation data's integrity.
 *
 * The rule for "revocation data for a certificate", kept simple on purpose: a CRL in the /DSS
 * /CRLs whose issuer name is the certificate's issuer name (byte for byte), that is usable and
 * covers the certificate (crl.ts: complete, direct, in scope) and, when the issuer's certificate
 * is in the file (the CMS, the token, the /DSS /Certs), is signed by it; or an OCSP response in
 * /OCSPs with a SingleResponse for the certificate (its CertID's serial number and issuer name
 * hash, and its issuer key hash when the issuer's certificate is at hand). What the CRL or
 * response says, and when it was issued, is not judged here: the verifier judges revocation with
 * the CRLs it is configured with. This is what EU DSS asks before it calls a signature LT: some
 * revocation data in the file for each certificate but the anchors (test/support/eu-dss-lab.test.ts).
 */
import { createHash } from 'node:crypto';
import type { VerificationReport } from '../domain/verification-report';
import { parseCertificate, type Certificate } from '../signatures/certificate';
import { parseCms, type CmsSignedData } from '../signatures/cms';
import { parseCrl, type RevocationList } from '../signatures/crl';
import {
  bytesEqual,
  contentBytes,
  expectSequence,
  isContext,
  isUniversal,
  parseDer,
  readIntegerHex,
  readOid,
  UniversalTag,
  type DerNode,
} from '../signatures/der';
import { DIGEST_BY_OID } from '../signatures/oids';
import type { PdfFile } from './document';
import { readValidationData } from './dss';

/** PAdES baseline levels (ETSI EN 319 142-1 §6): what the file itself proves about a signature. */
export type PadesLevel = 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';

/** A signature time-stamp that verified: its token and the TSA's path (subjects, TSA first). */
export interface VerifiedSignatureTimestamp {
  readonly token: Uint8Array;
  readonly chain: readonly string[];
}

/** A document time-stamp as verify-pdf.ts judged it. */
export interface JudgedDocumentTimestamp {
  /** The revision it covers (1-based), null when unbound. */
  readonly revision: number | null;
  readonly valid: boolean | null;
}

export interface LevelInput {
  /** The signature's CMS. */
  readonly cms: Uint8Array;
  /** The revision it covers (1-based), null when unbound. */
  readonly revision: number | null;
  readonly report: VerificationReport;
  /** Its signature time-stamp when that verified; undefined otherwise. */
  readonly timestamp: VerifiedSignatureTimestamp | undefined;
  /** Otherwise why not (English), for {@link LevelVerdict.limit}. */
  readonly timestampProblem?: string;
}

export interface LevelVerdict {
  readonly level: PadesLevel;
  /** Why the level is not higher (English); null at B-LTA. */
  readonly limit: string | null;
}

/** OCSP's CertID hash (RFC 6960 §4.1.1): SHA-1 usually, or a SHA-2. */
const SHA1_OID = '1.3.14.3.2.26';
const OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';
/** The universal tag of ENUMERATED (X.680), which der.ts does not name. */
const ENUMERATED = 10;

interface OcspEntry {
  readonly algorithm: string;
  readonly issuerNameHash: Uint8Array;
  readonly issuerKeyHash: Uint8Array;
  readonly serial: string;
}

/** What one revision's /DSS holds, read once. */
interface DssView {
  readonly certificates: readonly Certificate[];
  readonly crls: readonly RevocationList[];
  readonly ocsps: readonly OcspEntry[];
}

/** Decides the levels of a file's signatures; one per verification (it caches the /DSS it reads). */
export class LevelJudge {
  private readonly views = new Map<number, DssView>();

  constructor(
    private readonly file: PdfFile,
    private readonly documentTimestamps: readonly JudgedDocumentTimestamp[],
  ) {}

  decide(input: LevelInput): LevelVerdict {
    if (input.timestamp === undefined)
      return { level: 'B-B', limit: input.timestampProblem ?? 'no signature time-stamp that verifies' };
    const newest = this.view(this.file.newest);
    const needs = this.needingRevocation(input, input.timestamp, newest);
    if (typeof needs === 'string') return { level: 'B-T', limit: needs };
    const missing = (view: DssView): Certificate[] => {
      const known = [...needs.carried, ...view.certificates];
      return needs.certificates.filter((cert) => !hasRevocationData(cert, view, known));
    };
    const lacking = missing(newest);
    if (lacking.length > 0)
      return {
        level: 'B-T',
        limit: `the /DSS holds no CRL or OCSP response for ${lacking.map((c) => c.subjectText).join('; ')}`,
      };
    const later = this.documentTimestamps.filter(
      (t) =>
        t.valid === true && t.revision !== null && input.revision !== null && t.revision > input.revision,
    );
    if (later.length === 0)
      return { level: 'B-LT', limit: 'no valid document time-stamp after the signature' };
    if (later.some((t) => missing(this.view(t.revision! - 1)).length === 0))
      return { level: 'B-LTA', limit: null };
    return { level: 'B-LT', limit: 'no valid document time-stamp covers its validation data' };
  }

  /**
   * The certificates that need revocation data, with those the signature and its token carry; or
   * why they cannot be told.
   */
  private needingRevocation(
    input: LevelInput,
    timestamp: VerifiedSignatureTimestamp,
    dss: DssView,
  ): { certificates: Certificate[]; carried: Certificate[] } | string {
    let cms: CmsSignedData;
    let token: CmsSignedData;
    try {
      cms = parseCms(input.cms);
      token = parseCms(timestamp.token, { lenientSigningTime: true });
    } catch {
      return 'its CMS cannot be read';
    }
    const carried = [...certificatesOf(cms.certificates), ...certificatesOf(token.certificates)];
    const pool = [...carried, ...dss.certificates];
    const signerPath = pathCertificates(signerOf(cms, carried), input.report.path, pool);
    if (signerPath === undefined) return 'the signer’s certification path was not established';
    const tsaPath = pathCertificates(signerOf(token, carried), timestamp.chain, pool);
    if (tsaPath === undefined) return 'the TSA’s certification path was not established';
    return { certificates: [...signerPath, ...tsaPath], carried };
  }

  private view(revision: number): DssView {
    let view = this.views.get(revision);
    if (view === undefined) {
      const data = readValidationData(this.file, revision);
      view = {
        certificates: certificatesOf(data.certificates),
        crls: data.crls.flatMap((der) => {
          try {
            return [parseCrl(der, 'the /DSS')];
          } catch {
            return [];
          }
        }),
        ocsps: data.ocsps.flatMap(ocspEntries),
      };
      this.views.set(revision, view);
    }
    return view;
  }
}

function certificatesOf(ders: readonly Uint8Array[]): Certificate[] {
  return ders.flatMap((der) => {
    try {
      return [parseCertificate(der)];
    } catch {
      return [];
    }
  });
}

function signerOf(cms: CmsSignedData, certificates: readonly Certificate[]): Certificate | undefined {
  const sid = cms.signer.sid;
  return certificates.find((cert) =>
    'subjectKeyId' in sid
      ? cert.subjectKeyId === sid.subjectKeyId
      : bytesEqual(sid.issuerName, cert.issuerName) && plainSerial(sid.serial) === plainSerial(cert.serial),
  );
}

const plainSerial = (hex: string): string => hex.toLowerCase().replace(/^0+(?=.)/, '');

/**
 * The certificates of a path given as subjects (signer first, anchor last) but its anchor: the
 * signer itself, then for each next subject a certificate of the pool with that subject whose
 * issuer is the subject after it. Undefined when there is no path or one cannot be found.
 */
function pathCertificates(
  signer: Certificate | undefined,
  subjects: readonly string[],
  pool: readonly Certificate[],
): Certificate[] | undefined {
  if (signer === undefined || subjects.length < 2 || signer.subjectText !== subjects[0]) return undefined;
  const path = [signer];
  for (let i = 1; i < subjects.length - 1; i++) {
    const found = pool.find((c) => c.subjectText === subjects[i] && c.issuerText === subjects[i + 1]);
    if (found === undefined) return undefined;
    path.push(found);
  }
  return path;
}

/**
 * The rule of the file comment: a CRL of its issuer that covers it, or an OCSP response for it;
 * signed by (or naming the key of) its issuer when `known` holds the issuer's certificate.
 */
function hasRevocationData(cert: Certificate, dss: DssView, known: readonly Certificate[]): boolean {
  const issuers = known.filter(
    (c) =>
      bytesEqual(c.subjectName, cert.issuerName) &&
      (cert.authorityKeyId === null || c.subjectKeyId === null || cert.authorityKeyId === c.subjectKeyId),
  );
  const crl = dss.crls.some(
    (list) =>
      bytesEqual(list.issuerName, cert.issuerName) &&
      list.unusable === null &&
      list.covers(cert) &&
      (issuers.length === 0 || issuers.some((issuer) => list.isSignedBy(issuer))),
  );
  if (crl) return true;
  return dss.ocsps.some((entry) => {
    const name = DIGEST_BY_OID.get(entry.algorithm) ?? (entry.algorithm === SHA1_OID ? 'sha1' : undefined);
    if (name === undefined || plainSerial(entry.serial) !== plainSerial(cert.serial)) return false;
    const hash = (data: Uint8Array): Buffer => createHash(name).update(data).digest();
    if (!bytesEqual(entry.issuerNameHash, hash(cert.issuerName))) return false;
    return (
      issuers.length === 0 ||
      issuers.some((issuer) => bytesEqual(entry.issuerKeyHash, hash(subjectKey(issuer))))
    );
  });
}

/** The subjectPublicKey BIT STRING's bytes (RFC 6960 §4.1.1: what issuerKeyHash hashes). */
function subjectKey(cert: Certificate): Uint8Array {
  const spki = expectSequence(parseDer(cert.keyDer), 'SubjectPublicKeyInfo');
  return contentBytes(cert.keyDer, spki.children[1]!).subarray(1);
}

/**
 * The CertIDs an OCSPResponse (or a bare BasicOCSPResponse) answers for (RFC 6960 §4.2.1); none
 * when it cannot be read or was not successful.
 */
function ocspEntries(der: Uint8Array): OcspEntry[] {
  try {
    let root = expectSequence(parseDer(der), 'OCSPResponse');
    let bytes = der;
    if (isUniversal(root.children[0]!, ENUMERATED)) {
      // OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, responseBytes [0] EXPLICIT ResponseBytes }
      if (contentBytes(der, root.children[0]!)[0] !== 0 || !isContext(root.children[1], 0)) return [];
      const responseBytes = expectSequence(root.children[1].children[0], 'ResponseBytes');
      if (readOid(der, responseBytes.children[0]) !== OCSP_BASIC) return [];
      bytes = contentBytes(der, responseBytes.children[1]!);
      root = expectSequence(parseDer(bytes), 'BasicOCSPResponse');
    }
    // ResponseData ::= SEQUENCE { version [0], responderID [1]|[2], producedAt, responses, extensions [1] }
    const data = expectSequence(root.children[0], 'ResponseData');
    const responses = data.children.find((c) => isUniversal(c, UniversalTag.sequence));
    return (responses?.children ?? []).map((single: DerNode) => {
      // SingleResponse ::= SEQUENCE { certID, certStatus, thisUpdate, … }
      const [algorithm, nameHash, keyHash, serial] = expectSequence(
        expectSequence(single, 'SingleResponse').children[0],
        'CertID',
      ).children;
      return {
        algorithm: readOid(bytes, expectSequence(algorithm, 'hashAlgorithm').children[0]),
        issuerNameHash: contentBytes(bytes, nameHash!),
        issuerKeyHash: contentBytes(bytes, keyHash!),
        serial: readIntegerHex(bytes, serial),
      };
    });
  } catch {
    return [];
  }
}
