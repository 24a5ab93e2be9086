/**
 * RFC 3161 time-stamp tokens and responses, read from their DER: the TimeStampResp a TSA answers,
 * the TimeStampToken inside it (a CMS SignedData whose content is a TSTInfo), and the TSTInfo
 * itself (what was stamped, when, by which policy). Reading only: what the bytes say, each field
 * as it is spelled, with the spellings that depart from the RFCs noted rather than thrown, so that
 * the verifier (./verify.ts) can decide which profile tolerates them.
 */
import {
  contentBytes,
  DerError,
  elementBytes,
  expectSequence,
  expectUniversal,
  isContext,
  isUniversal,
  parseDer,
  readOid,
  readSmallInteger,
  readTime,
  TagClass,
  UniversalTag,
  type DerNode,
} from '../signatures/der';
import { malformed, unsupported } from '../signatures/failure';
import { DIGEST_BY_OID, type DigestName } from '../signatures/oids';

/** id-ct-TSTInfo (RFC 3161 §2.4.2). */
export const TST_INFO_OID = '1.2.840.113549.1.9.16.1.4';

export interface MessageImprint {
  readonly algorithm: DigestName;
  readonly digest: Uint8Array;
}

export interface TstInfo {
  readonly policy: string;
  readonly imprint: MessageImprint;
  /** The serial number's two's-complement bytes, as hex. */
  readonly serial: string;
  /** RFC 3161 §2.4.2 wants a positive integer; some PSCs write a negative one. */
  readonly serialNegative: boolean;
  readonly genTime: Date;
  /** Accuracy in milliseconds (seconds, millis and micros summed), or null when the TSA states none. */
  readonly accuracyMs: number | null;
  readonly ordering: boolean;
  /** The nonce as unsigned hex, or null when the request carried none. */
  readonly nonce: string | null;
}

/** PKIStatus (RFC 3161 §2.4.2): 0 granted, 1 granted with modifications, 2 rejection, … */
export interface TimeStampResponse {
  readonly status: number;
  readonly statusText: string | null;
  /** The failure bits a refusing TSA set (badAlg 0, badRequest 2, badDataFormat 5, …). */
  readonly failInfo: readonly number[];
  /** The TimeStampToken (ContentInfo DER), present when the status is 0 or 1. */
  readonly token: Uint8Array | null;
}

/** @throws InputRejected (MALFORMED_INPUT) when the bytes are not a TimeStampResp */
export function parseTimeStampResponse(bytes: Uint8Array): TimeStampResponse {
  return readingUntrusted('a TimeStampResp', () => {
    // TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken TimeStampToken OPTIONAL }
    const response = expectSequence(parseDer(bytes), 'TimeStampResp');
    const [statusInfo, token, ...rest] = response.children;
    if (rest.length > 0) throw malformed('unexpected fields after the timeStampToken');
    // PKIStatusInfo ::= SEQUENCE { status PKIStatus, statusString PKIFreeText OPTIONAL, failInfo BIT STRING OPTIONAL }
    const info = expectSequence(statusInfo, 'PKIStatusInfo').children;
    const status = readSmallInteger(bytes, info[0]);
    let statusText: string | null = null;
    let failInfo: number[] = [];
    for (const field of info.slice(1)) {
      if (isUniversal(field, UniversalTag.sequence)) {
        statusText = field.children
          .map((text) => Buffer.from(contentBytes(bytes, text)).toString('utf8'))
          .join(' ')
          .slice(0, 500);
      } else if (isUniversal(field, UniversalTag.bitString)) {
        failInfo = bitsSet(contentBytes(bytes, field));
      }
    }
    return {
      status,
      statusText,
      failInfo,
      token:
        token === undefined ? null : Uint8Array.from(elementBytes(bytes, expectSequence(token, 'token'))),
    };
  });
}

/** @throws InputRejected when the bytes are not a TSTInfo, or stamp with a digest we do not accept */
export function parseTstInfo(bytes: Uint8Array): TstInfo {
  return readingUntrusted('a TSTInfo', () => {
    // TSTInfo ::= SEQUENCE { version, policy, messageImprint, serialNumber, genTime,
    //   accuracy OPTIONAL, ordering BOOLEAN DEFAULT FALSE, nonce OPTIONAL, tsa [0] OPTIONAL, extensions [1] OPTIONAL }
    const fields = expectSequence(parseDer(bytes), 'TSTInfo').children;
    if (readSmallInteger(bytes, fields[0]) !== 1) throw malformed('TSTInfo version is not 1');
    const policy = readOid(bytes, fields[1]);
    const imprint = readImprint(bytes, fields[2]);
    const serialNode = expectUniversal(fields[3], UniversalTag.integer, 'serialNumber');
    const serialBytes = contentBytes(bytes, serialNode);
    if (serialBytes.length === 0 || serialBytes.length > 160) throw malformed('bad serialNumber');
    const genTimeNode = expectUniversal(fields[4], UniversalTag.generalizedTime, 'genTime');
    const genTime = readTime(bytes, genTimeNode);
    const genTimeFraction = /[.,](\d+)Z$/.exec(
      Buffer.from(contentBytes(bytes, genTimeNode)).toString('latin1'),
    );
    const genTimeMs = genTimeFraction ? Number(`0.${genTimeFraction[1]}`) * 1000 : 0;
    let index = 5;
    let accuracyMs: number | null = null;
    if (has(fields[index], UniversalTag.sequence)) accuracyMs = readAccuracy(bytes, fields[index++]!);
    let ordering = false;
    if (has(fields[index], UniversalTag.boolean)) {
      ordering = contentBytes(bytes, fields[index++]!)[0] !== 0;
    }
    let nonce: string | null = null;
    if (has(fields[index], UniversalTag.integer)) nonce = unsignedHex(contentBytes(bytes, fields[index++]!));
    if (isContext(fields[index], 0)) index++;
    if (isContext(fields[index], 1)) index++;
    if (index !== fields.length) throw malformed('unexpected fields in TSTInfo');
    return {
      policy,
      imprint,
      serial: Buffer.from(serialBytes).toString('hex'),
      serialNegative: (serialBytes[0]! & 0x80) !== 0,
      genTime: new Date(genTime.getTime() + Math.floor(genTimeMs)),
      accuracyMs,
      ordering,
      nonce,
    };
  });
}

/** MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING } */
function readImprint(bytes: Uint8Array, node: DerNode | undefined): MessageImprint {
  const [algorithm, hashed] = expectSequence(node, 'messageImprint').children;
  const [oidNode, parameters] = expectSequence(algorithm, 'hashAlgorithm').children;
  const oid = readOid(bytes, oidNode);
  const digestName = DIGEST_BY_OID.get(oid);
  if (digestName === undefined) throw unsupported(`imprint digest ${oid} is not SHA-256, SHA-384 or SHA-512`);
  if (parameters !== undefined && !isUniversal(parameters, UniversalTag.null))
    throw malformed('hashAlgorithm parameters must be absent or NULL');
  const digest = contentBytes(bytes, expectUniversal(hashed, UniversalTag.octetString, 'hashedMessage'));
  return { algorithm: digestName, digest: Uint8Array.from(digest) };
}

/** Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] INTEGER OPTIONAL, micros [1] INTEGER OPTIONAL } */
function readAccuracy(bytes: Uint8Array, node: DerNode): number {
  let ms = 0;
  for (const part of node.children) {
    const value = Number.parseInt(unsignedHex(contentBytes(bytes, part)) || '0', 16);
    if (part.tagClass === TagClass.universal && part.tagNumber === UniversalTag.integer) ms += value * 1000;
    else if (isContext(part, 0)) ms += value;
    else if (isContext(part, 1)) ms += value / 1000;
    else throw malformed('bad accuracy');
  }
  return ms;
}

const has = (node: DerNode | undefined, tag: number): node is DerNode =>
  node !== undefined && isUniversal(node, tag);

function unsignedHex(content: Uint8Array): string {
  let i = 0;
  while (i < content.length - 1 && content[i] === 0) i++;
  return Buffer.from(content.subarray(i)).toString('hex');
}

function bitsSet(content: Uint8Array): number[] {
  const bits: number[] = [];
  for (let byte = 1; byte < content.length; byte++)
    for (let bit = 0; bit < 8; bit++) if (content[byte]! & (0x80 >> bit)) bits.push((byte - 1) * 8 + bit);
  return bits;
}

function readingUntrusted<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof DerError) throw malformed(`not ${what} (${error.message})`);
    throw error;
  }
}
