/**
 * ECDSA beside RSA: EC keys (P-256, P-384, P-521) in certificates, ECDSA issuer signatures on
 * certificates and CRLs, chains that mix RSA and EC, and the keys that stay refused. Keys and
 * certificates are made by OpenSSL (test/support/openssl-pki.ts), CRLs by `openssl ca`.
 */
import assert from 'node:assert/strict';
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
import { InputRejected } from '../../src/signatures/failure';
import { signingFixtures, type SigningFixtures } from '../support/fixtures';
import { OpensslPki } from '../support/openssl-pki';
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
  `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;

const check = (report: VerificationReport, name: string) => report.checks.find((c) => c.check === name)!;

interface EcParties {
  readonly pki: OpensslPki;
  /** P-384, self-issued, signing with SHA-384. */
  readonly ecRoot: KeyHolder;
  /** P-256 under ecRoot. */
  readonly ecIntermediate: KeyHolder;
  readonly rsaUnderEc: KeyHolder;
  /** An EC intermediate under the RSA test root, and an RSA signer under it. */
  readonly ecUnderRsaRoot: KeyHolder;
  readonly rsaUnderEcUnderRsa: KeyHolder;
  readonly revokedRsa: KeyHolder;
  readonly ed25519: KeyHolder;
  readonly secp256k1: KeyHolder;
  readonly brainpool: KeyHolder;
}

function fiel(label: string, name: string, rfc: string, curp: string) {
  return { name, rfc, curp, email: `${label}@example.mx` };
}

describe('ECDSA beside RSA', function () {
  this.timeout(120_000);
  let f: SigningFixtures;
  let ec: EcParties;
  let verifier: SignatureVerifier;
  const verify = (signature: Buffer, more: { certificate?: Buffer } = {}) =>
    verifier.verify({ document: DOCUMENT, signature, ...more });

  before(function () {
    f = signingFixtures();
    const pki = new OpensslPki(mkdtempSync(join(tmpdir(), 'manifiesta-ec-pki-')));
    const ecRoot = pki.issue('ec-root', { name: 'AC Raiz EC de Pruebas' }, null, 'P-384', {
      ca: {},
      digest: 'sha384',
    });
    const ecIntermediate = pki.issue(
      'ec-intermediate',
      { name: 'AC Intermedia EC de Pruebas' },
      ecRoot,
      'P-256',
      {
        ca: { pathLen: 0 },
        digest: 'sha384',
      },
    );
    const ecUnderRsaRoot = pki.issue('ec-under-rsa', { name: 'AC Intermedia EC bajo RSA' }, f.root, 'P-256', {
      ca: { pathLen: 0 },
    });
    const signer = (label: string, issuer: KeyHolder, key: Parameters<OpensslPki['issue']>[3], who: string) =>
      pki.issue(label, fiel(label, who, 'ECDS700101AA1', 'ECDS700101HMCCDS01'), issuer, key);
    ec = {
      pki,
      ecRoot,
      ecIntermediate,
      rsaUnderEc: signer('rsa-under-ec', ecIntermediate, 'rsa-2048', 'RSA BAJO EC'),
      ecUnderRsaRoot,
      rsaUnderEcUnderRsa: signer(
        'rsa-under-ec-under-rsa',
        ecUnderRsaRoot,
        'rsa-2048',
        'RSA BAJO EC BAJO RSA',
      ),
      revokedRsa: signer('revoked-rsa-under-ec', ecIntermediate, 'rsa-2048', 'RSA REVOCADO'),
      ed25519: signer('ed25519', ecIntermediate, 'ed25519', 'CLAVE ED25519'),
      secp256k1: signer('secp256k1', ecIntermediate, 'secp256k1', 'CLAVE SECP256K1'),
      brainpool: signer('brainpool', ecIntermediate, 'brainpoolP256r1', 'CLAVE BRAINPOOL'),
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
      const p521 = parseCertificate(
        ec.pki.issue('p521', { name: 'P521' }, null, 'P-521', { ca: {} }).certDer,
      );
      assert.deepEqual([p521.curve, p521.keyBits], ['P-521', 521]);
      const rsa = parseCertificate(f.president.certDer);
      assert.deepEqual([rsa.keyAlgorithm, rsa.curve, rsa.keyBits], ['rsa', null, 2048]);
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
            error instanceof InputRejected &&
            error.code === 'UNSUPPORTED_ALGORITHM' &&
            name.test(error.message),
        );
        assert.throws(() => loadTrustStore({ anchors: party.certPath }), TrustConfigurationError);
      }
    });
  });

  describe('refused signer keys', function () {
    it('secp256k1 and brainpool signers (ECDSA, on curves not accepted): UNSUPPORTED_ALGORITHM', function () {
      for (const party of [ec.secp256k1, ec.brainpool]) {
        const report = verify(opensslCms(DOCUMENT, party, { carry: [ec.ecIntermediate] }));
        assertCode(report, 'UNSUPPORTED_ALGORITHM');
        const bare = opensslCms(DOCUMENT, party, { noCertificates: true, carry: [ec.ecIntermediate] });
        assertCode(verify(bare, { certificate: party.certDer }), 'UNSUPPORTED_ALGORITHM');
      }
    });
  });

  describe('issuer signatures', function () {
    it('an RSA signer under an EC chain (ECDSA-SHA384 and ECDSA-SHA256 links)', function () {
      const report = verify(opensslCms(DOCUMENT, ec.rsaUnderEc, { carry: [ec.ecIntermediate] }));
      assertValid(report);
      assert.equal(report.algorithm, 'RSA-SHA256');
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
      const report = verify(opensslCms(DOCUMENT, ec.rsaUnderEc, { carry: [altered] }));
      assertCode(report, 'CERTIFICATE_UNTRUSTED');
      assert.match(check(report, 'chain').detail, /does not verify with .*CN=AC Raiz EC de Pruebas's key/);
    });

    it('without the EC intermediate, or trusting another root: CERTIFICATE_UNTRUSTED', function () {
      assertCode(verify(opensslCms(DOCUMENT, ec.rsaUnderEc)), 'CERTIFICATE_UNTRUSTED');
      const rsaOnly = new SignatureVerifier(loadTrustStore({ anchors: f.root.certPath }));
      const signature = opensslCms(DOCUMENT, ec.rsaUnderEc, { carry: [ec.ecIntermediate, ec.ecRoot] });
      assertCode(rsaOnly.verify({ document: DOCUMENT, signature }), 'CERTIFICATE_UNTRUSTED');
    });

    it('a CRL signed with ECDSA by an EC CA: CERTIFICATE_REVOKED for what it lists, revocation established for the rest', function () {
      const now = new Date();
      const crl = f.pki.crl('ec-intermediate', ec.ecIntermediate, [{ party: ec.revokedRsa, at: now }]);
      const rootCrl = f.pki.crl('ec-root', ec.ecRoot, []);
      const withCrls = new SignatureVerifier(
        loadTrustStore({ anchors: ec.ecRoot.certPath, crls: [crl, rootCrl], revocationPolicy: 'required' }),
      );
      const at = new Date(now.getTime() + 1000);
      const revoked = opensslCms(DOCUMENT, ec.revokedRsa, { carry: [ec.ecIntermediate] });
      assertCode(withCrls.verify({ document: DOCUMENT, signature: revoked, at }), 'CERTIFICATE_REVOKED');
      const good = opensslCms(DOCUMENT, ec.rsaUnderEc, { carry: [ec.ecIntermediate] });
      const report = withCrls.verify({ document: DOCUMENT, signature: good, at });
      assertValid(report);
      assert.equal(check(report, 'revocation').outcome, 'passed');
      // A CRL in the EC intermediate's name from another EC key is not believed.
      const impostor = ec.pki.issue('ec-impostor', { name: 'AC Intermedia EC de Pruebas' }, null, 'P-256', {
        ca: {},
      });
      const forged = f.pki.crl('ec-forged', impostor, [{ party: ec.rsaUnderEc, at: now }]);
      const forgedOnly = new SignatureVerifier(
        loadTrustStore({
          anchors: ec.ecRoot.certPath,
          crls: [forged, rootCrl],
          revocationPolicy: 'required',
        }),
      );
      assertCode(forgedOnly.verify({ document: DOCUMENT, signature: good, at }), 'REVOCATION_UNAVAILABLE');
    });
  });
});
