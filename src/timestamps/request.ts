/**
 * RFC 3161 requests (TimeStampReq, §2.4.1), written with node-forge's ASN.1 module as the PAdES
 * CMS is (src/pdf/cms.ts): version 1, the imprint, a fresh 64-bit nonce, and certReq true so
 * that the token carries the TSA's certificate (what the verifier and, later, the PDF's DSS need).
 */
import { randomBytes } from 'node:crypto';
import forge from 'node-forge';
import { OID } from '../signatures/oids';
import type { MessageImprint } from './token';

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;

const universal = (type: number, constructed: boolean, value: string | Asn1[]): Asn1 =>
  asn1.create(asn1.Class.UNIVERSAL, type, constructed, value);

export interface TimestampRequest {
  readonly der: Buffer;
  /** The nonce sent, as the hex of its eight bytes (a TSTInfo carries it back as the same integer). */
  readonly nonce: string;
}

export function timestampRequest(imprint: MessageImprint, policy?: string): TimestampRequest {
  // A positive INTEGER: the first byte's top bit clear, and no leading zero byte.
  const nonceBytes = randomBytes(8);
  nonceBytes[0] = (nonceBytes[0]! & 0x7f) | 0x01;
  const algorithm = { sha256: OID.sha256, sha384: OID.sha384, sha512: OID.sha512 }[imprint.algorithm];
  const fields: Asn1[] = [
    universal(asn1.Type.INTEGER, false, asn1.integerToDer(1).getBytes()),
    universal(asn1.Type.SEQUENCE, true, [
      universal(asn1.Type.SEQUENCE, true, [
        universal(asn1.Type.OID, false, asn1.oidToDer(algorithm).getBytes()),
      ]),
      universal(asn1.Type.OCTETSTRING, false, Buffer.from(imprint.digest).toString('binary')),
    ]),
  ];
  if (policy !== undefined) fields.push(universal(asn1.Type.OID, false, asn1.oidToDer(policy).getBytes()));
  fields.push(universal(asn1.Type.INTEGER, false, nonceBytes.toString('binary')));
  fields.push(universal(asn1.Type.BOOLEAN, false, String.fromCharCode(0xff)));
  const der = Buffer.from(asn1.toDer(universal(asn1.Type.SEQUENCE, true, fields)).getBytes(), 'binary');
  return { der, nonce: nonceBytes.toString('hex') };
}
