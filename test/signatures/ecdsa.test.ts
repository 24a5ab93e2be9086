/**
 * ECDSA beside RSA: EC keys (P-256, P-384, P-521) in certificates, ECDSA issuer signatures on
 * certificates and CRLs, chains that mix RSA and EC, and the keys that stay refused. Keys and
 * certificates are made by OpenSSL (test/support/openssl-pki.ts), CRLs by `openssl ca`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadTrustStore,
  parseCertificate,
  SignatureVerifier,
  TrustConfigurationError,
  type VerificationReport,
} from '../../src/signatures';
import { verifyIssuerSignature } from '../../src/signatures/algorithms';
import { parseCms } from '../../src/signatures/cms';
import { elementBytes, isContext, parseDer, type DerNode } from '../../src/signatures/der';
import { ecdsaVerify, isDerEcdsaSigValue } from '../../src/signatures/ecdsa';
import { isInputRejected } from '../../src/signatures/failure';
import { signingFixtures, type SigningFixtures } from '../support/fixtures';
import { OpensslPki, type KeySpec, type OpensslIssueOptions } from '../support/openssl-pki';
import type { KeyHolder } from '../support/pki';
import { flipByte, opensslCms } from '../support/sign';

const DOCUMENT = Buffer.from('%PDF-1.7\nManifestación expresa — firmada con ECDSA\n');

function assertValid(report: VerificationReport): void {
  assert.equal(report.valid, true, `expected valid, got ${report.code}: ${JSON.stringify(report.checks)}`);
}

function assertCode(report: VerificationReport, code: string): void {
  assert.equal(report.valid, false, `expected ${code}, got a valid report`);
  assert.equal(report.code, code, JSON.stringify(report.checks, null, 1));
}

const pem = (der: Buffer): string =>
  `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE-----\n`;

const check = (report: VerificationReport, name: string) => report.checks.find((c) => c.check === name)!;

/** DER of a definite length (X.690 §8.1.3, shortest form). */
function lengthOctets(length: number): Buffer {
  if (length < 0x80) return Buffer.of(length);
  const octets: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) octets.unshift(n % 256);
  return Buffer.of(0x80 | octets.length, ...octets);
}

/**
 * `bytes` (DER, parsed as `node`) with the element `target` replaced by `replacement`, and the
 * length of every element around it written again: a hand-made variant of a real signature.
 */
function replaced(bytes: Buffer, node: DerNode, target: DerNode, replacement: Buffer): Buffer {
  if (node === target) return replacement;
  const whole = Buffer.from(elementBytes(bytes, node));
  if (!node.constructed || target.start < node.contentStart || target.end > node.contentEnd) return whole;
  const content = Buffer.concat(node.children.map((child) => replaced(bytes, child, target, replacement)));
  return Buffer.concat([Buffer.of(bytes[node.start]!), lengthOctets(content.length), content]);
}

/** The SignerInfo of a CMS ContentInfo and the DER tree it belongs to. */
function signerInfoOf(cms: Buffer): { root: DerNode; signerInfo: DerNode; signedData: DerNode } {
  const root = parseDer(cms);
  const signedData = root.children[1]!.children[0]!;
  const signerInfo = signedData.children.at(-1)!.children[0]!;
  return { root, signerInfo, signedData };
}

/** The CMS with its SignerInfo's signatureAlgorithm replaced (DER of an AlgorithmIdentifier). */
function withSignatureAlgorithm(cms: Buffer, algorithm: string): Buffer {
  const { root, signerInfo } = signerInfoOf(cms);
  const index = isContext(signerInfo.children[3], 0) ? 4 : 3;
  return replaced(cms, root, signerInfo.children[index]!, Buffer.from(algorithm, 'hex'));
}

/** The CMS with the carried certificate `from` replaced by `to`. */
function withCertificateSwapped(cms: Buffer, from: Buffer, to: Buffer): Buffer {
  const { root, signedData } = signerInfoOf(cms);
  const carried = signedData.children[3]!.children.find((c) =>
    Buffer.from(elementBytes(cms, c)).equals(from),
  );
  assert.ok(carried, 'the certificate is carried');
  return replaced(cms, root, carried, to);
}

/** The certificate with its SubjectPublicKeyInfo replaced (its signature then no longer verifies). */
function withSubjectPublicKeyInfo(certificate: Buffer, spki: Buffer): Buffer {
  const root = parseDer(certificate);
  const tbs = root.children[0]!;
  return replaced(certificate, root, tbs.children[isContext(tbs.children[0], 0) ? 6 : 5]!, spki);
}

// AlgorithmIdentifiers as a SignerInfo may spell them.
const ID_EC_PUBLIC_KEY = '300906072a8648ce3d0201';
const ID_EC_PUBLIC_KEY_NULL = '300b06072a8648ce3d02010500';
const ECDSA_WITH_SHA256_NULL = '300c06082a8648ce3d0403020500';
const ECDSA_WITH_SHA384 = '300a06082a8648ce3d040303';

interface EcParties {
  readonly pki: OpensslPki;
  /** P-384, self-issued, signing with SHA-384. */
  readonly ecRoot: KeyHolder;
  /** P-256 under ecRoot. */
  readonly ecIntermediate: KeyHolder;
  /** P-256 signers under ecIntermediate. */
  readonly ecSigner: KeyHolder;
  readonly otherEcSigner: KeyHolder;
  readonly ecRevoked: KeyHolder;
  readonly p384Signer: KeyHolder;
  readonly p521Signer: KeyHolder;
  /** P-256 under the RSA test intermediate. */
  readonly ecUnderRsa: KeyHolder;
  readonly rsaUnderEc: KeyHolder;
  /** An EC intermediate under the RSA test root, and an RSA signer under it. */
  readonly ecUnderRsaRoot: KeyHolder;
  readonly rsaUnderEcUnderRsa: KeyHolder;
  /** An RSA certificate with ecSigner's issuer and serial number: the SignerInfo points at it. */
  readonly rsaTwin: KeyHolder;
  readonly ed25519: KeyHolder;
  /** A P-256 certificate with the Ed25519 one's issuer and serial number, to sign in its name. */
  readonly ed25519Twin: KeyHolder;
  readonly secp256k1: KeyHolder;
  readonly brainpool: KeyHolder;
}

describe('ECDSA beside RSA', function () {
  this.timeout(120_000);
  let f: SigningFixtures;
  let ec: EcParties;
  let verifier: SignatureVerifier;
  const verify = (signature: Buffer, more: { certificate?: Buffer; document?: Buffer } = {}) =>
    verifier.verify({ document: DOCUMENT, signature, ...more });

  before(function () {
    f = signingFixtures();
    const pki = new OpensslPki(mkdtempSync(join(tmpdir(), 'manifiesta-ec-pki-')));
    const ca = (label: string, name: string, issuer: KeyHolder | null, key: KeySpec, digest = 'sha256') =>
      pki.issue(label, { name }, issuer, key, {
        ca: issuer === null ? {} : { pathLen: 0 },
        digest: digest as OpensslIssueOptions['digest'],
      });
    const ecRoot = ca('ec-root', 'AC Raiz EC de Pruebas', null, 'P-384', 'sha384');
    const ecIntermediate = ca('ec-intermediate', 'AC Intermedia EC de Pruebas', ecRoot, 'P-256', 'sha384');
    const ecUnderRsaRoot = ca('ec-under-rsa', 'AC Intermedia EC bajo RSA', f.root, 'P-256');
    const signer = (
      label: string,
      name: string,
      issuer: KeyHolder,
      key: KeySpec,
      options: OpensslIssueOptions = {},
    ) =>
      pki.issue(
        label,
        { name, rfc: 'CUPE800101AB1', curp: 'CUPE800101MMCRRL09', email: `${label}@example.mx` },
        issuer,
        key,
        options,
      );
    const ecSigner = signer('ec-signer', 'ELENA CURVA PRIMA', ecIntermediate, 'P-256');
    const ed25519 = signer('ed25519', 'CLAVE EDWARDS', ecIntermediate, 'ed25519');
    ec = {
      pki,
      ecRoot,
      ecIntermediate,
      ecSigner,
      otherEcSigner: signer('ec-other', 'OTRA CURVA', ecIntermediate, 'P-256'),
      ecRevoked: signer('ec-revoked', 'CURVA REVOCADA', ecIntermediate, 'P-256'),
      p384Signer: signer('p384', 'CURVA P384', ecIntermediate, 'P-384'),
      p521Signer: signer('p521', 'CURVA P521', ecIntermediate, 'P-521'),
      ecUnderRsa: signer('ec-under-rsa-signer', 'CURVA BAJO RSA', f.intermediate, 'P-256'),
      rsaUnderEc: signer('rsa-under-ec', 'RSA BAJO EC', ecIntermediate, 'rsa-2048'),
      ecUnderRsaRoot,
      rsaUnderEcUnderRsa: signer(
        'rsa-under-ec-under-rsa',
        'RSA BAJO EC BAJO RSA',
        ecUnderRsaRoot,
        'rsa-2048',
      ),
      rsaTwin: signer('rsa-twin', 'ELENA CURVA PRIMA', ecIntermediate, 'rsa-2048', {
        serial: ecSigner.serial,
      }),
      ed25519,
      ed25519Twin: signer('ed25519-twin', 'CLAVE EDWARDS', ecIntermediate, 'P-256', {
        serial: ed25519.serial,
      }),
      secp256k1: signer('secp256k1', 'CLAVE SECP256K1', ecIntermediate, 'secp256k1'),
      brainpool: signer('brainpool', 'CLAVE BRAINPOOL', ecIntermediate, 'brainpoolP256r1'),
    };
    verifier = new SignatureVerifier(loadTrustStore({ anchors: [ec.ecRoot.certPath, f.root.certPath] }));
  });

  describe('certificates with EC keys', function () {
    it('parse with their curve recorded and keyBits the curve’s size; RSA ones say rsa', function () {
      const root = parseCertificate(ec.ecRoot.certDer);
      assert.equal(root.keyAlgorithm, 'ec');
      assert.equal(root.curve, 'P-384');
      assert.equal(root.keyBits, 384);
      assert.equal(root.publicKey.asymmetricKeyType, 'ec');
      const intermediate = parseCertificate(ec.ecIntermediate.certDer);
      assert.deepEqual([intermediate.curve, intermediate.keyBits], ['P-256', 256]);
      const p521 = parseCertificate(ec.p521Signer.certDer);
      assert.deepEqual([p521.curve, p521.keyBits], ['P-521', 521]);
      const rsa = parseCertificate(f.president.certDer);
      assert.deepEqual([rsa.keyAlgorithm, rsa.curve, rsa.keyBits], ['rsa', null, 2048]);
    });

    it('a compressed point is the same key; explicit curve parameters and the point at infinity are refused', function () {
      const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
      const compressedKey = join(ec.pki.dir, 'compressed.key.pem');
      openssl('ec', '-in', ec.ecSigner.keyPath, '-conv_form', 'compressed', '-out', compressedKey);
      const compressed = ec.pki.certify('compressed', ec.ecSigner.identity, compressedKey, ec.ecIntermediate);
      assert.ok(compressed.certDer.length < ec.ecSigner.certDer.length, 'OpenSSL wrote the point compressed');
      assert.deepEqual(
        parseCertificate(compressed.certDer).keyDer,
        parseCertificate(ec.ecSigner.certDer).keyDer,
      );

      const explicitKey = join(ec.pki.dir, 'explicit.key.pem');
      openssl('ec', '-in', ec.ecSigner.keyPath, '-param_enc', 'explicit', '-out', explicitKey);
      const explicit = ec.pki.certify('explicit', ec.ecSigner.identity, explicitKey, ec.ecIntermediate);
      assert.throws(
        () => parseCertificate(explicit.certDer),
        (error: unknown) =>
          isInputRejected(error) &&
          error.code === 'UNSUPPORTED_ALGORITHM' &&
          /without a named curve/.test(error.message),
      );

      // id-ecPublicKey on P-256, and a BIT STRING holding the lone 00 of the point at infinity.
      const infinity = Buffer.from(
        '301930130607' + '2a8648ce3d0201' + '0608' + '2a8648ce3d030107' + '03020000',
        'hex',
      );
      assert.throws(
        () => parseCertificate(withSubjectPublicKeyInfo(ec.ecSigner.certDer, infinity)),
        (error: unknown) => isInputRejected(error) && error.code === 'MALFORMED_INPUT',
      );
    });

    it('Ed25519, secp256k1 and brainpool keys: UNSUPPORTED_ALGORITHM naming the algorithm', function () {
      for (const [party, name] of [
        [ec.ed25519, /Ed25519 \(1\.3\.101\.112\)/],
        [ec.secp256k1, /secp256k1 \(1\.3\.132\.0\.10\)/],
        [ec.brainpool, /brainpoolP256r1/],
      ] as const) {
        assert.throws(
          () => parseCertificate(party.certDer),
          (error: unknown) =>
            isInputRejected(error) && error.code === 'UNSUPPORTED_ALGORITHM' && name.test(error.message),
        );
        assert.throws(() => loadTrustStore({ anchors: party.certPath }), TrustConfigurationError);
      }
    });
  });

  describe('ECDSA signers', function () {
    for (const md of ['sha256', 'sha384', 'sha512'] as const) {
      for (const noAttributes of [false, true]) {
        it(`openssl cms ${md} on P-256 ${noAttributes ? 'without' : 'with'} signed attributes, under an EC root`, function () {
          const signature = opensslCms(DOCUMENT, ec.ecSigner, {
            md,
            noAttributes,
            carry: [ec.ecIntermediate],
          });
          const report = verify(signature);
          assertValid(report);
          assert.equal(report.format, 'cms');
          assert.equal(report.algorithm, `ECDSA-${md.toUpperCase()}`);
          assert.equal(check(report, 'algorithm').detail, `ECDSA-${md.toUpperCase()}, P-256 key`);
          assert.equal(report.certificate?.keyBits, 256);
          assert.equal(report.certificate?.kind, 'fiel');
          assert.equal(report.signer?.rfc, 'CUPE800101AB1');
          assert.equal(report.path.length, 3);
          assert.equal(report.signingTime === null, noAttributes);
        });
      }
    }

    it('P-384 with SHA-384, and P-521 with SHA-512', function () {
      const p384 = verify(opensslCms(DOCUMENT, ec.p384Signer, { md: 'sha384', carry: [ec.ecIntermediate] }));
      assertValid(p384);
      assert.equal(check(p384, 'algorithm').detail, 'ECDSA-SHA384, P-384 key');
      assert.equal(p384.certificate?.keyBits, 384);
      const p521 = verify(
        opensslCms(DOCUMENT, ec.p521Signer, { md: 'sha512', noAttributes: true, carry: [ec.ecIntermediate] }),
      );
      assertValid(p521);
      assert.equal(check(p521, 'algorithm').detail, 'ECDSA-SHA512, P-521 key');
      assert.equal(p521.certificate?.keyBits, 521);
    });

    it('an EC signer under the RSA intermediate, identified by its RFC', function () {
      const report = verifier.verify({
        document: DOCUMENT,
        signature: opensslCms(DOCUMENT, ec.ecUnderRsa, { carry: [f.intermediate] }),
        expectedSigner: { rfc: 'CUPE800101AB1', curp: 'CUPE800101MMCRRL09' },
      });
      assertValid(report);
      assert.equal(report.algorithm, 'ECDSA-SHA256');
      assert.equal(report.path.length, 3);
      assert.equal(check(report, 'identity').outcome, 'passed');
    });

    it('a changed document: DOCUMENT_MISMATCH with signed attributes, SIGNATURE_INVALID without (ECDSA cannot tell them apart)', function () {
      const document = flipByte(DOCUMENT, 12);
      const withAttributes = opensslCms(DOCUMENT, ec.ecSigner, { carry: [ec.ecIntermediate] });
      assertCode(verify(withAttributes, { document }), 'DOCUMENT_MISMATCH');
      const bare = opensslCms(DOCUMENT, ec.ecSigner, { noAttributes: true, carry: [ec.ecIntermediate] });
      const report = verify(bare, { document });
      assertCode(report, 'SIGNATURE_INVALID');
      assert.match(check(report, 'signature').detail, /cannot tell other bytes from a bad signature/);
      assert.equal(check(report, 'document').outcome, 'skipped');
    });

    it('an altered signature value, or one that is not a DER ECDSA-Sig-Value: SIGNATURE_INVALID, never an exception', function () {
      for (const noAttributes of [false, true]) {
        const cms = opensslCms(DOCUMENT, ec.ecSigner, { noAttributes, carry: [ec.ecIntermediate] });
        const value = Buffer.from(parseCms(cms).signer.signature);
        const at = cms.indexOf(value);
        assert.ok(at > 0);
        assertCode(verify(flipByte(cms, at + value.length - 1)), 'SIGNATURE_INVALID'); // s changed
        assertCode(verify(flipByte(cms, at)), 'SIGNATURE_INVALID'); // a SET, not a SEQUENCE
      }
    });

    it('a swapped certificate (another EC signer’s, or an RSA one): SIGNATURE_INVALID', function () {
      const cms = opensslCms(DOCUMENT, ec.ecSigner, { carry: [ec.ecIntermediate] });
      const swapped = withCertificateSwapped(cms, ec.ecSigner.certDer, ec.otherEcSigner.certDer);
      assertCode(verify(swapped), 'SIGNATURE_INVALID');
      const bare = opensslCms(DOCUMENT, ec.ecSigner, { noCertificates: true, carry: [ec.ecIntermediate] });
      assertCode(verify(bare, { certificate: ec.otherEcSigner.certDer }), 'SIGNATURE_INVALID');
      assertCode(verify(bare, { certificate: f.president.certDer }), 'SIGNATURE_INVALID');
      assertValid(verify(bare, { certificate: ec.ecSigner.certDer }));
    });

    it('an RSA certificate the SignerInfo names, under an ECDSA signature algorithm: SIGNATURE_INVALID', function () {
      const bare = opensslCms(DOCUMENT, ec.ecSigner, { noCertificates: true, carry: [ec.ecIntermediate] });
      const report = verify(bare, { certificate: ec.rsaTwin.certDer });
      assertCode(report, 'SIGNATURE_INVALID');
      assert.match(
        check(report, 'signature').detail,
        /a signature algorithm for EC keys; the certificate has an RSA 2048-bit key/,
      );
      // The other way round: an RSA SignerInfo beside the EC certificate with the RSA one's name.
      const rsa = opensslCms(DOCUMENT, ec.rsaTwin, { noCertificates: true, carry: [ec.ecIntermediate] });
      assertCode(verify(rsa, { certificate: ec.ecSigner.certDer }), 'SIGNATURE_INVALID');
    });

    it('signatureAlgorithm id-ecPublicKey, as some writers put it: the digest is digestAlgorithm’s', function () {
      for (const noAttributes of [false, true]) {
        const cms = opensslCms(DOCUMENT, ec.ecSigner, { noAttributes, carry: [ec.ecIntermediate] });
        for (const algorithm of [ID_EC_PUBLIC_KEY, ID_EC_PUBLIC_KEY_NULL]) {
          const report = verify(withSignatureAlgorithm(cms, algorithm));
          assertValid(report);
          assert.equal(report.algorithm, 'ECDSA-SHA256');
        }
      }
    });

    it('ecdsa-with-SHA384 beside digest SHA-256: UNSUPPORTED_ALGORITHM; NULL parameters: MALFORMED_INPUT', function () {
      const cms = opensslCms(DOCUMENT, ec.ecSigner, { carry: [ec.ecIntermediate] });
      const disagreeing = verify(withSignatureAlgorithm(cms, ECDSA_WITH_SHA384));
      assertCode(disagreeing, 'UNSUPPORTED_ALGORITHM');
      assert.match(check(disagreeing, 'algorithm').detail, /disagrees with digest sha256/);
      const withNull = verify(withSignatureAlgorithm(cms, ECDSA_WITH_SHA256_NULL));
      assertCode(withNull, 'MALFORMED_INPUT');
      assert.match(check(withNull, 'format').detail, /must be absent \(RFC 5758/);
    });

    it('the pkcs1-sha256 and pades formats are RSA only: an EC certificate with them is UNSUPPORTED_ALGORITHM', function () {
      const key = execFileSync('openssl', ['pkey', '-in', ec.ecSigner.keyPath]).toString();
      const raw = sign('sha256', DOCUMENT, { key, dsaEncoding: 'der' });
      const report = verify(raw, { certificate: ec.ecSigner.certDer });
      assert.equal(report.format, 'pkcs1-sha256');
      assertCode(report, 'UNSUPPORTED_ALGORITHM');
      assert.match(check(report, 'algorithm').detail, /pkcs1-sha256 signature is RSA PKCS #1 v1\.5/);
      // Before a PAdES signature: the certificate is refused before anyone signs.
      const byIntermediate = new SignatureVerifier(loadTrustStore({ anchors: ec.ecIntermediate.certPath }));
      const pades = byIntermediate.verifyCertificate({ certificate: ec.ecSigner.certDer, format: 'pades' });
      assertCode(pades, 'UNSUPPORTED_ALGORITHM');
      assert.match(check(pades, 'algorithm').detail, /pades signature is RSA PKCS #1 v1\.5/);
      assertValid(byIntermediate.verifyCertificate({ certificate: ec.ecSigner.certDer, format: 'cms' }));
    });
  });

  describe('refused signer keys', function () {
    it('secp256k1 and brainpool signers (ECDSA, on curves not accepted): UNSUPPORTED_ALGORITHM', function () {
      for (const party of [ec.secp256k1, ec.brainpool]) {
        const report = verify(opensslCms(DOCUMENT, party, { carry: [ec.ecIntermediate] }));
        assertCode(report, 'UNSUPPORTED_ALGORITHM');
        assert.match(check(report, 'algorithm').detail, /is not accepted: P-256, P-384 or P-521/);
        const bare = opensslCms(DOCUMENT, party, { noCertificates: true, carry: [ec.ecIntermediate] });
        assertCode(verify(bare, { certificate: party.certDer }), 'UNSUPPORTED_ALGORITHM');
      }
    });

    it('an Ed25519 signer: UNSUPPORTED_ALGORITHM, whether its certificate is carried or given', function () {
      // OpenSSL 3.0 cannot sign CMS with Ed25519: the signature is made with a P-256 key whose
      // certificate has the Ed25519 one's issuer and serial number, and the Ed25519 one is carried.
      const cms = opensslCms(DOCUMENT, ec.ed25519Twin, {
        noCertificates: true,
        carry: [ec.ed25519, ec.ecIntermediate],
      });
      const report = verify(cms);
      assertCode(report, 'UNSUPPORTED_ALGORITHM');
      assert.match(check(report, 'algorithm').detail, /Ed25519/);
      assertCode(verify(cms, { certificate: ec.ed25519.certDer }), 'UNSUPPORTED_ALGORITHM');
      const { privateKey } = generateKeyPairSync('ed25519');
      const raw = sign(null, DOCUMENT, privateKey);
      assertCode(verify(raw, { certificate: ec.ed25519.certDer }), 'UNSUPPORTED_ALGORITHM');
      assertCode(verifier.verifyCertificate({ certificate: ec.ed25519.certDer }), 'UNSUPPORTED_ALGORITHM');
    });
  });

  describe('issuer signatures', function () {
    it('an RSA signer under an EC chain (ECDSA-SHA384 and ECDSA-SHA256 links)', function () {
      const report = verify(opensslCms(DOCUMENT, ec.rsaUnderEc, { carry: [ec.ecIntermediate] }));
      assertValid(report);
      assert.equal(report.algorithm, 'RSA-SHA256');
      assert.equal(check(report, 'algorithm').detail, 'RSA-SHA256, 2048-bit key');
      assert.equal(report.path.length, 3);
    });

    it('an EC intermediate between an RSA root and an RSA signer', function () {
      const report = verify(opensslCms(DOCUMENT, ec.rsaUnderEcUnderRsa, { carry: [ec.ecUnderRsaRoot] }));
      assertValid(report);
      assert.equal(report.path.length, 3);
    });

    it('an EC intermediate whose ECDSA signature was altered: CERTIFICATE_UNTRUSTED', function () {
      const der = flipByte(ec.ecIntermediate.certDer, -1); // the last octet of s
      const altered = { ...ec.ecIntermediate, certPem: pem(der) };
      const report = verify(opensslCms(DOCUMENT, ec.ecSigner, { carry: [altered] }));
      assertCode(report, 'CERTIFICATE_UNTRUSTED');
      assert.match(check(report, 'chain').detail, /does not verify with .*CN=AC Raiz EC de Pruebas's key/);
    });

    it('without the EC intermediate, or trusting another root: CERTIFICATE_UNTRUSTED', function () {
      assertCode(verify(opensslCms(DOCUMENT, ec.ecSigner)), 'CERTIFICATE_UNTRUSTED');
      const rsaOnly = new SignatureVerifier(loadTrustStore({ anchors: f.root.certPath }));
      const signature = opensslCms(DOCUMENT, ec.rsaUnderEc, { carry: [ec.ecIntermediate, ec.ecRoot] });
      assertCode(rsaOnly.verify({ document: DOCUMENT, signature }), 'CERTIFICATE_UNTRUSTED');
    });

    it('a CRL signed with ECDSA by an EC CA: CERTIFICATE_REVOKED for the EC signer it lists, revocation established for the rest', function () {
      const now = new Date();
      const crl = f.pki.crl('ec-intermediate', ec.ecIntermediate, [{ party: ec.ecRevoked, at: now }]);
      const rootCrl = f.pki.crl('ec-root', ec.ecRoot, []);
      const withCrls = new SignatureVerifier(
        loadTrustStore({ anchors: ec.ecRoot.certPath, crls: [crl, rootCrl], revocationPolicy: 'required' }),
      );
      const at = new Date(now.getTime() + 1000);
      const revoked = opensslCms(DOCUMENT, ec.ecRevoked, { carry: [ec.ecIntermediate] });
      const report = withCrls.verify({ document: DOCUMENT, signature: revoked, at });
      assertCode(report, 'CERTIFICATE_REVOKED');
      for (const party of [ec.ecSigner, ec.rsaUnderEc]) {
        const good = opensslCms(DOCUMENT, party, { carry: [ec.ecIntermediate] });
        const passed = withCrls.verify({ document: DOCUMENT, signature: good, at });
        assertValid(passed);
        assert.equal(check(passed, 'revocation').outcome, 'passed');
      }
      // A CRL in the EC intermediate's name from another EC key is not believed.
      const impostor = ec.pki.issue('ec-impostor', { name: 'AC Intermedia EC de Pruebas' }, null, 'P-256', {
        ca: {},
      });
      const forged = f.pki.crl('ec-forged', impostor, [{ party: ec.ecSigner, at: now }]);
      const forgedOnly = new SignatureVerifier(
        loadTrustStore({
          anchors: ec.ecRoot.certPath,
          crls: [forged, rootCrl],
          revocationPolicy: 'required',
        }),
      );
      const signature = opensslCms(DOCUMENT, ec.ecSigner, { carry: [ec.ecIntermediate] });
      assertCode(forgedOnly.verify({ document: DOCUMENT, signature, at }), 'REVOCATION_UNAVAILABLE');
    });

    it('an ECDSA algorithm with parameters, or met with an RSA key, does not verify', function () {
      const intermediate = parseCertificate(ec.ecIntermediate.certDer);
      const root = parseCertificate(ec.ecRoot.certDer);
      const { signatureAlgorithm, tbs, signature } = intermediate;
      assert.equal(verifyIssuerSignature(signatureAlgorithm, tbs, root, signature), true);
      const withParameters = { ...signatureAlgorithm, parametersAbsent: false };
      assert.equal(verifyIssuerSignature(withParameters, tbs, root, signature), false);
      const rsaRoot = parseCertificate(f.root.certDer);
      assert.equal(verifyIssuerSignature(signatureAlgorithm, tbs, rsaRoot, signature), false);
      // An RSA algorithm named over an EC key.
      const president = parseCertificate(f.president.certDer);
      assert.equal(verifyIssuerSignature(president.signatureAlgorithm, tbs, root, signature), false);
    });
  });

  describe('the ECDSA-Sig-Value', function () {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = sign('sha256', DOCUMENT, { key: privateKey, dsaEncoding: 'der' });

    it('is DER or it is not a signature', function () {
      assert.equal(ecdsaVerify('sha256', DOCUMENT, publicKey, der), true);
      const p1363 = sign('sha256', DOCUMENT, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      const longLength = Buffer.concat([Buffer.of(0x30, 0x81, der[1]!), der.subarray(2)]);
      const trailing = Buffer.concat([der, Buffer.of(0)]);
      const [r, s] = parseDer(der).children.map((c) => Buffer.from(elementBytes(der, c)));
      const padded = (integer: Buffer) =>
        Buffer.concat([Buffer.of(0x02, integer[1]! + 1, 0), integer.subarray(2)]);
      const sequence = (...parts: Buffer[]) => {
        const content = Buffer.concat(parts);
        return Buffer.concat([Buffer.of(0x30), lengthOctets(content.length), content]);
      };
      for (const bad of [
        p1363,
        longLength,
        trailing,
        sequence(padded(r!), s!),
        sequence(r!, Buffer.of(0x02, 0x01, 0x00)), // s = 0
        sequence(r!, Buffer.of(0x02, 0x01, 0xff)), // s = -1
        sequence(r!, s!, Buffer.of(0x02, 0x01, 0x01)),
        sequence(r!),
        Buffer.alloc(0),
      ]) {
        assert.equal(isDerEcdsaSigValue(bad, 256), false, bad.toString('hex'));
        assert.equal(ecdsaVerify('sha256', DOCUMENT, publicKey, bad), false);
      }
    });

    it('verifies with an EC key on an accepted curve only', function () {
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
      assert.equal(ecdsaVerify('sha256', DOCUMENT, rsa, der), false);
      const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
      const k1Signature = sign('sha256', DOCUMENT, { key: k1.privateKey, dsaEncoding: 'der' });
      assert.equal(ecdsaVerify('sha256', DOCUMENT, k1.publicKey, k1Signature), false);
    });
  });
});
