/**
 * Hostile signatures: certificate sets chosen to make path building explode. Each is built here,
 * at test time, and must be refused quickly with a typed code, by the library, by the portal
 * (which keeps answering everyone else meanwhile), and by the pool's time budget as a last resort.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import forge from 'node-forge';
import {
  LIMITS,
  PATH_LIMITS,
  SignatureVerifier,
  TrustStore,
  VerificationPool,
  type VerificationReport,
} from '../../src/signatures';
import { signingFixtures, type SigningFixtures } from '../support/fixtures';
import { processEnv, type ProcessEnv } from '../support/process-env';
import { signingLink, testInput, waitForState } from '../support/process-helpers';
import { startPortal, type TestPortal } from '../support/portal';

const RFC = 'COCR800101AB1';
const scratch = mkdtempSync(join(tmpdir(), 'manifiesta-hostile-'));
const openssl = (...args: string[]): Buffer =>
  execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
let files = 0;
const file = (name: string, content?: string | Buffer): string => {
  const path = join(scratch, `${files++}-${name}`);
  if (content !== undefined) writeFileSync(path, content);
  return path;
};

/**
 * The ring of the report, made with OpenSSL: one RSA key, `n` self-issued CA certificates all
 * named "AC Ciclica" that share it (so each verifies every other), and a signer certificate
 * issued by "AC Ciclica" naming the expected RFC. Returns a detached CMS over `document` that
 * carries all of them.
 */
function cyclicRing(n: number, document: Buffer): Buffer {
  const caKey = file('ring-ca.key');
  openssl('genrsa', '-out', caKey, '2048');
  const cas: string[] = [];
  for (let i = 1; i <= n; i++) {
    const out = file(`ring-${i}.pem`);
    openssl(
      'req',
      '-x509',
      '-new',
      '-key',
      caKey,
      '-subj',
      '/CN=AC Ciclica',
      '-days',
      '30',
      '-set_serial',
      String(i),
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      out,
    );
    cas.push(out);
  }
  const signerKey = file('ring-signer.key');
  openssl('genrsa', '-out', signerKey, '2048');
  const csr = file('ring-signer.csr');
  openssl(
    'req',
    '-new',
    '-key',
    signerKey,
    '-subj',
    `/CN=ROMINA CONTRERAS CARRASCO/x500UniqueIdentifier=${RFC}`,
    '-out',
    csr,
  );
  const extensions = file(
    'ring-signer.ext',
    'keyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=emailProtection\n',
  );
  const signer = file('ring-signer.pem');
  openssl(
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    cas[0]!,
    '-CAkey',
    caKey,
    '-set_serial',
    '1000',
    '-days',
    '30',
    '-extfile',
    extensions,
    '-out',
    signer,
  );
  const bundle = file('ring-bundle.pem', cas.map((p) => execFileSync('cat', [p])).join(''));
  return openssl(
    'cms',
    '-sign',
    '-binary',
    '-in',
    file('document', document),
    '-signer',
    signer,
    '-inkey',
    signerKey,
    '-certfile',
    bundle,
    '-outform',
    'DER',
  );
}

/** node-forge certificates on Node-generated keys, without key identifiers (so nothing prunes them). */
interface Issued {
  readonly cert: forge.pki.Certificate;
  readonly key: forge.pki.rsa.PrivateKey;
}
function rsaKey(): { key: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { key: forge.pki.privateKeyFromPem(privateKey), publicKey: forge.pki.publicKeyFromPem(publicKey) };
}
let serial = 1;
function certificate(
  subject: string,
  subjectKey: forge.pki.rsa.PublicKey,
  issuer: string,
  issuerKey: forge.pki.rsa.PrivateKey,
  options: { ca: boolean; rfc?: string },
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = subjectKey;
  cert.serialNumber = (serial++).toString(16).padStart(4, '0');
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 30 * 86_400_000);
  const name = (cn: string, rfc?: string) => [
    { name: 'commonName', value: cn },
    ...(rfc ? [{ type: '2.5.4.45', value: rfc }] : []),
  ];
  cert.setSubject(name(subject, options.rfc));
  cert.setIssuer(name(issuer));
  cert.setExtensions(
    options.ca
      ? [
          { name: 'basicConstraints', critical: true, cA: true },
          { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true },
        ]
      : [
          { name: 'basicConstraints', critical: true, cA: false },
          { name: 'keyUsage', critical: true, digitalSignature: true, nonRepudiation: true },
          { name: 'extKeyUsage', emailProtection: true },
        ],
  );
  cert.sign(issuerKey, forge.md.sha256.create());
  return cert;
}

/** A detached CMS (signed attributes) by `signer` over `document`, carrying `carried`. */
function cms(document: Buffer, signer: Issued, carried: readonly forge.pki.Certificate[]): Buffer {
  const p7 = forge.pkcs7.createSignedData();
  p7.content = forge.util.createBuffer(document.toString('binary'));
  p7.addCertificate(signer.cert);
  for (const cert of carried) p7.addCertificate(cert);
  p7.addSigner({
    key: signer.key,
    certificate: signer.cert,
    digestAlgorithm: forge.pki.oids.sha256!,
    authenticatedAttributes: [
      { type: forge.pki.oids.contentType!, value: forge.pki.oids.data! },
      { type: forge.pki.oids.messageDigest! },
    ],
  });
  p7.sign({ detached: true });
  return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary');
}

function timed(run: () => VerificationReport): { report: VerificationReport; ms: number } {
  const started = performance.now();
  const report = run();
  return { report, ms: performance.now() - started };
}

describe('hostile signatures are refused with bounded work', function () {
  this.timeout(120_000);
  const document = Buffer.from('%PDF-1.7\nCarta de intención\n');
  let f: SigningFixtures;
  let verifier: SignatureVerifier;
  let ring: Buffer;

  before(function () {
    f = signingFixtures();
    verifier = new SignatureVerifier(TrustStore.fromCertificates([f.root.certDer, f.intermediate.certDer]));
    ring = cyclicRing(12, document);
  });

  const verify = (signature: Buffer) =>
    timed(() => verifier.verify({ document, signature, expectedSigner: { rfc: RFC } }));

  it('twelve self-issued CAs sharing one key (an 11 KB upload): CERTIFICATE_UNTRUSTED in well under a second', function () {
    assert.ok(ring.length < 16_000, `the hostile CMS is small (${ring.length} bytes)`);
    const { report, ms } = verify(ring);
    assert.equal(report.code, 'CERTIFICATE_UNTRUSTED', JSON.stringify(report.checks));
    assert.ok(ms < 300, `refused in ${ms.toFixed(0)} ms`);
  });

  it('CAs of one name with different keys, each certifying every other: VERIFICATION_LIMIT_EXCEEDED', function () {
    const keys = Array.from({ length: 4 }, rsaKey);
    const carried: forge.pki.Certificate[] = [];
    for (const [i, subject] of keys.entries())
      for (const [j, issuer] of keys.entries())
        if (carried.length < LIMITS.carriedCertificates - 1 && (i !== j || i === 0))
          carried.push(certificate('AC Cruzada', subject.publicKey, 'AC Cruzada', issuer.key, { ca: true }));
    const signerKey = rsaKey();
    const signer = {
      key: signerKey.key,
      cert: certificate('ROMINA CONTRERAS CARRASCO', signerKey.publicKey, 'AC Cruzada', keys[0]!.key, {
        ca: false,
        rfc: RFC,
      }),
    };
    const { report, ms } = verify(cms(document, signer, carried));
    assert.equal(report.code, 'VERIFICATION_LIMIT_EXCEEDED', JSON.stringify(report.checks));
    assert.match(report.checks.find((c) => c.check === 'chain')!.detail, /path building stopped/);
    assert.ok(ms < 500, `refused in ${ms.toFixed(0)} ms`);
    assert.ok(PATH_LIMITS.signatureChecks < 64);
  });

  it('a thousand carried certificates: VERIFICATION_LIMIT_EXCEEDED before any is read', function () {
    const key = rsaKey();
    const signer = {
      key: key.key,
      cert: certificate('ROMINA CONTRERAS CARRASCO', key.publicKey, 'AC Inexistente', key.key, {
        ca: false,
        rfc: RFC,
      }),
    };
    const filler = certificate('AC Relleno', key.publicKey, 'AC Relleno', key.key, { ca: true });
    const signature = cms(
      document,
      signer,
      Array.from({ length: 1000 }, () => filler),
    );
    assert.ok(signature.length < LIMITS.signatureBytes, 'under the size limit, so the count must stop it');
    const { report, ms } = verify(signature);
    assert.equal(report.code, 'VERIFICATION_LIMIT_EXCEEDED');
    assert.match(report.checks.find((c) => c.check === 'format')!.detail, /carries 1001 certificates/);
    assert.ok(ms < 500, `refused in ${ms.toFixed(0)} ms`);
  });

  it('a signer certificate that is its own issuer: CERTIFICATE_UNTRUSTED', function () {
    const key = rsaKey();
    const self = certificate(
      'ROMINA CONTRERAS CARRASCO',
      key.publicKey,
      'ROMINA CONTRERAS CARRASCO',
      key.key,
      {
        ca: false,
        rfc: RFC,
      },
    );
    const { report } = verify(cms(document, { key: key.key, cert: self }, [self, self]));
    assert.equal(report.code, 'CERTIFICATE_UNTRUSTED');
  });

  it('two CAs certifying each other (a cross-certified loop): CERTIFICATE_UNTRUSTED', function () {
    const a = rsaKey();
    const b = rsaKey();
    const aByB = certificate('AC Alfa', a.publicKey, 'AC Beta', b.key, { ca: true });
    const bByA = certificate('AC Beta', b.publicKey, 'AC Alfa', a.key, { ca: true });
    const signerKey = rsaKey();
    const signer = {
      key: signerKey.key,
      cert: certificate('ROMINA CONTRERAS CARRASCO', signerKey.publicKey, 'AC Alfa', a.key, {
        ca: false,
        rfc: RFC,
      }),
    };
    const { report, ms } = verify(cms(document, signer, [aByB, bByA]));
    assert.equal(report.code, 'CERTIFICATE_UNTRUSTED');
    assert.ok(ms < 300, `refused in ${ms.toFixed(0)} ms`);
  });

  it('the pool answers VERIFICATION_TIMEOUT past its time budget, while the caller’s event loop runs on', async function () {
    const pool = new VerificationPool(TrustStore.fromCertificates([f.root.certDer]), {
      threads: 1,
      timeBudgetMs: 150,
    });
    try {
      // Hashing 1 GiB takes most of a second or more: a verification that cannot finish in 150 ms.
      // Shared memory, so that handing it to the thread copies nothing on this event loop.
      const huge = new Uint8Array(new SharedArrayBuffer(1024 * 1024 * 1024)).fill(7);
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 10);
      const started = performance.now();
      const report = await pool.verify({ document: huge, signature: ring });
      const ms = performance.now() - started;
      clearInterval(ticker);
      assert.equal(report.code, 'VERIFICATION_TIMEOUT');
      assert.equal(report.valid, false);
      assert.ok(ms < 2_000, `answered after ${ms.toFixed(0)} ms`);
      assert.ok(ticks >= 5, `the event loop kept running (${ticks} ticks)`);
      // The pool replaced the stopped thread and still verifies.
      const after = await pool.verify({ document, signature: ring, expectedSigner: { rfc: RFC } });
      assert.equal(after.code, 'CERTIFICATE_UNTRUSTED');
    } finally {
      await pool.close();
    }
  });

  describe('in the portal', function () {
    let env: ProcessEnv;
    let portal: TestPortal;

    before(async function () {
      env = await processEnv();
      portal = await startPortal(env, { reads: 10_000, writes: 100 });
    });
    after(async function () {
      await portal?.close();
    });

    it('refuses the ring upload quickly and keeps answering /healthz in under a second meanwhile', async function () {
      const input = testInput();
      const { workflowId } = await env.processes.start(input);
      const { token } = await signingLink(env, input.president.email);
      const letter = Buffer.from(
        await (await fetch(`${portal.url}/api/v1/signing/${token}/document`)).arrayBuffer(),
      );
      const hostile = cyclicRing(12, letter);
      const before = await env.processes.status(workflowId);

      const health: number[] = [];
      let uploading = true;
      const probe = (async () => {
        while (uploading) {
          const started = performance.now();
          const response = await fetch(`${portal.url}/healthz`);
          assert.equal(response.status, 200);
          health.push(performance.now() - started);
        }
      })();
      const started = performance.now();
      const responses = await Promise.all(
        Array.from({ length: 4 }, () =>
          fetch(`${portal.url}/api/v1/signing/${token}/signature`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ format: 'cms', signature: hostile.toString('base64') }),
          }),
        ),
      );
      const ms = performance.now() - started;
      uploading = false;
      await probe;
      for (const response of responses) {
        assert.equal(response.status, 422);
        const body = (await response.json()) as { error: { code: string } };
        assert.equal(body.error.code, 'CERTIFICATE_UNTRUSTED');
      }
      assert.ok(ms < 1_000, `four hostile uploads refused in ${ms.toFixed(0)} ms`);
      assert.ok(
        health.length > 0 && Math.max(...health) < 1_000,
        `healthz took up to ${Math.max(...health).toFixed(0)} ms`,
      );
      const after = await waitForState(env, workflowId, () => true);
      assert.deepEqual(after.signatures, before.signatures, 'nothing was recorded');
      assert.equal(after.stage, 'AwaitingMunicipalSignature');
    });
  });
});
