/**
 * What a signature presents (inputs.ts {@link Presented}), read from the bytes that arrive (a CMS, or a raw PKCS #1 signature
 * beside its certificate): its format, digest, signer, carried certificates and signed bytes.
 * Malformed input is an {@link InputRejected}, never an exception of another kind.
 */
import type { Certificate } from './certificate';
import type { CertificateCache } from './certificate-cache';
import { looksLikeCms, parseCms, type CmsSignedData, type SignerIdentifier } from './cms';
import { bytesEqual } from './der';
import { CERTIFICATE_LABELS, CMS_LABELS, toDer } from './encoding';
import { isInputRejected, malformed, rejected, type InputRejected } from './failure';
import { type ReportBuilder } from './report-builder';
import { LIMITS, type Presented, type VerifyInput } from './inputs';

export function readPresented(
  input: VerifyInput,
  report: ReportBuilder,
  certificates: CertificateCache,
): Presented {
  if (input.signature.length > LIMITS.signatureBytes) {
    throw rejected('PAYLOAD_TOO_LARGE', `signature larger than ${LIMITS.signatureBytes} bytes`);
  }
  if (input.certificate !== undefined && input.certificate.length > LIMITS.certificateBytes) {
    throw rejected('PAYLOAD_TOO_LARGE', `certificate larger than ${LIMITS.certificateBytes} bytes`);
  }
  const given =
    input.certificate === undefined ? null : certificates.parse(toDer(input.certificate, CERTIFICATE_LABELS));
  const cmsBytes = toDer(input.signature, CMS_LABELS);
  const format = input.format ?? (looksLikeCms(cmsBytes) ? 'cms' : 'pkcs1-sha256');
  report.format = format;

  if (format === 'cms') {
    const cms = parseCms(cmsBytes);
    const presented = cmsPresented(cms, given, input.document, certificates);
    report.pass('format', `CMS SignedData${cms.signer.signedAttributes ? ' with signed attributes' : ''}`);
    return presented;
  }
  if (given === null) throw malformed('a PKCS #1 signature needs the signer’s certificate');
  const signature = toDer(input.signature, []);
  // A length that is not the key's is an invalid signature (RFC 8017 §8.2.2 step 1), judged by the
  // signature check: typically someone else's certificate beside the signature.
  report.pass('format', 'PKCS #1 v1.5 signature with its certificate');
  return {
    format,
    digest: 'sha256',
    keyAlgorithm: 'rsa',
    signer: given,
    signerIdentified: true,
    carried: [],
    signedBytes: input.document,
    signature,
    messageDigest: null,
    signingTime: null,
  };
}

function cmsPresented(
  cms: CmsSignedData,
  given: Certificate | null,
  document: Uint8Array,
  certificates: CertificateCache,
): Presented {
  // Attached content, if any, is not trusted to be the document: the signature is judged against
  // the document we hold, so other content fails as DOCUMENT_MISMATCH like any other bytes.
  const { signer: info } = cms;
  if (cms.certificates.length > LIMITS.carriedCertificates) {
    throw rejected(
      'VERIFICATION_LIMIT_EXCEEDED',
      `the CMS carries ${cms.certificates.length} certificates; at most ${LIMITS.carriedCertificates} are read`,
    );
  }
  const unreadable: InputRejected[] = [];
  const carried = cms.certificates
    .map((der) => parseCertificateLenient(der, certificates, unreadable))
    .filter((c): c is Certificate => c !== null);
  const candidates = given === null ? carried : [given, ...carried];
  const identified = candidates.find((c) => namesCertificate(info.sid, c));
  // No readable certificate is the signer's, and one was not read for its algorithm (an Ed25519 or
  // a secp256k1 key, say): most likely the signer's own, so the algorithm is what is refused.
  if (identified === undefined && unreadable.length > 0) throw unreadable[0]!;
  if (candidates.length === 0) throw malformed('the CMS carries no certificate and none was given');
  const signer = identified ?? candidates[0]!;
  const attributes = info.signedAttributes;
  return {
    format: 'cms',
    digest: info.digest,
    keyAlgorithm: info.keyAlgorithm,
    signer,
    signerIdentified: identified !== undefined,
    carried: carried.filter((c) => c !== signer),
    signedBytes: attributes?.signedBytes ?? document,
    signature: info.signature,
    messageDigest: attributes?.messageDigest ?? null,
    signingTime: attributes?.signingTime ?? null,
  };
}

/**
 * Carried certificates whose key is not accepted (e.g. an Ed25519 intermediate) just do not help
 * build paths; their refusals are added to `unreadable`.
 */
function parseCertificateLenient(
  der: Uint8Array,
  certificates: CertificateCache,
  unreadable: InputRejected[],
): Certificate | null {
  try {
    return certificates.parse(der);
  } catch (error) {
    if (!(isInputRejected(error) && error.code === 'UNSUPPORTED_ALGORITHM')) throw error;
    unreadable.push(error);
    return null;
  }
}

/** Whether a SignerInfo's identifier names this certificate (RFC 5652 §5.3: by key id, or issuer and serial). */
export function namesCertificate(sid: SignerIdentifier, certificate: Certificate): boolean {
  return 'subjectKeyId' in sid
    ? certificate.subjectKeyId === sid.subjectKeyId
    : certificate.serial === sid.serial && bytesEqual(certificate.issuerName, sid.issuerName);
}
