import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import forge from 'node-forge';
import {
  loadTrustStore,
  SignatureVerifier,
  TrustStore,
  type VerificationReport,
  type VerifyInput,
} from '../../src/signatures';
import { signingFixtures, type SigningFixtures } from '../support/fixtures';
import type { Party } from '../support/pki';
import { flipByte, forgeCms, forgePkcs1, opensslCms, opensslPkcs1 } from '../support/sign';

const DOCUMENT = Buffer.from(
  '%PDF-1.7\nManifestación expresa de la intención de participar — Huixquilucan\n',
);

const DAY = 86_400_000;

function assertValid(report: VerificationReport): void {
  assert.equal(report.valid, true, `expected valid, got ${report.code}: ${JSON.stringify(report.checks)}`);
  assert.equal(report.code, undefined);
}

function assertCode(report: VerificationReport, code: string): void {
  assert.equal(report.valid, false, `expected ${code}, got a valid report`);
  assert.equal(report.code, code, JSON.stringify(report.checks, null, 1));
}

describe('signature verification', function () {
  this.timeout(120_000);
  let f: SigningFixtures;
  let verifier: SignatureVerifier;
  const verify = (input: Partial<VerifyInput> & Pick<VerifyInput, 'signature'>): VerificationReport =>
    verifier.verify({ document: DOCUMENT, ...input });

  before(function () {
    f = signingFixtures();
    verifier = new SignatureVerifier(loadTrustStore({ anchors: f.root.certPath }));
  });

  describe('accepts every valid form', function () {
    for (const md of ['sha256', 'sha384', 'sha512'] as const) {
      for (const noAttributes of [false, true]) {
        it(`openssl cms ${md} ${noAttributes ? 'without' : 'with'} signed attributes, chain carried`, function () {
          const signature = opensslCms(DOCUMENT, f.president, { md, noAttributes, carry: [f.intermediate] });
          const report = verify({ signature });
          assertValid(report);
          assert.equal(report.format, 'cms');
          assert.equal(report.algorithm, `RSA-${md.toUpperCase()}`);
          assert.deepEqual(report.signer, {
            name: 'ROMINA CONTRERAS CARRASCO',
            rfc: 'COCR800101AB1',
            curp: 'COCR800101MMCNRM09',
            representativeRfc: null,
          });
          assert.equal(report.certificate?.kind, 'fiel');
          assert.equal(report.path.length, 3);
          assert.equal(report.signingTime === null, noAttributes);
        });
      }
    }

    it('openssl cms without embedded certificates, the certificate given separately', function () {
      const signature = opensslCms(DOCUMENT, f.president, { noCertificates: true });
      // The intermediate is not carried: it is configured as an anchor (intermediates are accepted).
      const byIntermediate = new SignatureVerifier(loadTrustStore({ anchors: f.intermediate.certPath }));
      assertValid(byIntermediate.verify({ document: DOCUMENT, signature, certificate: f.president.certDer }));
      assertCode(verify({ signature, certificate: f.president.certDer }), 'CERTIFICATE_UNTRUSTED');
    });

    it('a PEM CMS, a base64 CMS and a PEM certificate', function () {
      assertValid(
        verify({ signature: opensslCms(DOCUMENT, f.president, { pem: true, carry: [f.intermediate] }) }),
      );
      const der = opensslCms(DOCUMENT, f.president, { carry: [f.intermediate] });
      assertValid(verify({ signature: Buffer.from(der.toString('base64')) }));
      const pkcs1 = opensslPkcs1(DOCUMENT, f.president);
      const byIntermediate = new SignatureVerifier(loadTrustStore({ anchors: f.intermediate.certPath }));
      assertValid(
        byIntermediate.verify({
          document: DOCUMENT,
          signature: pkcs1,
          certificate: Buffer.from(f.president.certPem),
        }),
      );
    });

    it('a 4096-bit signer', function () {
      const report = verify({ signature: opensslCms(DOCUMENT, f.signer4096, { carry: [f.intermediate] }) });
      assertValid(report);
      assert.equal(report.certificate?.keyBits, 4096);
    });

    it('raw PKCS#1 v1.5 SHA-256 from openssl dgst, binary and base64, with the format detected', function () {
      const anchors = new SignatureVerifier(
        loadTrustStore({ anchors: [f.root.certPath, f.intermediate.certPath] }),
      );
      const signature = opensslPkcs1(DOCUMENT, f.president);
      const report = anchors.verify({ document: DOCUMENT, signature, certificate: f.president.certDer });
      assertValid(report);
      assert.equal(report.format, 'pkcs1-sha256');
      assertValid(
        anchors.verify({
          document: DOCUMENT,
          signature: Buffer.from(signature.toString('base64')),
          certificate: f.president.certDer,
          format: 'pkcs1-sha256',
        }),
      );
    });

    it('node-forge CMS and node-forge PKCS#1 (what the signing page makes)', function () {
      assertValid(verify({ signature: forgeCms(DOCUMENT, f.president, [f.intermediate]) }));
      const anchors = new SignatureVerifier(loadTrustStore({ anchors: f.intermediate.certPath }));
      assertValid(
        anchors.verify({
          document: DOCUMENT,
          signature: forgePkcs1(DOCUMENT, f.president),
          certificate: f.president.certDer,
        }),
      );
    });

    it('a persona moral e.firma, expected by the company RFC or by the representative RFC and CURP', function () {
      const signature = opensslCms(DOCUMENT, f.moral, { carry: [f.intermediate] });
      const report = verify({ signature, expectedSigner: { rfc: 'MHE850101EF3' } });
      assertValid(report);
      assert.equal(report.signer?.rfc, 'MHE850101EF3');
      assert.equal(report.signer?.representativeRfc, 'COCR800101AB1');
      assert.equal(report.signer?.curp, 'COCR800101MMCNRM09');
      assertValid(
        verify({ signature, expectedSigner: { rfc: 'cocr800101ab1', curp: 'COCR800101MMCNRM09' } }),
      );
    });

    it('the expected signer by RFC and CURP', function () {
      const signature = opensslCms(DOCUMENT, f.president, { carry: [f.intermediate] });
      const report = verify({
        signature,
        expectedSigner: { rfc: 'COCR800101AB1', curp: 'COCR800101MMCNRM09' },
      });
      assertValid(report);
      assert.equal(report.checks.find((c) => c.check === 'identity')?.outcome, 'passed');
    });
  });

  describe('refuses tampering with its code', function () {
    it('a flipped byte in the document: DOCUMENT_MISMATCH, for every format', function () {
      const tampered = flipByte(DOCUMENT, 20);
      const withAttrs = opensslCms(DOCUMENT, f.president, { carry: [f.intermediate] });
      const noAttrs = opensslCms(DOCUMENT, f.president, { carry: [f.intermediate], noAttributes: true });
      assertCode(verifier.verify({ document: tampered, signature: withAttrs }), 'DOCUMENT_MISMATCH');
      assertCode(verifier.verify({ document: tampered, signature: noAttrs }), 'DOCUMENT_MISMATCH');
      const pkcs1 = opensslPkcs1(DOCUMENT, f.president);
      const anchors = new SignatureVerifier(loadTrustStore({ anchors: f.intermediate.certPath }));
      assertCode(
        anchors.verify({ document: tampered, signature: pkcs1, certificate: f.president.certDer }),
        'DOCUMENT_MISMATCH',
      );
    });

    it('a flipped byte in the signature value: SIGNATURE_INVALID', function () {
      const cms = opensslCms(DOCUMENT, f.president, { carry: [f.intermediate], noAttributes: true });
      // The RSA signature value is the last element of a signature without unsigned attributes.
      assertCode(verify({ signature: flipByte(cms, -10) }), 'SIGNATURE_INVALID');
      const withAttrs = opensslCms(DOCUMENT, f.president, { carry: [f.intermediate] });
      assertCode(verify({ signature: flipByte(withAttrs, -10) }), 'SIGNATURE_INVALID');
      const pkcs1 = opensslPkcs1(DOCUMENT, f.president);
      assertCode(
        verify({ signature: flipByte(pkcs1, 100), certificate: f.president.certDer }),
        'SIGNATURE_INVALID',
      );
    });

    it('a flipped byte in the signed attributes (the messageDigest): SIGNATURE_INVALID', function () {
      const cms = opensslCms(DOCUMENT, f.president, { carry: [f.intermediate] });
      const digest = createHash('sha256').update(DOCUMENT).digest();
      const at = cms.indexOf(digest);
      assert.ok(at > 0, 'messageDigest found in the CMS');
      assertCode(verify({ signature: flipByte(cms, at + 5) }), 'SIGNATURE_INVALID');
    });

    it('a swapped certificate (another signer’s in place of the signer’s): SIGNATURE_INVALID', function () {
      const cms = opensslCms(DOCUMENT, f.president, { carry: [f.intermediate] });
      const asn1 = forge.asn1.fromDer(cms.toString('binary'));
      const certificates = (
        ((asn1.value as forge.asn1.Asn1[])[1]!.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[]
      )[3]!;
      const list = certificates.value as forge.asn1.Asn1[];
      const index = list.findIndex(
        (c) => forge.asn1.toDer(c).getBytes() === f.president.certDer.toString('binary'),
      );
      assert.ok(index >= 0);
      list[index] = forge.pki.certificateToAsn1(f.commissioner.forgeCert);
      const swapped = Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
      assertCode(verify({ signature: swapped }), 'SIGNATURE_INVALID');
      // Likewise a certificate given separately that is not the signer's.
      const bare = opensslCms(DOCUMENT, f.president, { noCertificates: true, carry: [f.intermediate] });
      assertCode(verify({ signature: bare, certificate: f.commissioner.certDer }), 'SIGNATURE_INVALID');
      const pkcs1 = opensslPkcs1(DOCUMENT, f.president);
      assertCode(verify({ signature: pkcs1, certificate: f.commissioner.certDer }), 'SIGNATURE_INVALID');
    });

    it('another signer’s RFC or CURP: SIGNER_MISMATCH', function () {
      const signature = opensslCms(DOCUMENT, f.commissioner, { carry: [f.intermediate] });
      assertCode(verify({ signature, expectedSigner: { rfc: 'COCR800101AB1' } }), 'SIGNER_MISMATCH');
      assertCode(verify({ signature, expectedSigner: { curp: 'COCR800101MMCNRM09' } }), 'SIGNER_MISMATCH');
      assertCode(
        verify({ signature, expectedSigner: { rfc: 'MAVJ650101CD2', curp: 'COCR800101MMCNRM09' } }),
        'SIGNER_MISMATCH',
      );
    });

    it('without an RFC or CURP, the name decides (accents, case and spacing aside) unless any signer is accepted', function () {
      const identity = (report: VerificationReport) => report.checks.find((c) => c.check === 'identity')!;
      // The certificate says JOSÉ MARTÍNEZ VILCHIS.
      const signature = opensslCms(DOCUMENT, f.commissioner, { carry: [f.intermediate] });
      const same = verify({ signature, expectedSigner: { name: '  José  Martinez vilchis ' } });
      assertValid(same);
      assert.equal(identity(same).outcome, 'passed');
      assert.match(identity(same).detail, /no RFC or CURP expected/);
      const other = verify({ signature, expectedSigner: { name: 'Romina Contreras Carrasco' } });
      assertCode(other, 'SIGNER_MISMATCH');
      assert.match(
        identity(other).detail,
        /JOSÉ MARTÍNEZ VILCHIS is not the expected Romina Contreras Carrasco/,
      );
      const anyone = verify({
        signature,
        expectedSigner: { name: 'Romina Contreras Carrasco', acceptAnySigner: true },
      });
      assertValid(anyone);
      assert.equal(identity(anyone).outcome, 'skipped');
      assert.match(identity(anyone).detail, /the coordinator accepted any signer/);
      // An RFC, when given, decides over the name.
      assertValid(verify({ signature, expectedSigner: { rfc: 'MAVJ650101CD2', name: 'Otra Persona' } }));
    });
  });

  describe('judges trust', function () {
    it('an untrusted chain: CERTIFICATE_UNTRUSTED, even when the CMS carries its own root', function () {
      assertCode(verify({ signature: opensslCms(DOCUMENT, f.untrustedSigner) }), 'CERTIFICATE_UNTRUSTED');
      const withRoot = opensslCms(DOCUMENT, f.untrustedSigner, { carry: [f.untrustedRoot] });
      assertCode(verify({ signature: withRoot }), 'CERTIFICATE_UNTRUSTED');
      // …and a good signature when nothing is configured as trusted.
      const empty = new SignatureVerifier(new TrustStore([]));
      assertCode(
        empty.verify({
          document: DOCUMENT,
          signature: opensslCms(DOCUMENT, f.president, { carry: [f.intermediate] }),
        }),
        'CERTIFICATE_UNTRUSTED',
      );
    });

    it('the intermediate is needed: without it carried or configured, no path', function () {
      assertCode(verify({ signature: opensslCms(DOCUMENT, f.president) }), 'CERTIFICATE_UNTRUSTED');
    });

    it('a certificate issued by a non-CA leaf: CERTIFICATE_UNTRUSTED (node-forge basicConstraints bypass, fixed in 1.4.0)', function () {
      const signature = opensslCms(DOCUMENT, f.issuedByLeaf, { carry: [f.president, f.intermediate] });
      const report = verify({ signature });
      assertCode(report, 'CERTIFICATE_UNTRUSTED');
      assert.match(report.checks.find((c) => c.check === 'chain')!.detail, /not a CA/);
    });

    it('a path longer than an issuer’s pathLenConstraint: CERTIFICATE_UNTRUSTED', function () {
      const signature = opensslCms(DOCUMENT, f.pathLenViolator, { carry: [f.subCa, f.intermediate] });
      const report = verify({ signature });
      assertCode(report, 'CERTIFICATE_UNTRUSTED');
      assert.match(report.checks.find((c) => c.check === 'chain')!.detail, /at most 0 intermediates/);
    });

    it('expired and not-yet-valid certificates: CERTIFICATE_EXPIRED; valid when judged inside their validity', function () {
      const expired = opensslCms(DOCUMENT, f.expired, { carry: [f.intermediate] });
      assertCode(verify({ signature: expired }), 'CERTIFICATE_EXPIRED');
      assertValid(verify({ signature: expired, at: new Date(f.expired.notAfter.getTime() - 86_400_000) }));
      const early = opensslCms(DOCUMENT, f.notYetValid, { carry: [f.intermediate] });
      const report = verify({ signature: early });
      assertCode(report, 'CERTIFICATE_EXPIRED');
      assert.match(report.checks.find((c) => c.check === 'validity')!.detail, /not yet valid/);
    });

    it('a certificate revoked by CRL: CERTIFICATE_REVOKED; not before its revocation date', function () {
      const withCrl = new SignatureVerifier(
        loadTrustStore({ anchors: f.root.certPath, crls: [f.crlPath, f.rootCrlPath] }),
      );
      const signature = opensslCms(DOCUMENT, f.revoked, { carry: [f.intermediate] });
      assertCode(withCrl.verify({ document: DOCUMENT, signature }), 'CERTIFICATE_REVOKED');
      const before = new Date(f.revokedAt.getTime() - 3_600_000);
      assertValid(withCrl.verify({ document: DOCUMENT, signature, at: before }));
      const later = opensslCms(DOCUMENT, f.revokedLater, { carry: [f.intermediate] });
      assertValid(withCrl.verify({ document: DOCUMENT, signature: later }));
      assertCode(
        withCrl.verify({
          document: DOCUMENT,
          signature: later,
          at: new Date(f.revokedLaterAt.getTime() + 1000),
        }),
        'CERTIFICATE_REVOKED',
      );
      const president = opensslCms(DOCUMENT, f.president, { carry: [f.intermediate] });
      const report = withCrl.verify({ document: DOCUMENT, signature: president });
      assertValid(report);
      assert.equal(report.checks.find((c) => c.check === 'revocation')?.outcome, 'passed');
    });

    it('revocation is checked only with CRLs current at the time judged, and the report says when it was not', function () {
      const revocation = (report: VerificationReport) => report.checks.find((c) => c.check === 'revocation')!;
      const both = new SignatureVerifier(
        loadTrustStore({ anchors: f.root.certPath, crls: [f.crlPath, f.rootCrlPath] }),
      );
      const president = opensslCms(DOCUMENT, f.president, { carry: [f.intermediate] });
      // Past the CRLs' nextUpdate (30 days): nothing can be said about revocation any more.
      const stale = both.verify({
        document: DOCUMENT,
        signature: president,
        at: new Date(Date.now() + 40 * DAY),
      });
      assertValid(stale);
      assert.equal(revocation(stale).outcome, 'skipped');
      assert.match(revocation(stale).detail, /^revocation not checked: no CRL from .* current at/);
      // Before the CRLs were issued (thisUpdate is now): not current either.
      const early = both.verify({ document: DOCUMENT, signature: president, at: new Date(Date.now() - DAY) });
      assert.equal(revocation(early).outcome, 'skipped');
      // A revocation stays a revocation in an out-of-date CRL.
      const revoked = opensslCms(DOCUMENT, f.revoked, { carry: [f.intermediate] });
      assertCode(
        both.verify({ document: DOCUMENT, signature: revoked, at: new Date(Date.now() + 40 * DAY) }),
        'CERTIFICATE_REVOKED',
      );
      // The intermediate's CRL alone leaves the intermediate itself unchecked: said, not passed.
      const partial = new SignatureVerifier(loadTrustStore({ anchors: f.root.certPath, crls: f.crlPath }));
      const report = partial.verify({ document: DOCUMENT, signature: president });
      assert.equal(revocation(report).outcome, 'skipped');
      assert.match(revocation(report).detail, /no CRL from .*AC Raiz de Pruebas/);
      assert.match(revocation(report).detail, /ROMINA CONTRERAS CARRASCO not revoked/);
    });

    it('a CRL signed by an impostor with the issuer’s name is not believed', function () {
      const forged = new SignatureVerifier(
        loadTrustStore({ anchors: f.root.certPath, crls: f.forgedCrlPath }),
      );
      const report = forged.verify({
        document: DOCUMENT,
        signature: opensslCms(DOCUMENT, f.president, { carry: [f.intermediate] }),
      });
      assertValid(report);
    });

    it('certificates whose usage forbids signing: CERTIFICATE_NOT_FOR_SIGNING', function () {
      for (const party of [f.wrongUsage, f.serverAuthOnly, f.csdLike]) {
        const report = verify({ signature: opensslCms(DOCUMENT, party, { carry: [f.intermediate] }) });
        assertCode(report, 'CERTIFICATE_NOT_FOR_SIGNING');
      }
      const csd = verify({ signature: opensslCms(DOCUMENT, f.csdLike, { carry: [f.intermediate] }) });
      assert.equal(csd.certificate?.kind, 'csd');
    });

    it('the CSD rule is SAT’s: a subject OU and no extended key usage from another CA is an ordinary signer', function () {
      const identity = {
        name: 'ROMINA CONTRERAS CARRASCO',
        rfc: 'COCR800101AB1',
        curp: 'COCR800101MMCNRM09',
        ou: 'DIRECCION JURIDICA',
      };
      const usage = { keyUsage: { digitalSignature: true, nonRepudiation: true }, extKeyUsage: null };
      const otherCa = f.pki.issue('other-ca', { name: 'AC Municipal de Pruebas' }, null, { ca: {} });
      const departmental = f.pki.issue('ou-other-ca', identity, otherCa, usage);
      const byOtherCa = new SignatureVerifier(loadTrustStore({ anchors: otherCa.certPath }));
      const report = byOtherCa.verify({ document: DOCUMENT, signature: opensslCms(DOCUMENT, departmental) });
      assertValid(report);
      assert.equal(report.certificate?.kind, 'other');
      // The same subject and extensions from the intermediate, named as SAT names its CAs: a CSD.
      const seal = f.pki.issue('ou-sat', identity, f.intermediate, usage);
      const csd = verify({ signature: opensslCms(DOCUMENT, seal, { carry: [f.intermediate] }) });
      assert.equal(csd.certificate?.kind, 'csd');
      assertCode(csd, 'CERTIFICATE_NOT_FOR_SIGNING');
    });

    it('a CA certificate used as a signer: CERTIFICATE_NOT_FOR_SIGNING', function () {
      assertCode(verify({ signature: opensslCms(DOCUMENT, f.intermediate) }), 'CERTIFICATE_NOT_FOR_SIGNING');
    });
  });

  describe('refuses what it does not accept', function () {
    it('SHA-1, RSA-PSS and a 1024-bit key: UNSUPPORTED_ALGORITHM', function () {
      assertCode(
        verify({ signature: opensslCms(DOCUMENT, f.president, { md: 'sha1', carry: [f.intermediate] }) }),
        'UNSUPPORTED_ALGORITHM',
      );
      assertCode(
        verify({ signature: opensslCms(DOCUMENT, f.president, { pss: true, carry: [f.intermediate] }) }),
        'UNSUPPORTED_ALGORITHM',
      );
      assertCode(
        verify({ signature: opensslCms(DOCUMENT, f.weak1024, { carry: [f.intermediate] }) }),
        'UNSUPPORTED_ALGORITHM',
      );
    });

    it('a PKCS#1 signature beside someone else’s certificate (another key length): SIGNATURE_INVALID', function () {
      const report = verify({
        signature: opensslPkcs1(DOCUMENT, f.president),
        format: 'pkcs1-sha256',
        certificate: f.signer4096.certDer,
      });
      assertCode(report, 'SIGNATURE_INVALID');
      assert.match(
        report.checks.find((c) => c.check === 'signature')!.detail,
        /256-byte signature cannot be this 4096-bit key's/,
      );
    });

    it('a PKCS#1 signature with SHA-512 where SHA-256 is the format: SIGNATURE_INVALID', function () {
      const signature = opensslPkcs1(DOCUMENT, f.president, 'sha512');
      assertCode(verify({ signature, certificate: f.president.certDer }), 'SIGNATURE_INVALID');
    });

    it('malformed input: MALFORMED_INPUT or PAYLOAD_TOO_LARGE, never an exception', function () {
      const cms = opensslCms(DOCUMENT, f.president, { carry: [f.intermediate] });
      assertCode(verify({ signature: cms.subarray(0, cms.length - 40) }), 'MALFORMED_INPUT');
      assertCode(verify({ signature: Buffer.alloc(0) }), 'MALFORMED_INPUT');
      assertCode(verify({ signature: Buffer.from('not a signature at all') }), 'MALFORMED_INPUT');
      // Bytes that cannot be this key's signature (RFC 8017 §8.2.2 step 1) are an invalid signature.
      assertCode(
        verify({ signature: cms, format: 'pkcs1-sha256', certificate: f.president.certDer }),
        'SIGNATURE_INVALID',
      );
      assertCode(verify({ signature: opensslPkcs1(DOCUMENT, f.president) }), 'MALFORMED_INPUT');
      assertCode(verify({ signature: cms, certificate: Buffer.from('garbage') }), 'MALFORMED_INPUT');
      const nested = Buffer.concat([
        Buffer.from([0x30, 0x80]).fill(0),
        ...Array.from({ length: 50_000 }, () => Buffer.from([0x30, 0x80])),
      ]);
      assertCode(verify({ signature: nested }), 'MALFORMED_INPUT');
      assertCode(verify({ signature: Buffer.alloc(2 * 1024 * 1024, 0x30) }), 'PAYLOAD_TOO_LARGE');
    });
  });

  describe('SAT test certificates', function () {
    const SAT = '../shared/fixtures/sat';
    const AT = new Date('2020-06-01T00:00:00Z'); // inside both sets' validity
    const read = (path: string): Buffer => readFileSync(`${SAT}/${path}`);

    it('the persona moral FIEL: kind fiel, RFC, representative RFC and CURP', function () {
      const cert = read('FIEL_AAA010101AAA/certificate.cer');
      const key = read('FIEL_AAA010101AAA/private_key.key');
      const password = read('FIEL_AAA010101AAA/password.txt').toString().trim();
      const report = signWithSatKey(cert, key, password);
      assert.equal(report.certificate?.kind, 'fiel');
      assert.deepEqual(report.signer, {
        name: 'ACCEM SERVICIOS EMPRESARIALES SC',
        rfc: 'AAA010101AAA',
        representativeRfc: 'HEGT7610034S2',
        curp: 'HEGT761003MDFRNN09',
      });
      // Signed with the decrypted .key as a browser would; SAT's test CA is not an anchor here.
      assert.equal(report.checks.find((c) => c.check === 'signature')?.outcome, 'passed');
      assert.equal(report.checks.find((c) => c.check === 'validity')?.outcome, 'passed');
      assertCode(report, 'CERTIFICATE_UNTRUSTED');
    });

    it('the CSD: CERTIFICATE_NOT_FOR_SIGNING', function () {
      const cert = read('CSD01_AAA010101AAA/certificate.cer');
      const key = read('CSD01_AAA010101AAA/private_key.key');
      const password = read('CSD01_AAA010101AAA/password.txt').toString().trim();
      const report = signWithSatKey(cert, key, password);
      assert.equal(report.certificate?.kind, 'csd');
      assertCode(report, 'CERTIFICATE_NOT_FOR_SIGNING');
    });

    for (const group of ['personas-fisicas', 'personas-morales'] as const) {
      it(`every AC UAT ${group} pair is classified FIEL or CSD with its RFC`, function () {
        const names = ['cacx7605101p8', 'funk671228ph6'];
        const files = group === 'personas-fisicas' ? names : ['eku9003173c9', 'iia040805dz4', 'h&e951128469'];
        for (const rfc of files) {
          for (const [suffix, kind] of [
            ['', 'fiel'],
            ['_csd', 'csd'],
          ] as const) {
            const cert = read(`uat/${group}/${rfc}${suffix}.cer`);
            const key = read(`uat/${group}/${rfc}${suffix}.key`);
            const password = read(`uat/${group}/${rfc}${suffix}.txt`).toString().trim();
            const report = signWithSatKey(cert, key, password);
            assert.equal(report.certificate?.kind, kind, `${rfc}${suffix}`);
            assert.equal(report.signer?.rfc, rfc.toUpperCase());
            assert.equal(report.checks.find((c) => c.check === 'signature')?.outcome, 'passed');
            assertCode(report, kind === 'csd' ? 'CERTIFICATE_NOT_FOR_SIGNING' : 'CERTIFICATE_UNTRUSTED');
          }
        }
      });
    }

    it('expired today: judged now, the FIEL is CERTIFICATE_UNTRUSTED and its validity fails', function () {
      const cert = read('FIEL_AAA010101AAA/certificate.cer');
      const anchorless = new SignatureVerifier(new TrustStore([]));
      const key = decryptSatKey(read('FIEL_AAA010101AAA/private_key.key'), '12345678a');
      const report = anchorless.verify({ document: DOCUMENT, signature: pkcs1With(key), certificate: cert });
      assert.equal(report.checks.find((c) => c.check === 'validity')?.outcome, 'failed');
    });

    function decryptSatKey(der: Buffer, password: string): forge.pki.rsa.PrivateKey {
      const info = forge.pki.decryptPrivateKeyInfo(forge.asn1.fromDer(der.toString('binary')), password);
      assert.ok(info, 'the password decrypts the .key');
      return forge.pki.privateKeyFromAsn1(info) as forge.pki.rsa.PrivateKey;
    }

    function pkcs1With(key: forge.pki.rsa.PrivateKey): Buffer {
      const md = forge.md.sha256.create();
      md.update(DOCUMENT.toString('binary'));
      return Buffer.from(key.sign(md), 'binary');
    }

    function signWithSatKey(cert: Buffer, keyDer: Buffer, password: string): VerificationReport {
      const signature = pkcs1With(decryptSatKey(keyDer, password));
      return new SignatureVerifier(new TrustStore([])).verify({
        document: DOCUMENT,
        signature,
        certificate: cert,
        at: AT,
      });
    }
  });

  it('signs the expected parties in the fixtures (sanity of the test PKI)', function () {
    const parties: Party[] = [f.president, f.commissioner];
    assert.deepEqual(
      parties.map((p) => p.identity.rfc),
      ['COCR800101AB1', 'MAVJ650101CD2'],
    );
  });
});
