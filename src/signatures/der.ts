/**
 * A small, bounded reader of DER/BER (ITU-T X.690) that keeps byte offsets.
 *
 * Why not only node-forge's `asn1.fromDer`: a signature covers exact bytes (the TBSCertificate,
 * the SubjectPublicKeyInfo, the signed attributes of a SignerInfo). Forge's tree has no offsets,
 * and re-encoding it is not guaranteed to give back the bytes that were signed. This reader finds
 * those spans; node-forge still interprets X.509 fields (names, extensions, validity, keys).
 *
 * It is iterative (hostile nesting cannot exhaust the stack), bounded in depth and node count,
 * and throws only {@link DerError}.
 */

export class DerError extends Error {
  override readonly name = 'DerError';
}

export const TagClass = { universal: 0, application: 1, context: 2, private: 3 } as const;

export const UniversalTag = {
  boolean: 1,
  integer: 2,
  bitString: 3,
  octetString: 4,
  null: 5,
  oid: 6,
  utf8String: 12,
  sequence: 16,
  set: 17,
  printableString: 19,
  ia5String: 22,
  utcTime: 23,
  generalizedTime: 24,
} as const;

export interface DerNode {
  readonly tagClass: number;
  readonly constructed: boolean;
  readonly tagNumber: number;
  /** Offset of the identifier octet. */
  readonly start: number;
  /** Offset of the first content octet. */
  readonly contentStart: number;
  /** Offset just past the content (before the end-of-contents octets of an indefinite length). */
  contentEnd: number;
  /** Offset just past the whole element. */
  end: number;
  readonly children: DerNode[];
}

export interface DerLimits {
  /** Deepest nesting accepted. CMS with certificates needs about 12. */
  readonly maxDepth: number;
  /** Most elements accepted in one input. */
  readonly maxNodes: number;
  /**
   * DER only (X.690 §10.1): definite lengths in their shortest form. What a certificate must be
   * (RFC 5280 §4.1): otherwise one certificate has several spellings, each with its own digest,
   * which would let one certificate pass for several where certificates are told apart by digest.
   * A CMS may be BER (indefinite lengths), so this is not the default.
   */
  readonly strict?: boolean;
}

const DEFAULT_LIMITS: DerLimits = { maxDepth: 40, maxNodes: 200_000 };

/** The default limits, DER only. */
export const STRICT_DER: DerLimits = { ...DEFAULT_LIMITS, strict: true };

interface Frame {
  readonly node: DerNode;
  /** End offset for a definite length, or undefined for an indefinite one. */
  readonly limit: number | undefined;
}

/**
 * Parses one complete element that must span all of `bytes`.
 * @throws DerError on anything that is not well-formed, too deep or too large.
 */
export function parseDer(bytes: Uint8Array, limits: DerLimits = DEFAULT_LIMITS): DerNode {
  const stack: Frame[] = [];
  let root: DerNode | undefined;
  let pos = 0;
  let count = 0;

  for (;;) {
    const top = stack.at(-1);
    if (top === undefined && root !== undefined) break;
    if (top !== undefined) {
      if (top.limit !== undefined && pos === top.limit) {
        top.node.contentEnd = pos;
        top.node.end = pos;
        stack.pop();
        continue;
      }
      if (top.limit === undefined && bytes[pos] === 0 && bytes[pos + 1] === 0) {
        top.node.contentEnd = pos;
        top.node.end = pos + 2;
        pos += 2;
        stack.pop();
        continue;
      }
    }
    const bound = stackLimit(stack, bytes.length);
    const node = readHeader(bytes, pos, bound, limits.strict === true);
    if (++count > limits.maxNodes) throw new DerError('too many ASN.1 elements');
    if (top === undefined) root = node;
    else top.node.children.push(node);

    if (node.constructed) {
      if (stack.length + 1 > limits.maxDepth) throw new DerError('ASN.1 nesting too deep');
      const limit = node.end === -1 ? undefined : node.end;
      stack.push({ node, limit });
      pos = node.contentStart;
    } else {
      pos = node.end;
    }
  }
  if (root === undefined || pos !== bytes.length) {
    throw new DerError('trailing bytes after the ASN.1 element');
  }
  return root;
}

function stackLimit(stack: readonly Frame[], total: number): number {
  for (let i = stack.length - 1; i >= 0; i--) {
    const limit = stack[i]!.limit;
    if (limit !== undefined) return limit;
  }
  return total;
}

/** Reads identifier and length octets; `end` is -1 for an indefinite length. */
function readHeader(bytes: Uint8Array, start: number, bound: number, strict: boolean): DerNode {
  let pos = start;
  if (pos >= bound) throw new DerError('truncated ASN.1 element');
  const first = bytes[pos++]!;
  const tagClass = first >> 6;
  const constructed = (first & 0x20) !== 0;
  let tagNumber = first & 0x1f;
  if (tagNumber === 0x1f) {
    tagNumber = 0;
    for (let i = 0; ; i++) {
      if (i === 4 || pos >= bound) throw new DerError('bad ASN.1 tag');
      const b = bytes[pos++]!;
      tagNumber = tagNumber * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  }
  if (pos >= bound) throw new DerError('truncated ASN.1 length');
  const lengthOctet = bytes[pos++]!;
  let end: number;
  if (lengthOctet < 0x80) {
    end = pos + lengthOctet;
  } else if (lengthOctet === 0x80) {
    if (!constructed) throw new DerError('indefinite length on a primitive element');
    if (strict) throw new DerError('indefinite length where DER is required');
    end = -1;
  } else {
    const n = lengthOctet & 0x7f;
    if (n > 4) throw new DerError('ASN.1 length too large');
    let length = 0;
    for (let i = 0; i < n; i++) {
      if (pos >= bound) throw new DerError('truncated ASN.1 length');
      length = length * 256 + bytes[pos++]!;
    }
    // DER: the long form only past 127, and no leading zero octet.
    if (strict && (length < 0x80 || length < 256 ** (n - 1)))
      throw new DerError('a length not in its shortest form where DER is required');
    end = pos + length;
  }
  if (end > bound) throw new DerError('ASN.1 length exceeds the enclosing element');
  const contentEnd = end;
  return { tagClass, constructed, tagNumber, start, contentStart: pos, contentEnd, end, children: [] };
}

// ---- Accessors: each checks the shape it expects and throws DerError otherwise. ----

export function isUniversal(node: DerNode, tag: number): boolean {
  return node.tagClass === TagClass.universal && node.tagNumber === tag;
}

export function isContext(node: DerNode | undefined, tag: number): node is DerNode {
  return node !== undefined && node.tagClass === TagClass.context && node.tagNumber === tag;
}

export function expectUniversal(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (node === undefined || !isUniversal(node, tag)) throw new DerError(`expected ${what}`);
  const constructedTag = tag === UniversalTag.sequence || tag === UniversalTag.set;
  if (node.constructed !== constructedTag) throw new DerError(`malformed ${what}`);
  return node;
}

export function expectSequence(node: DerNode | undefined, what: string): DerNode {
  return expectUniversal(node, UniversalTag.sequence, what);
}

/** The whole element (identifier, length and content). */
export function elementBytes(bytes: Uint8Array, node: DerNode): Uint8Array {
  return bytes.subarray(node.start, node.end);
}

/** The content octets of a primitive element. */
export function contentBytes(bytes: Uint8Array, node: DerNode): Uint8Array {
  if (node.constructed) throw new DerError('expected a primitive element');
  return bytes.subarray(node.contentStart, node.contentEnd);
}

/** Dotted OID from an OBJECT IDENTIFIER element (X.690 §8.19). */
export function readOid(bytes: Uint8Array, node: DerNode | undefined): string {
  const content = contentBytes(bytes, expectUniversal(node, UniversalTag.oid, 'an OID'));
  if (content.length === 0 || content.length > 64) throw new DerError('bad OID length');
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < content.length; i++) {
    const b = content[i]!;
    if (value === 0 && b === 0x80) throw new DerError('non-minimal OID arc');
    value = value * 128 + (b & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OID arc too large');
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) {
        const first = value < 80 ? Math.floor(value / 40) : 2;
        arcs.push(first, value - first * 40);
      } else {
        arcs.push(value);
      }
      value = 0;
    } else if (i === content.length - 1) {
      throw new DerError('truncated OID');
    }
  }
  return arcs.join('.');
}

/** Big-endian INTEGER content as lowercase hex, without the sign-padding zero octet. */
export function readIntegerHex(bytes: Uint8Array, node: DerNode | undefined): string {
  const content = contentBytes(bytes, expectUniversal(node, UniversalTag.integer, 'an INTEGER'));
  if (content.length === 0) throw new DerError('empty INTEGER');
  let i = 0;
  while (i < content.length - 1 && content[i] === 0) i++;
  return Buffer.from(content.subarray(i)).toString('hex');
}

export function readSmallInteger(bytes: Uint8Array, node: DerNode | undefined): number {
  const hex = readIntegerHex(bytes, node);
  if (hex.length > 8) throw new DerError('INTEGER too large');
  return parseInt(hex, 16);
}

/** UTCTime or GeneralizedTime (RFC 5280 §4.1.2.5 forms, plus fractional seconds). */
export function readTime(bytes: Uint8Array, node: DerNode | undefined): Date {
  if (node === undefined || node.tagClass !== TagClass.universal || node.constructed) {
    throw new DerError('expected a time');
  }
  const text = Buffer.from(contentBytes(bytes, node)).toString('latin1');
  let match: RegExpExecArray | null;
  let year: number;
  if (node.tagNumber === UniversalTag.utcTime) {
    match = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?Z$/.exec(text);
    if (!match) throw new DerError('bad UTCTime');
    const yy = Number(match[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy; // RFC 5280 §4.1.2.5.1
  } else if (node.tagNumber === UniversalTag.generalizedTime) {
    match = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?(?:[.,]\d+)?Z$/.exec(text);
    if (!match) throw new DerError('bad GeneralizedTime');
    year = Number(match[1]);
  } else {
    throw new DerError('expected a time');
  }
  const [month, day, hour, minute, second] = [2, 3, 4, 5, 6].map((i) => Number(match![i] ?? 0));
  const date = new Date(Date.UTC(year, month! - 1, day, hour, minute, second));
  if (Number.isNaN(date.getTime()) || date.getUTCMonth() !== month! - 1) {
    throw new DerError('invalid date');
  }
  return date;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/**
 * The URIs of a DistributionPointName's fullName ([0] GeneralNames), `uniformResourceIdentifier`
 * ([6] IA5String) names only; null when the name is relative to the issuer.
 */
export function distributionPointUris(bytes: Uint8Array, name: DerNode): string[] | null {
  const fullName = name.children.find((c) => isContext(c, 0));
  if (fullName === undefined) return null;
  return fullName.children
    .filter((general) => isContext(general, 6))
    .map((general) => Buffer.from(contentBytes(bytes, general)).toString('latin1'));
}
