/**
 * PAdES baseline T in the letter: a signature's CMS gains a TSA's token over its signature value,
 * written into its own /Contents. What the signature signed is unchanged (poppler and pyHanko still
 * say so), our verifier reports B-T with the TSA's genTime as the time of record, and each way to
 * fool it is refused: a token over another signature, a stamp after a later revision, a second one.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { renderLetterPdf } from '../../src/activities/letter';
import { SIGNATURE_FIELD } from '../../src/domain/process';
import { PdfSigningError } from '../../src/pdf/pades';
import { addSignatureTimestamp, signatureValue } from '../../src/pdf/signature-timestamp';
import { verifyPdfSignatures } from '../../src/pdf/verify-pdf';
import { parseCertificate } from '../../src/signatures/certificate';
import { SignatureVerifier, TrustStore } from '../../src/signatures';
import { timestampRequest } from '../../src/timestamps/request';
import type { TimestampTrust } from '../../src/timestamps/verify';
import { signingFixtures, type SigningFixtures } from '../support/fixtures';
import { HUIXQUILUCAN } from '../support/letters';
import { pdfsigVerdicts, pyhankoValidate } from '../support/pdf-validators';
import { signField } from '../support/signed-pdf';
import { opensslTsaReply, testTsaParties } from '../support/timestamp-tokens';

const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();

/** OpenSSL's TSA's token over `value`'s SHA-256. */
const tokenOver = (value: Uint8Array): Buffer =>
  opensslTsaReply(timestampRequest({ algorithm: 'sha256', digest: sha256(value) }).der).token;

describe('signature time-stamps in the letter (PAdES B-T)', function () {
  this.timeout(120_000);
  let f: SigningFixtures;
  let verifier: SignatureVerifier;
  let tsaTrust: TimestampTrust;
  let signed1: Buffer;

  before(async function () {
    f = signingFixtures();
    verifier = new SignatureVerifier(TrustStore.fromCertificates([f.root.certDer]));
    tsaTrust = { anchors: [parseCertificate(testTsaParties().root.certDer)] };
    const letter = await renderLetterPdf(HUIXQUILUCAN);
    signed1 = await signField(letter, SIGNATURE_FIELD.municipal, f.president, 'Presidenta Municipal', [
      f.intermediate,
    ]);
  });

  it('stamps the signature in place: the same bytes signed, B-T with the TSA’s time; poppler and pyHanko agree', async function () {
    const stamped = addSignatureTimestamp(
      signed1,
      SIGNATURE_FIELD.municipal,
      tokenOver(signatureValue(signed1, SIGNATURE_FIELD.municipal)),
    );
    assert.equal(stamped.length, signed1.length, 'nothing is appended');
    const before = verifyPdfSignatures(signed1, verifier, { timestampTrust: tsaTrust });
    const after = verifyPdfSignatures(stamped, verifier, { timestampTrust: tsaTrust });
    assert.equal(before.signatures[0]!.level, 'B-B');
    assert.equal(before.signatures[0]!.timestamp, null);
    const signature = after.signatures[0]!;
    assert.equal(signature.valid, true, signature.code);
    assert.equal(signature.level, 'B-T');
    assert.match(signature.timestamp!.tsa!, /TSA de Prueba/);
    // The time of record is the TSA's: the report was judged at its genTime.
    assert.equal(signature.report.verifiedAt, signature.timestamp!.genTime);
    // Without TSA anchors the token is read, not judged, and the signature stays B-B.
    const unjudged = verifyPdfSignatures(stamped, verifier).signatures[0]!;
    assert.equal(unjudged.level, 'B-B');
    assert.equal(unjudged.timestamp!.valid, null);

    assert.deepEqual(
      pdfsigVerdicts(stamped, [f.root]).map((v) => v.signatureValid),
      ['Signature is Valid.'],
    );
    const pyhanko = pyhankoValidate(stamped, f.root); // trusting the tests' TSA root too
    assert.equal(pyhanko.status, 0, pyhanko.lines.join('\n'));
    assert.match(pyhanko.lines[0]!, /^FirmaMunicipal: INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>/);

    // The countersignature goes on top of the stamped revision, and both stay valid.
    const signed2 = await signField(stamped, SIGNATURE_FIELD.institute, f.commissioner, 'Comisionado', [
      f.intermediate,
    ]);
    const both = verifyPdfSignatures(signed2, verifier, { timestampTrust: tsaTrust });
    assert.deepEqual(
      both.signatures.map((s) => [s.field, s.valid, s.level]),
      [
        [SIGNATURE_FIELD.municipal, true, 'B-T'],
        [SIGNATURE_FIELD.institute, true, 'B-B'],
      ],
    );
    // Once something follows it, a signature's /Contents is covered: it can no longer be stamped.
    assert.throws(
      () =>
        addSignatureTimestamp(
          signed2,
          SIGNATURE_FIELD.municipal,
          tokenOver(signatureValue(stamped, SIGNATURE_FIELD.municipal)),
        ),
      (error: unknown) =>
        error instanceof PdfSigningError && error.code === 'DOCUMENT_MODIFIED_AFTER_SIGNING',
    );
  });

  it('a token over another signature is TIMESTAMP_INVALID; a second token is refused', function () {
    const wrong = addSignatureTimestamp(
      signed1,
      SIGNATURE_FIELD.municipal,
      tokenOver(Buffer.from('otra firma')),
    );
    const verdict = verifyPdfSignatures(wrong, verifier, { timestampTrust: tsaTrust }).signatures[0]!;
    assert.equal(verdict.valid, false);
    assert.equal(verdict.code, 'TIMESTAMP_INVALID');
    assert.equal(verdict.level, 'B-B');
    assert.match(verdict.timestamp!.problem!, /another imprint/);

    const once = addSignatureTimestamp(
      signed1,
      SIGNATURE_FIELD.municipal,
      tokenOver(signatureValue(signed1, SIGNATURE_FIELD.municipal)),
    );
    assert.throws(
      () =>
        addSignatureTimestamp(
          once,
          SIGNATURE_FIELD.municipal,
          tokenOver(signatureValue(signed1, SIGNATURE_FIELD.municipal)),
        ),
      (error: unknown) =>
        error instanceof PdfSigningError && /unsigned attributes already/.test(error.message),
    );
  });
});
