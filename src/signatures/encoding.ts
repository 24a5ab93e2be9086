/** Turning what users hand us (DER, PEM, base64 text) into DER bytes. */

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 #]+)-----([\s\S]*?)-----END \1-----/g;
const BASE64_TEXT = /^[A-Za-z0-9+/=\s]+$/;

/** The DER blocks of a PEM text whose label is one of `labels`, in order. */
export function pemBlocks(text: string, labels: readonly string[]): Uint8Array[] {
  const blocks: Uint8Array[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    if (labels.includes(match[1]!)) blocks.push(Buffer.from(match[2]!.replace(/\s+/g, ''), 'base64'));
  }
  return blocks;
}

/** Printable ASCII (with tab, CR and LF), as PEM and base64 files are. */
function isPrintableAscii(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if ((b < 0x20 || b > 0x7e) && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
  }
  return true;
}

function asText(bytes: Uint8Array): string | null {
  // Text inputs are short; binary DER almost never is printable ASCII throughout.
  if (bytes.length === 0 || bytes.length > 16 * 1024 * 1024 || !isPrintableAscii(bytes)) return null;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

/**
 * DER bytes from DER, PEM with one of `labels`, or bare base64 text. Anything else is returned as
 * it came and will be judged by the parser.
 */
export function toDer(bytes: Uint8Array, labels: readonly string[]): Uint8Array {
  const text = asText(bytes);
  if (text === null) return bytes;
  if (text.includes('-----BEGIN ')) return pemBlocks(text, labels)[0] ?? new Uint8Array(0);
  const compact = text.replace(/\s+/g, '');
  if (compact.length >= 4 && compact.length % 4 === 0 && BASE64_TEXT.test(text)) {
    return Buffer.from(compact, 'base64');
  }
  return bytes;
}

export const CERTIFICATE_LABELS = ['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE'] as const;
export const CMS_LABELS = ['PKCS7', 'CMS', 'SIGNED DATA'] as const;
export const CRL_LABELS = ['X509 CRL'] as const;

/** Every certificate in a file: all PEM blocks, or the one DER certificate. */
export function certificatesIn(bytes: Uint8Array): Uint8Array[] {
  const text = asText(bytes);
  if (text?.includes('-----BEGIN ')) return pemBlocks(text, CERTIFICATE_LABELS);
  return [toDer(bytes, CERTIFICATE_LABELS)];
}

/** Every CRL in a file: all PEM blocks, or the one DER CRL. */
export function crlsIn(bytes: Uint8Array): Uint8Array[] {
  const text = asText(bytes);
  if (text?.includes('-----BEGIN ')) return pemBlocks(text, CRL_LABELS);
  return [toDer(bytes, CRL_LABELS)];
}
