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
import { loadRevision, readRevisions } from '../../src/pdf/revisions';
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
  const revisions = readRevisions(pdf);
  const context = loadRevision(pdf, revisions);
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
    pdf,
    revisions,
    context,
    changed.map((ref) => ({ ref, body: context.lookup(ref)! })),
  ).pdf;
}
