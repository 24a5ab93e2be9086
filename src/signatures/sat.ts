/**
 * SAT's semantics of a certificate: whether SAT issued it, whether it is an e.firma (FIEL) or a seal
 * certificate (CSD), and the identity (name, RFC, CURP; a persona moral's representative) it writes
 * into the subject. The signing page's script keeps a copy of the CSD rule for an early message in
 * the browser (src/portal/assets/signing.js); this judgement is the one that counts.
 */
import type { CertificateKind } from '../domain/verification-report';
import { OID } from './oids';
import { type ForgeAttribute, attributeText, text } from './forge-fields';

/**
 * FIEL vs CSD (DESIGN §3). SAT issues both to the same RFC from the same CA; they differ in the
 * subject and extensions: a CSD (seal for invoices) has an OU naming the branch and no extended key
 * usage; a FIEL (a person's e.firma) has no OU and extended key usage emailProtection + clientAuth.
 * The CSD rule is SAT's, so it applies only to certificates SAT issued: another CA's signer with an
 * OU in its subject (a department, say) and no extended key usage is judged like any other.
 */
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

export function classify(cert: {
  hasOrganizationalUnit: boolean;
  issuedBySat: boolean;
  extKeyUsage: readonly string[] | null;
  subject: SignerIdentity;
}): CertificateKind {
  if (cert.issuedBySat && cert.hasOrganizationalUnit && cert.extKeyUsage === null) return 'csd';
  if (
    !cert.hasOrganizationalUnit &&
    cert.subject.rfc !== null &&
    cert.extKeyUsage?.includes(OID.emailProtection) === true
  ) {
    return 'fiel';
  }
  return 'other';
}

/** SAT's name as its CAs write it in their organizationName, compared without accents or case. */
const SAT_ORGANIZATION = 'SERVICIO DE ADMINISTRACION TRIBUTARIA';

/**
 * Whether an issuer's organizationName (O) is SAT's: how SAT's CAs are recognised, and why so.
 * SAT's CAs write SAT's legal name there: the test CAs of the fixtures ("AC UAT" as SERVICIO DE
 * ADMINISTRACION TRIBUTARIA, "A.C. 2 de pruebas(4096)" as "Servicio de Administración
 * Tributaria"), as do the production ones (AC DEL SERVICIO DE ADMINISTRACION TRIBUTARIA). The
 * other candidates are worse: the CN changes with every CA generation; the issuer's
 * x500UniqueIdentifier is SAT's RFC in one CA and a stray "2.5.4.45" in another; the certificates
 * carry no policy OID. The name is no proof (anyone can write it into a CA of their own), and need
 * not be: the CSD rule only refuses, so a look-alike issuer only gets its own signers refused,
 * while a real CSD always names SAT.
 */
export function isSatOrganization(organization: string | null): boolean {
  if (organization === null) return false;
  const comparable = organization
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/\s+/g, ' ')
    .trim();
  return comparable === SAT_ORGANIZATION;
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

/** Splits SAT's `A / B` form (persona moral) into its trimmed parts; empty parts become null. */
function splitSatPair(value: string | null): [string | null, string | null] {
  if (value === null) return [null, null];
  const [first, second] = value.split('/').map((part) => part.trim().toUpperCase());
  return [first || null, second || null];
}

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
