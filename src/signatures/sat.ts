/**
 * SAT's semantics of a certificate: whether SAT issued it, whether it is an e.firma (FIEL) or a seal
 * certificate (CSD), and the identity (name, RFC, CURP; a persona moral's representative) it writes
 * into the subject. The rules the signing page applies too live in ./sat-rules.ts, served to it
 * from there.
 */
import type { CertificateKind } from '../domain/verification-report';
import { OID } from './oids';
import { type ForgeAttribute, attributeText, text } from './forge-fields';
import { isSealCertificate, splitSatPair } from './sat-rules';

/** The identity SAT writes into an e.firma subject. */
export interface SignerIdentity {
  readonly name: string;
  /** RFC from x500UniqueIdentifier (2.5.4.45); for a persona moral, the company's. */
  readonly rfc: string | null;
  /** For a persona moral (`RFC_MORAL / RFC_REPRESENTANTE`), the legal representative's RFC. */
  readonly representativeRfc: string | null;
  /** CURP from serialNumber (2.5.4.5); for a persona moral, the representative's. */
  readonly curp: string | null;
}

/** FIEL, CSD or another CA's certificate (DESIGN §3): see {@link isSealCertificate}. */
export function classify(cert: {
  hasOrganizationalUnit: boolean;
  issuedBySat: boolean;
  extKeyUsage: readonly string[] | null;
  subject: SignerIdentity;
}): CertificateKind {
  if (
    isSealCertificate({
      issuedBySat: cert.issuedBySat,
      hasOrganizationalUnit: cert.hasOrganizationalUnit,
      hasExtendedKeyUsage: cert.extKeyUsage !== null,
    })
  )
    return 'csd';
  if (
    !cert.hasOrganizationalUnit &&
    cert.subject.rfc !== null &&
    cert.extKeyUsage?.includes(OID.emailProtection) === true
  ) {
    return 'fiel';
  }
  return 'other';
}

/** Short names for the attributes SAT uses that node-forge does not name. */
const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.5': 'serialNumber',
  '2.5.4.9': 'street',
  '2.5.4.17': 'postalCode',
  '2.5.4.41': 'name',
  '2.5.4.45': 'x500UniqueIdentifier',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '1.2.840.113549.1.9.2': 'unstructuredName',
};

export function readIdentity(attributes: readonly ForgeAttribute[]): SignerIdentity {
  const [rfc, representativeRfc] = splitSatPair(attributeText(attributes, OID.x500UniqueIdentifier));
  const [curpFirst, curpSecond] = splitSatPair(attributeText(attributes, OID.serialNumber));
  const name = attributeText(attributes, OID.commonName) ?? attributeText(attributes, OID.name) ?? '';
  return { name, rfc, representativeRfc, curp: curpSecond ?? curpFirst };
}

/** A readable distinguished name in RFC 4514 order, as `openssl x509 -nameopt RFC2253` prints it. */
export function nameText(attributes: readonly ForgeAttribute[]): string {
  return attributes
    .map((a) => [SHORT_NAMES[a.type] ?? a.shortName ?? a.type, text(a.value)] as const)
    .filter(([, value]) => value !== null)
    .map(([key, value]) => `${key}=${value}`)
    .reverse()
    .join(', ');
}
