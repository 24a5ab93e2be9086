/**
 * Whatever bytes arrive, the verifier answers with a typed report: random bytes, mutated DER of a
 * real signature, truncations. A valid report after mutating the signed parts would be a forgery.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CHECKS, loadTrustStore, SignatureVerifier, type VerificationReport } from '../../src/signatures';
import { signingFixtures } from '../support/fixtures';
import { OpensslPki } from '../support/openssl-pki';
import { opensslCms, opensslPkcs1 } from '../support/sign';

const DOCUMENT = Buffer.from('Manifestación expresa — prueba de robustez\n');
const KNOWN_CODES = new Set<string>([...CHECKS.map((c) => c.code), 'PAYLOAD_TOO_LARGE']);

function assertTyped(report: VerificationReport): void {
  if (!report.valid)
    assert.ok(report.code !== undefined && KNOWN_CODES.has(report.code), `untyped: ${report.code}`);
  assert.equal(report.checks.length, CHECKS.length);
}

describe('signature verification under hostile input (property-based)', function () {
  this.timeout(120_000);
  let verifier: SignatureVerifier;
  let cms: Buffer;
  let pkcs1: Buffer;
  let certificate: Buffer;
  let firstCertificateAt: number;
  /** ECDSA (P-256 under the RSA intermediate), with and without signed attributes. */
  let ecdsaCms: Buffer;
  let ecdsaBare: Buffer;
  let ecdsaCertificate: Buffer;

  before(function () {
    const f = signingFixtures();
    // Only the root is trusted, so the carried intermediate is needed and every byte of it counts.
    verifier = new SignatureVerifier(loadTrustStore({ anchors: f.root.certPath }));
    cms = opensslCms(DOCUMENT, f.president, { carry: [f.intermediate] });
    pkcs1 = opensslPkcs1(DOCUMENT, f.president);
    certificate = f.president.certDer;
    firstCertificateAt = cms.indexOf(certificate);
    assert.equal(verifier.verify({ document: DOCUMENT, signature: cms }).valid, true);
    const ec = new OpensslPki(mkdtempSync(join(tmpdir(), 'manifiesta-fuzz-ec-')));
    const ecSigner = ec.issue('ec-signer', { name: 'ELENA CURVA PRIMA' }, f.intermediate, 'P-256');
    ecdsaCms = opensslCms(DOCUMENT, ecSigner, { carry: [f.intermediate] });
    ecdsaBare = opensslCms(DOCUMENT, ecSigner, { carry: [f.intermediate], noAttributes: true });
    ecdsaCertificate = ecSigner.certDer;
    assert.equal(verifier.verify({ document: DOCUMENT, signature: ecdsaCms }).valid, true);
  });

  it('random bytes, as a CMS or with a certificate as PKCS#1, give a typed refusal', function () {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.boolean(), (bytes, withCertificate) => {
        const report = verifier.verify({
          document: DOCUMENT,
          signature: bytes,
          ...(withCertificate ? { certificate } : {}),
        });
        assertTyped(report);
        assert.equal(report.valid, false);
      }),
      { numRuns: 400 },
    );
  });

  it('random DER-shaped bytes (nested SEQUENCEs with random lengths) give a typed refusal', function () {
    const tlv = fc.letrec<{ node: Uint8Array }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.uint8Array({ maxLength: 40 }).map((content) => Uint8Array.of(0x04, content.length, ...content)),
        fc.array(tie('node'), { maxLength: 4 }).map((children) => {
          const body = Buffer.concat(children);
          return body.length < 128
            ? Uint8Array.of(0x30, body.length, ...body)
            : Uint8Array.of(0x30, 0x82, body.length >> 8, body.length & 0xff, ...body);
        }),
      ),
    })).node;
    fc.assert(
      fc.property(tlv, (bytes) => {
        const report = verifier.verify({ document: DOCUMENT, signature: bytes });
        assertTyped(report);
        assert.equal(report.valid, false);
      }),
      { numRuns: 300 },
    );
  });

  it('a real CMS with bytes mutated, inserted or cut gives a typed result, and never a valid one over the signed parts', function () {
    fc.assert(
      fc.property(
        fc.nat(cms.length - 1),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom('xor', 'insert', 'truncate'),
        (at, value, how) => {
          let mutated: Buffer;
          if (how === 'xor') {
            mutated = Buffer.from(cms);
            mutated[at] = mutated[at]! ^ value;
          } else if (how === 'insert') {
            mutated = Buffer.concat([cms.subarray(0, at), Buffer.of(value), cms.subarray(at)]);
          } else {
            mutated = cms.subarray(0, at);
          }
          const report = verifier.verify({ document: DOCUMENT, signature: mutated });
          assertTyped(report);
          if (report.valid) {
            // Only bytes outside what is signed may change without effect: the SignedData's
            // digestAlgorithms set and version fields. Certificates, attributes and signature may not.
            assert.equal(how, 'xor');
            assert.ok(at < firstCertificateAt, `mutation at ${at} left the signature valid`);
          }
        },
      ),
      { numRuns: 600 },
    );
  });

  it('an ECDSA CMS with bytes mutated gives a typed result, and never a valid one over the signed parts', function () {
    fc.assert(
      fc.property(
        fc.nat(ecdsaCms.length - 1),
        fc.integer({ min: 1, max: 255 }),
        fc.boolean(),
        (at, value, bare) => {
          const original = bare ? ecdsaBare : ecdsaCms;
          if (at >= original.length) return;
          const mutated = Buffer.from(original);
          mutated[at] = mutated[at]! ^ value;
          const report = verifier.verify({ document: DOCUMENT, signature: mutated });
          assertTyped(report);
          // As above: only the SignedData's unsigned fields before the certificates may change.
          if (report.valid)
            assert.ok(at < original.indexOf(ecdsaCertificate), `mutation at ${at} left the signature valid`);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('any change to the document makes every signature invalid', function () {
    fc.assert(
      fc.property(fc.nat(DOCUMENT.length - 1), fc.integer({ min: 1, max: 255 }), (at, value) => {
        const document = Buffer.from(DOCUMENT);
        document[at] = document[at]! ^ value;
        assert.equal(verifier.verify({ document, signature: cms }).code, 'DOCUMENT_MISMATCH');
        const pkcs1Report = verifier.verify({
          document,
          signature: pkcs1,
          certificate,
          format: 'pkcs1-sha256',
        });
        assert.equal(pkcs1Report.checks.find((c) => c.check === 'document')?.outcome, 'failed');
        // ECDSA recovers nothing: without signed attributes, another document is a bad signature.
        assert.equal(verifier.verify({ document, signature: ecdsaCms }).code, 'DOCUMENT_MISMATCH');
        assert.equal(verifier.verify({ document, signature: ecdsaBare }).code, 'SIGNATURE_INVALID');
      }),
      { numRuns: 100 },
    );
  });
});
