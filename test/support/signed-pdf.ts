/**
 * Signed letters for tests, made the way the product makes them: our letter (revision 1 with its
 * empty fields), prepared for a signer, the RSA PKCS #1 signature over toBeSigned made outside
 * (as the browser does), embedded. And a tampering no signature check alone can see.
 */
import { sign } from 'node:crypto';
import {
  beginText,
  endText,
  moveText,
  PDFArray,
  PDFDict,
  PDFName,
  PDFRef,
  setFontAndSize,
  showText,
  StandardFontEmbedder,
  type PDFHexString,
} from 'pdf-lib';
import { appendIncrementalUpdate } from '../../src/pdf/incremental';
import { embedSignature, prepareSignature } from '../../src/pdf/pades';
import { PdfFile } from '../../src/pdf/document';
import { editableContext } from '../../src/pdf/editable';
import type { Party } from './pki';

/** prepare → the signer's RSA signature over toBeSigned → embed, carrying `chain`. */
export async function signField(
  pdf: Buffer,
  field: string,
  party: Party,
  role: string,
  chain: readonly Party[],
): Promise<Buffer> {
  const prepared = await prepareSignature(pdf, {
    field,
    certificate: party.certDer,
    signer: { name: party.identity.name, rfc: party.identity.rfc ?? null, role },
    signingTime: new Date(),
  });
  return embedSignature(prepared, {
    signature: sign('sha256', prepared.toBeSigned, party.keyPem),
    certificate: party.certDer,
    chain: chain.map((ca) => ca.certDer),
  });
}

/** An incremental update, made with our writer, that draws text on the signed page. */
export function drawOnPage(pdf: Buffer): Buffer {
  const file = PdfFile.read(pdf);
  const context = editableContext(file);
  const pages = context.lookup(
    context.lookup(context.trailerInfo.Root, PDFDict).get(PDFName.of('Pages'))!,
    PDFDict,
  );
  const pageRef = pages.lookup(PDFName.of('Kids'), PDFArray).get(1) as PDFRef;
  const page = context.lookup(pageRef, PDFDict);
  const font = StandardFontEmbedder.for('Helvetica-Bold' as never);
  const fontRef = font.embedIntoContext(context);
  const text: PDFHexString = font.encodeText('PÁGINA ALTERADA DESPUÉS DE FIRMAR');
  const content = context.register(
    context.contentStream([
      beginText(),
      setFontAndSize('FX', 14),
      moveText(72, 700),
      showText(text),
      endText(),
    ]),
  );
  page.set(PDFName.of('Contents'), context.obj([page.get(PDFName.of('Contents'))!, content]));
  // Resources, and fonts in them, may be indirect objects of their own: those change too.
  const resources = page.get(PDFName.of('Resources'))!;
  const fonts = context.lookup(resources, PDFDict).get(PDFName.of('Font'))!;
  context.lookup(fonts, PDFDict).set(PDFName.of('FX'), fontRef);
  const changed = [pageRef, content, fontRef, ...[resources, fonts].filter((o) => o instanceof PDFRef)];
  return appendIncrementalUpdate(
    file,
    context,
    changed.map((ref) => ({ ref, body: context.lookup(ref)! })),
  ).pdf;
}

/**
 * Appends a revision of raw objects (their bodies as PDF text), numbered from the file's /Size on,
 * with a classic cross-reference section. With `referenced`, the catalog is rewritten to name them
 * all (under /Extra): a change no rule allows, from which every one of them hangs.
 */
export function appendRawRevision(pdf: Buffer, bodies: readonly string[], referenced = false): Buffer {
  const file = PdfFile.read(pdf);
  const newest = file.revisions[file.newest]!;
  const size = newest.trailer.get('Size') as number;
  const root = newest.trailer.get('Root') as PdfRefValue;
  const objects: [number, string][] = bodies.map((body, i) => [size + i, body]);
  if (referenced) {
    const { start, end } = file.extent(file.entry(root.num) as never);
    const text = pdf.toString('latin1', start, end);
    const body = text.slice(text.indexOf('obj') + 3, text.lastIndexOf('>>'));
    objects.push([root.num, `${body} /Extra [${objects.map(([n]) => `${n} 0 R`).join(' ')}] >>`]);
  }
  const parts: Buffer[] = [pdf];
  let offset = pdf.length;
  const push = (text: string): void => {
    const bytes = Buffer.from(text, 'latin1');
    parts.push(bytes);
    offset += bytes.length;
  };
  const offsets = new Map<number, number>();
  for (const [num, body] of objects) {
    offsets.set(num, offset);
    push(`${num} 0 obj\n${body}\nendobj\n`);
  }
  const xrefAt = offset;
  push(
    `xref\n${[...offsets].map(([num, at]) => `${num} 1\n${String(at).padStart(10, '0')} 00000 n \n`).join('')}`,
  );
  push(
    `trailer\n<< /Size ${size + bodies.length} /Root ${root.num} ${root.gen} R /Prev ${newest.xrefOffset} >>\nstartxref\n${xrefAt}\n%%EOF\n`,
  );
  return Buffer.concat(parts);
}

type PdfRefValue = { readonly num: number; readonly gen: number };
