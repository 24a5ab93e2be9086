import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { renderLetterPdf } from '../../src/activities/letter';
import { SIGNATURE_FIELD } from '../../src/domain/process';
import { originalRevision, readEmbeddedSignatures } from '../../src/pdf/embedded';
import {
  embedSignature,
  PdfSigningError,
  prepareSignature,
  type PreparedSignature,
} from '../../src/pdf/pades';
import { PdfFile } from '../../src/pdf/document';
import { DocumentStructure } from '../../src/pdf/structure';
import { addSignatureFields, type FieldPlacement } from '../../src/pdf/signature-fields';
import { verifyPdfSignatures } from '../../src/pdf/verify-pdf';
import { SignatureVerifier, TrustStore } from '../../src/signatures';
import { HUIXQUILUCAN } from '../support/letters';
import { signingFixtures, type SigningFixtures } from '../support/fixtures';
import { drawOnPage, signField } from '../support/signed-pdf';
import {
  nssDatabase,
  pdfsig,
  PYHANKO_HELPER,
  pyhankoPython,
  pyhankoValidate,
} from '../support/pdf-validators';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('PAdES signatures in the letter', function () {
  this.timeout(60_000); // the first test of a run generates the test PKI
  let f: SigningFixtures;
  let verifier: SignatureVerifier;
  let letter: Buffer; // revision 1
  let signed1: Buffer;
  let signed2: Buffer;
  let scratch: string;

  const file = (name: string, bytes: Uint8Array): string => {
    const path = join(scratch, name);
    writeFileSync(path, bytes);
    return path;
  };

  before(async function () {
    f = signingFixtures();
    verifier = new SignatureVerifier(TrustStore.fromCertificates([f.root.certDer]));
    scratch = mkdtempSync(join(tmpdir(), 'manifiesta-pades-'));
    letter = await renderLetterPdf(HUIXQUILUCAN);
    signed1 = await signField(
      letter,
      SIGNATURE_FIELD.municipal,
      f.president,
      'Presidenta Municipal de Huixquilucan',
      [f.intermediate],
    );
    signed2 = await signField(
      signed1,
      SIGNATURE_FIELD.institute,
      f.commissioner,
      'Comisionado Presidente del Infoem',
      [f.intermediate],
    );
  });

  it('revision 1 carries both empty signature fields, and is the same for the same letter', async function () {
    const again = await renderLetterPdf(HUIXQUILUCAN);
    assert.equal(sha256(again), sha256(letter));
    const file = PdfFile.read(letter);
    assert.equal(file.revisions.length, 1);
    assert.equal(letter.subarray(0, 8).toString('latin1'), '%PDF-1.7');
    const structure = new DocumentStructure(file, 0);
    assert.deepEqual(
      structure.signatureFields.map((x) => [x.name, x.value, x.widgets.length]),
      [
        [SIGNATURE_FIELD.municipal, undefined, 1],
        [SIGNATURE_FIELD.institute, undefined, 1],
      ],
    );
    assert.equal(structure.acroForm?.get('SigFlags'), 3);
    assert.ok(file.dict(structure.catalog.get('Extensions'))?.has('ESIC'));
    const duplicate: FieldPlacement = {
      name: SIGNATURE_FIELD.municipal,
      pageIndex: 0,
      rect: [72, 72, 294, 150],
    };
    await assert.rejects(addSignatureFields(letter, [duplicate]), /already has a field named FirmaMunicipal/);
  });

  it('signs twice as incremental updates that only fill the fields; the letter stays an exact prefix', function () {
    assert.ok(signed2.subarray(0, letter.length).equals(letter));
    assert.ok(signed2.subarray(0, signed1.length).equals(signed1));
    assert.ok(originalRevision(signed2).equals(letter));
    const { revisions } = PdfFile.read(signed2);
    assert.equal(revisions.length, 3);
    // Each update: the field (now with /V and /AP), the /Sig dictionary, the appearance and its two fonts.
    for (const revision of revisions.slice(1)) assert.equal(revision.entries.size, 5);
    const found = readEmbeddedSignatures(signed2);
    assert.deepEqual(
      found.map((s) => [s.field, s.subFilter, s.revision, s.coversWholeFile, s.problems.length]),
      [
        [SIGNATURE_FIELD.municipal, 'ETSI.CAdES.detached', 2, false, 0],
        [SIGNATURE_FIELD.institute, 'ETSI.CAdES.detached', 3, true, 0],
      ],
    );
    assert.equal(found[0]!.revisionEnd, signed1.length);
    // The appearance is drawn with WinAnsi Helvetica: accents survive (pdftotext reads them back).
    const text = execFileSync('pdftotext', [
      '-f',
      '2',
      '-l',
      '2',
      file('signed-2.pdf', signed2),
      '-',
    ]).toString();
    for (const line of [
      'Firmado electrónicamente con e.firma',
      'JOSÉ MARTÍNEZ VILCHIS',
      'RFC: COCR800101AB1',
    ])
      assert.ok(text.includes(line), `${line} not in\n${text}`);
    assert.match(text, /\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d \(hora de la Ciudad de México\)/);
  });

  it('finds both signatures valid, by the expected signers, with only signing after the first', function () {
    const result = verifyPdfSignatures(signed2, verifier, {
      expectedSigners: {
        [SIGNATURE_FIELD.municipal]: { rfc: 'COCR800101AB1', curp: 'COCR800101MMCNRM09' },
        [SIGNATURE_FIELD.institute]: { rfc: 'MAVJ650101CD2' },
      },
    });
    assert.equal(result.valid, true, JSON.stringify(result, null, 1));
    assert.equal(result.originalSha256, sha256(letter));
    assert.deepEqual(
      result.signatures.map((s) => [
        s.field,
        s.report.signer?.name,
        s.report.identityBasis,
        s.coversWholeFile,
      ]),
      [
        [SIGNATURE_FIELD.municipal, 'ROMINA CONTRERAS CARRASCO', 'rfc-curp', false],
        [SIGNATURE_FIELD.institute, 'JOSÉ MARTÍNEZ VILCHIS', 'rfc-curp', true],
      ],
    );
    assert.deepEqual(result.signatures[0]!.modifications.details, [
      'revision 3: signature field FirmaInstitucional signed',
    ]);
    const swapped = verifyPdfSignatures(signed2, verifier, {
      expectedSigners: { [SIGNATURE_FIELD.municipal]: { rfc: 'MAVJ650101CD2' } },
    });
    assert.equal(swapped.signatures[0]!.code, 'SIGNER_MISMATCH');
  });

  it('one changed byte in revision 1 invalidates both signatures', function () {
    const result = verifyPdfSignatures(tamperedRevision1(signed2), verifier);
    assert.equal(result.valid, false);
    assert.deepEqual(
      result.signatures.map((s) => s.code),
      ['DOCUMENT_MISMATCH', 'DOCUMENT_MISMATCH'],
    );
  });

  it('text drawn on the page after signing is DOCUMENT_MODIFIED_AFTER_SIGNING, though the CMS still verifies', function () {
    const result = verifyPdfSignatures(drawOnPage(signed2), verifier);
    assert.equal(result.valid, false);
    for (const signature of result.signatures) {
      assert.equal(signature.report.valid, true);
      assert.equal(signature.code, 'DOCUMENT_MODIFIED_AFTER_SIGNING');
      const details = signature.modifications.details;
      assert.ok(
        details.includes('revision 4: not allowed: page 2 changed /Contents, /Resources'),
        details.join('\n'),
      );
    }
  });

  describe('refusals', function () {
    let prepared: PreparedSignature;
    const refuses = (run: () => unknown, code: string): void =>
      assert.throws(run, (e: unknown) => e instanceof PdfSigningError && e.code === code);
    const refusesAsync = (run: Promise<unknown>, code: string): Promise<void> =>
      assert.rejects(run, (e: unknown) => e instanceof PdfSigningError && e.code === code);

    before(async function () {
      prepared = await prepareSignature(signed1, {
        field: SIGNATURE_FIELD.institute,
        certificate: f.commissioner.certDer,
        signer: { name: 'JOSÉ MARTÍNEZ VILCHIS', rfc: 'MAVJ650101CD2', role: 'Comisionado' },
        signingTime: new Date(),
      });
    });

    it('embedSignature: a signature that does not verify, or someone else’s certificate', function () {
      const { commissioner, president } = f;
      const overOtherBytes = sign('sha256', Buffer.from('otra cosa'), commissioner.keyPem);
      refuses(
        () => embedSignature(prepared, { signature: overOtherBytes, certificate: commissioner.certDer }),
        'SIGNATURE_INVALID',
      );
      const byPresident = sign('sha256', prepared.toBeSigned, president.keyPem);
      refuses(
        () => embedSignature(prepared, { signature: byPresident, certificate: president.certDer }),
        'SIGNATURE_INVALID',
      );
      refuses(
        () => embedSignature(prepared, { signature: byPresident, certificate: commissioner.certDer }),
        'SIGNATURE_INVALID',
      );
    });

    it('embedSignature: a re-used or mismatched prepared revision, or a CMS too large', async function () {
      const signature = sign('sha256', prepared.toBeSigned, f.commissioner.keyPem);
      const embedded = embedSignature(prepared, { signature, certificate: f.commissioner.certDer });
      refuses(
        () =>
          embedSignature({ ...prepared, pdf: embedded }, { signature, certificate: f.commissioner.certDer }),
        'ALREADY_SIGNED',
      );
      const other = await prepareSignature(signed1, {
        field: SIGNATURE_FIELD.institute,
        certificate: f.commissioner.certDer,
        signer: { name: 'JOSÉ MARTÍNEZ VILCHIS', rfc: 'MAVJ650101CD2', role: 'Comisionado' },
        signingTime: new Date(Date.now() - 60_000),
      });
      const input = { signature, certificate: f.commissioner.certDer };
      refuses(
        () => embedSignature({ ...prepared, toBeSigned: other.toBeSigned }, input),
        'DOCUMENT_MISMATCH',
      );
      const altered = Buffer.from(prepared.pdf);
      altered[letter.length + 100]! ^= 0x01; // the stored copy is not the prepared bytes
      refuses(() => embedSignature({ ...prepared, pdf: altered }, input), 'DOCUMENT_MISMATCH');
      const chain = Array<Buffer>(12).fill(f.root.certDer);
      refuses(
        () => embedSignature(prepared, { signature, certificate: f.commissioner.certDer, chain }),
        'PAYLOAD_TOO_LARGE',
      );
    });

    it('prepareSignature: a signed or missing field, an unembedded preparation, a file it cannot extend', async function () {
      const input = {
        certificate: f.president.certDer,
        signer: { name: 'X', rfc: null, role: 'X' },
        signingTime: new Date(),
      };
      await refusesAsync(
        prepareSignature(signed1, { ...input, field: SIGNATURE_FIELD.municipal }),
        'ALREADY_SIGNED',
      );
      await refusesAsync(prepareSignature(signed1, { ...input, field: 'FirmaTestigo' }), 'MALFORMED_INPUT');
      await refusesAsync(
        prepareSignature(prepared.pdf, { ...input, field: SIGNATURE_FIELD.municipal }),
        'MALFORMED_INPUT',
      );
      const withStreams = await (await PDFDocument.load(letter)).save({ useObjectStreams: true });
      await refusesAsync(
        prepareSignature(withStreams, { ...input, field: SIGNATURE_FIELD.municipal }),
        'MALFORMED_INPUT',
      );
      await refusesAsync(
        prepareSignature(letter.subarray(0, 4000), { ...input, field: SIGNATURE_FIELD.municipal }),
        'MALFORMED_INPUT',
      );
    });
  });

  describe('independent validators', function () {
    this.timeout(60_000);

    it('poppler pdfsig: both signatures valid and trusted; a changed byte is a digest mismatch', function () {
      const nss = nssDatabase([f.root]);
      const valid = pdfsig(signed2, nss);
      assert.equal(valid.match(/Signature Validation: Signature is Valid\./g)?.length, 2, valid);
      assert.equal(valid.match(/Certificate Validation: Certificate is Trusted\./g)?.length, 2, valid);
      const tampered = pdfsig(tamperedRevision1(signed2), nss);
      assert.equal(tampered.match(/Signature Validation: Digest Mismatch\./g)?.length, 2, tampered);
    });

    it('pyHanko: both INTACT:TRUSTED, the first with acceptable modifications; changes break them', function () {
      assert.deepEqual(pyhankoValidate(signed2, f.root), {
        status: 0,
        lines: [
          'FirmaMunicipal: INTACT:TRUSTED,EXTENDED_WITH_FORM_FILLING,ACCEPTABLE_MODIFICATIONS coverage=ENTIRE_REVISION modifications=FORM_FILLING',
          'FirmaInstitucional: INTACT:TRUSTED,UNTOUCHED coverage=ENTIRE_FILE modifications=NONE',
        ],
      });
      const tampered = pyhankoValidate(tamperedRevision1(signed2), f.root);
      assert.equal(tampered.status, 1);
      for (const line of tampered.lines) assert.match(line, /: INVALID /);
      const drawn = pyhankoValidate(drawOnPage(signed2), f.root);
      assert.equal(drawn.status, 1);
      for (const line of drawn.lines) assert.match(line, /ILLEGAL_MODIFICATIONS/);
    });

    it('reads and verifies a letter whose second signature pyHanko made', function () {
      const out = join(scratch, 'pyhanko-signed.pdf');
      const keyArgs = [
        '--key',
        f.commissioner.keyPath,
        '--cert',
        f.commissioner.certPath,
        '--chain',
        f.intermediate.certPath,
      ];
      const args = [
        'sign',
        'addsig',
        '--field',
        SIGNATURE_FIELD.institute,
        'pemder',
        ...keyArgs,
        '--no-pass',
      ];
      execFileSync(
        pyhankoPython(),
        [PYHANKO_HELPER, '--cli', ...args, file('pyhanko-in.pdf', signed1), out],
        {
          stdio: 'pipe',
        },
      );
      const result = verifyPdfSignatures(readFileSync(out), verifier);
      assert.equal(
        result.valid,
        true,
        JSON.stringify(
          result.signatures.map((s) => [s.code, s.problems, s.modifications]),
          null,
          1,
        ),
      );
      assert.equal(result.signatures[1]!.report.signer?.rfc, 'MAVJ650101CD2');
      assert.ok(
        result.signatures[0]!.modifications.details.includes(
          'revision 3: signature field FirmaInstitucional signed',
        ),
      );
    });
  });

  /** One bit flipped in the letter's first stream, well inside revision 1. */
  function tamperedRevision1(pdf: Buffer): Buffer {
    const copy = Buffer.from(pdf);
    const at = copy.indexOf('stream\n', 0, 'latin1') + 64;
    assert.ok(at < letter.length);
    copy[at] = copy[at]! ^ 0x01;
    return copy;
  }
});
