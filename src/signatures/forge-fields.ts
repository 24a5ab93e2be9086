/** What node-forge reads of a certificate (names, extensions), as plain values. */
import {
  contentBytes,
  expectSequence,
  isContext,
  parseDer,
  readOid,
  UniversalTag,
  expectUniversal,
  distributionPointUris,
} from './der';

export interface ForgeAttribute {
  type: string;
  shortName?: string;
  value: unknown;
}

export interface ForgeExtension {
  id: string;
  critical?: boolean;
  value: string;
  digitalSignature?: boolean;
  nonRepudiation?: boolean;
  keyCertSign?: boolean;
  cRLSign?: boolean;
  cA?: boolean;
  pathLenConstraint?: number;
}

/**
 * The text of an attribute value. node-forge decodes UTF8String but leaves other string types as
 * bytes, and SAT writes UTF-8 into those too ("Coyoacán"): decode when the bytes are valid UTF-8.
 */
export function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  let highBytes = false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code > 0xff) return value; // already decoded by node-forge
    if (code >= 0x80) highBytes = true;
  }
  if (!highBytes) return value;
  const decoded = Buffer.from(value, 'latin1').toString('utf8');
  return decoded.includes('\ufffd') ? value : decoded;
}

export function attributeText(attributes: readonly ForgeAttribute[], oid: string): string | null {
  return text(attributes.find((a) => a.type === oid)?.value);
}

function binaryBytes(value: string): Uint8Array {
  return Buffer.from(value, 'latin1');
}

/** ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId (RFC 5280 §4.2.1.12). */
export function readExtKeyUsage(value: string): string[] {
  const bytes = binaryBytes(value);
  return expectSequence(parseDer(bytes), 'ExtKeyUsageSyntax').children.map((c) => readOid(bytes, c));
}

export function readOctetStringHex(value: string): string {
  const bytes = binaryBytes(value);
  const node = expectUniversal(parseDer(bytes), UniversalTag.octetString, 'KeyIdentifier');
  return Buffer.from(contentBytes(bytes, node)).toString('hex');
}

/**
 * CRLDistributionPoints ::= SEQUENCE OF DistributionPoint { distributionPoint [0] DistributionPointName
 * OPTIONAL, reasons [1], cRLIssuer [2] }: the URIs of every full name.
 */
export function readCrlDistributionPoints(value: string): string[] {
  const bytes = binaryBytes(value);
  return expectSequence(parseDer(bytes), 'CRLDistributionPoints').children.flatMap((point) => {
    const name = expectSequence(point, 'DistributionPoint').children.find((c) => isContext(c, 0));
    return name === undefined ? [] : (distributionPointUris(bytes, name) ?? []);
  });
}

/** AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, … } */
export function readAuthorityKeyId(value: string): string | null {
  const bytes = binaryBytes(value);
  const first = expectSequence(parseDer(bytes), 'AuthorityKeyIdentifier').children[0];
  return isContext(first, 0) ? Buffer.from(contentBytes(bytes, first)).toString('hex') : null;
}
