/**
 * Hostile signatures: certificate sets chosen to make path building explode. Each is built here,
 * at test time, and must be refused quickly with a typed code, by the library, by the portal
 * (which keeps answering everyone else meanwhile), and by the pool's time budget as a last resort.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import forge from 'node-forge';
import { type AnchorSet, buildPath } from '../../src/signatures/chain';
import {
  LIMITS,
  parseCertificate,
  SignatureVerifier,
  TrustStore,
  VerificationPool,
  type VerificationReport,
} from '../../src/signatures';
import { signingFixtures, testVerifier, type SigningFixtures } from '../support/fixtures';
import { processEnv, type ProcessEnv } from '../support/process-env';
import { signingLink, testInput } from '../support/process-helpers';
import { OpensslPki } from '../support/openssl-pki';
import type { KeyHolder } from '../support/pki';
import { forgeCms, opensslCms, type ForgeSigner } from '../support/sign';
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
function rsaKey(): { forgeKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    forgeKey: forge.pki.privateKeyFromPem(privateKey),
    publicKey: forge.pki.publicKeyFromPem(publicKey),
  };
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

/** A signer made of a fresh key and a certificate naming the expected RFC, issued as `issuer` by `issuerKey`. */
function signerIssuedBy(issuer: string, issuerKey: forge.pki.rsa.PrivateKey | 'self'): ForgeSigner {
  const key = rsaKey();
  const forgeCert = certificate(
    'ROMINA CONTRERAS CARRASCO',
    key.publicKey,
    issuer,
    issuerKey === 'self' ? key.forgeKey : issuerKey,
    {
      ca: false,
      rfc: RFC,
    },
  );
  return { forgeKey: key.forgeKey, forgeCert };
}

const parsed = (cert: forge.pki.Certificate) =>
  parseCertificate(Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary'));

/**
 * The CPU time this thread spent verifying (ms): the work the verification did, however busy the
 * machine is (the time it took also counts everyone else's work). Where Node cannot tell a
 * thread's CPU time (before 23.9), the time it took.
 */
const threadMs: () => number =
  typeof process.threadCpuUsage === 'function'
    ? () => {
        const { user, system } = process.threadCpuUsage();
        return (user + system) / 1000;
      }
    : () => performance.now();

function timed(run: () => VerificationReport): { report: VerificationReport; ms: number } {
  const started = threadMs();
  const report = run();
  return { report, ms: threadMs() - started };
}

describe('hostile signatures are refused with bounded work', function () {
  this.timeout(120_000);
  const document = Buffer.from('%PDF-1.7\nCarta de intención\n');
  let f: SigningFixtures;
  let verifier: SignatureVerifier;
  let anchors: AnchorSet;
  let ring: Buffer;

  before(function () {
    f = signingFixtures();
    const trust = TrustStore.fromCertificates([f.root.certDer, f.intermediate.certDer]);
    verifier = new SignatureVerifier(trust);
    anchors = trust.anchors;
    ring = cyclicRing(12, document);
  });

  const verify = (signature: Buffer) =>
    timed(() => verifier.verify({ document, signature, expectedSigner: { rfc: RFC } }));

  it('twelve self-issued CAs sharing one key (an 11 KB upload): CERTIFICATE_UNTRUSTED in well under a second', function () {
    assert.ok(ring.length < 16_000, `the hostile CMS is small (${ring.length} bytes)`);
    const { report, ms } = verify(ring);
    assert.equal(report.code, 'CERTIFICATE_UNTRUSTED', JSON.stringify(report.checks));
    assert.ok(ms < 300, `refused in ${ms.toFixed(0)} ms of CPU`);
  });

  it('CAs of one name with different keys, each certifying every other: VERIFICATION_LIMIT_EXCEEDED', function () {
    const keys = Array.from({ length: 4 }, rsaKey);
    const carried: forge.pki.Certificate[] = [];
    for (const [i, subject] of keys.entries())
      for (const [j, issuer] of keys.entries())
        if (carried.length < LIMITS.carriedCertificates - 1 && (i !== j || i === 0))
          carried.push(
            certificate('AC Cruzada', subject.publicKey, 'AC Cruzada', issuer.forgeKey, { ca: true }),
          );
    const signer = signerIssuedBy('AC Cruzada', keys[0]!.forgeKey);
    const { report, ms } = verify(forgeCms(document, signer, carried));
    assert.equal(report.code, 'VERIFICATION_LIMIT_EXCEEDED', JSON.stringify(report.checks));
    assert.match(report.checks.find((c) => c.check === 'chain')!.detail, /path building stopped/);
    assert.ok(ms < 500, `refused in ${ms.toFixed(0)} ms of CPU`);
  });

  it('the same with P-521 keys, the dearest to verify with: VERIFICATION_LIMIT_EXCEEDED as soon', function () {
    // A P-521 signature costs about a millisecond to check, RSA-2048's some 30 µs: the cap on
    // signature checks, not their kind, bounds the work.
    const pki = new OpensslPki(join(scratch, 'p521-ring'));
    const ca = { name: 'AC Cruzada EC' };
    const options = { ca: {}, noKeyIdentifiers: true, digest: 'sha512' } as const;
    const selfIssued = Array.from({ length: 4 }, (_, i) => pki.issue(`ca-${i}`, ca, null, 'P-521', options));
    const carried: KeyHolder[] = [];
    for (const [i, subject] of selfIssued.entries())
      for (const [j, issuer] of selfIssued.entries())
        if (carried.length < LIMITS.carriedCertificates - 1 && (i !== j || i === 0))
          carried.push(
            i === j ? subject : pki.certify(`ca-${i}-by-${j}`, ca, subject.keyPath, issuer, options),
          );
    const signer = pki.issue(
      'signer',
      { name: 'ROMINA CONTRERAS CARRASCO', rfc: RFC },
      selfIssued[0]!,
      'P-521',
      {
        noKeyIdentifiers: true,
        digest: 'sha512',
      },
    );
    const { report, ms } = verify(opensslCms(document, signer, { carry: carried }));
    assert.equal(report.code, 'VERIFICATION_LIMIT_EXCEEDED', JSON.stringify(report.checks));
    assert.match(report.checks.find((c) => c.check === 'chain')!.detail, /path building stopped/);
    assert.ok(ms < 500, `refused in ${ms.toFixed(0)} ms of CPU`);
  });

  it('a thousand carried certificates: VERIFICATION_LIMIT_EXCEEDED before any is read', function () {
    const key = rsaKey();
    const signer = signerIssuedBy('AC Inexistente', key.forgeKey);
    const filler = certificate('AC Relleno', key.publicKey, 'AC Relleno', key.forgeKey, { ca: true });
    const signature = forgeCms(
      document,
      signer,
      Array.from({ length: 1000 }, () => filler),
    );
    assert.ok(signature.length < LIMITS.signatureBytes, 'under the size limit, so the count must stop it');
    const { report, ms } = verify(signature);
    assert.equal(report.code, 'VERIFICATION_LIMIT_EXCEEDED');
    assert.match(report.checks.find((c) => c.check === 'format')!.detail, /carries 1001 certificates/);
    assert.ok(ms < 500, `refused in ${ms.toFixed(0)} ms of CPU`);
  });

  it('a signer certificate that is its own issuer: CERTIFICATE_UNTRUSTED', function () {
    const self = signerIssuedBy('ROMINA CONTRERAS CARRASCO', 'self');
    const { report, ms } = verify(forgeCms(document, self, [self.forgeCert, self.forgeCert]));
    assert.equal(report.code, 'CERTIFICATE_UNTRUSTED');
    assert.ok(ms < 300, `refused in ${ms.toFixed(0)} ms of CPU`);
  });

  it('cross-certified loops end at once: each CA name and key is on a path at most once', function () {
    // Two CAs certifying each other, and one CA re-keyed whose keys certify each other.
    const a = rsaKey();
    const b = rsaKey();
    const loop = [
      certificate('AC Alfa', a.publicKey, 'AC Beta', b.forgeKey, { ca: true }),
      certificate('AC Beta', b.publicKey, 'AC Alfa', a.forgeKey, { ca: true }),
    ];
    const k1 = rsaKey();
    const k2 = rsaKey();
    const rekeyed = [
      certificate('AC Ciclica', k1.publicKey, 'AC Ciclica', k2.forgeKey, { ca: true }),
      certificate('AC Ciclica', k2.publicKey, 'AC Ciclica', k1.forgeKey, { ca: true }),
      certificate('AC Ciclica', k1.publicKey, 'AC Ciclica', k1.forgeKey, { ca: true }),
    ];
    for (const [issuerName, issuerKey, carried] of [
      ['AC Alfa', a.forgeKey, loop],
      ['AC Ciclica', k1.forgeKey, rekeyed],
    ] as const) {
      const signer = signerIssuedBy(issuerName, issuerKey);
      const { report, ms } = verify(forgeCms(document, signer, carried));
      assert.equal(report.code, 'CERTIFICATE_UNTRUSTED', `${issuerName}: ${JSON.stringify(report.checks)}`);
      assert.ok(ms < 300, `${issuerName}: refused in ${ms.toFixed(0)} ms of CPU`);
      // The work itself: every certificate's signature checked at most once per issuer key.
      const path = buildPath(parsed(signer.forgeCert), carried.map(parsed), anchors);
      assert.equal(path.ok, false);
      assert.ok(
        path.work.signatureChecks <= carried.length + 1,
        `${issuerName}: ${path.work.signatureChecks} signature checks for ${carried.length} CAs`,
      );
    }
  });

  it('the pool answers VERIFICATION_TIMEOUT past its time budget, and replaces the stopped thread', async function () {
    const pool = new VerificationPool(TrustStore.fromCertificates([f.root.certDer]), {
      threads: 1,
      timeBudgetMs: 150,
    });
    try {
      // Shared memory, so that handing it to the thread copies nothing; a digest given, so that
      // the refusal does not hash it here either.
      const huge = new Uint8Array(new SharedArrayBuffer(hashableIn(2_000))).fill(7);
      const started = performance.now();
      const report = await pool.verify({ document: huge, signature: ring, documentSha256: '0'.repeat(64) });
      const ms = performance.now() - started;
      assert.equal(report.code, 'VERIFICATION_TIMEOUT');
      assert.equal(report.valid, false);
      assert.ok(report.checks.every((c) => c.outcome === 'skipped' && /stopped after 150 ms/.test(c.detail)));
      assert.ok(ms < 1_500, `answered after ${ms.toFixed(0)} ms`);
      // A new thread takes the stopped one's place. Starting it may itself take a budget or
      // several (more on a busy machine): asked again until it answers, for up to a minute.
      const giveUpAt = Date.now() + 60_000;
      let after = await pool.verify({ document, signature: ring, expectedSigner: { rfc: RFC } });
      while (after.code === 'VERIFICATION_TIMEOUT' && Date.now() < giveUpAt) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        after = await pool.verify({ document, signature: ring, expectedSigner: { rfc: RFC } });
      }
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

    async function openSigning() {
      const input = testInput();
      const { workflowId } = await env.processes.start(input);
      const { token } = await signingLink(env, input.president.email);
      const letter = Buffer.from(
        await (await fetch(`${portal.url}/api/v1/signing/${token}/document`)).arrayBuffer(),
      );
      return { workflowId, token, letter };
    }
    const postSignature = (url: string, token: string, signature: Buffer) =>
      fetch(`${url}/api/v1/signing/${token}/signature`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ format: 'cms', signature: signature.toString('base64') }),
      });

    /** Polls /healthz until `done` resolves; returns each answer's time, in order. */
    async function healthTimes(url: string, done: Promise<unknown>): Promise<number[]> {
      let finished = false;
      void done.finally(() => (finished = true));
      const times: number[] = [];
      while (!finished) {
        const started = performance.now();
        assert.equal((await fetch(`${url}/healthz`)).status, 200);
        times.push(performance.now() - started);
      }
      return times;
    }
    const slowestHealth = async (url: string, done: Promise<unknown>): Promise<number> =>
      Math.max(0, ...(await healthTimes(url, done)));

    it('refuses the ring upload quickly and keeps answering /healthz meanwhile; nothing is recorded', async function () {
      const { workflowId, token, letter } = await openSigning();
      const hostile = cyclicRing(12, letter);
      const before = await env.processes.status(workflowId);
      const started = performance.now();
      const uploads = Promise.all(Array.from({ length: 4 }, () => postSignature(portal.url, token, hostile)));
      const slowest = await slowestHealth(portal.url, uploads);
      const ms = performance.now() - started;
      for (const response of await uploads) {
        assert.equal(response.status, 422);
        assert.equal(
          ((await response.json()) as { error: { code: string } }).error.code,
          'CERTIFICATE_UNTRUSTED',
        );
      }
      // Bounded, not timed to the millisecond: before path building was bounded this ring never
      // finished. Each answer above is a verdict, so each verification ended within the pool's
      // time budget (a ring that never finishes is VERIFICATION_TIMEOUT); what one costs is
      // measured above in CPU time. Four refusals take about a second on a loaded 2-core machine.
      assert.ok(
        ms < testVerifier().timeBudgetMs,
        `four hostile uploads refused in ${ms.toFixed(0)} ms, within the pool's budget of ${testVerifier().timeBudgetMs} ms`,
      );
      assert.ok(slowest < 1_000, `healthz took up to ${slowest.toFixed(0)} ms`);
      const after = await env.processes.status(workflowId);
      assert.deepEqual(after.signatures, before.signatures, 'nothing was recorded');
      assert.equal(after.stage, 'AwaitingMunicipalSignature');
    });

    it('verifies off its event loop: while one verification runs for seconds, /healthz answers in milliseconds', async function () {
      // A verification made slow on purpose: the real pool, handed a document of a few GiB'
      // worth of hashing instead of the letter (shared memory: nothing is copied here). Its time
      // budget is not what is tested: a busy machine may take several times as long.
      const pool = new VerificationPool(
        TrustStore.fromCertificates([f.root.certDer, f.intermediate.certDer]),
        { threads: 1, timeBudgetMs: 120_000 },
      );
      const huge = new Uint8Array(new SharedArrayBuffer(hashableIn(2_000))).fill(7);
      const slow = await startPortal(
        env,
        { reads: 10_000, writes: 100 },
        {
          verify: (input) => pool.verify({ ...input, document: huge }),
          verifyCertificate: (input) => pool.verifyCertificate(input),
          chainOf: (certificate) => pool.chainOf(certificate),
          revocationDataOf: (certificate) => pool.revocationDataOf(certificate),
        },
      );
      try {
        const { token, letter } = await openSigning();
        const started = performance.now();
        const upload = postSignature(slow.url, token, forgeCms(letter, f.president, [f.intermediate]));
        const times = await healthTimes(slow.url, upload);
        const ms = performance.now() - started;
        const response = await upload;
        assert.equal(
          ((await response.json()) as { error: { code: string } }).error.code,
          'DOCUMENT_MISMATCH',
          'the huge document was hashed',
        );
        // Judged against the verification's own length, not the clock: however fast or busy the
        // machine, the event loop went on answering through it. Had the verification run on the
        // event loop, the answer in flight when it began would have waited for all of it.
        const slowest = Math.max(...times);
        console.log(
          `      [event loop] a ${ms.toFixed(0)} ms verification: ${times.length} /healthz answers, the slowest ${slowest.toFixed(0)} ms`,
        );
        assert.ok(
          times.length >= 10,
          `healthz answered ${times.length} times while a ${ms.toFixed(0)} ms verification ran`,
        );
        assert.ok(
          slowest < ms / 3,
          `healthz took up to ${slowest.toFixed(0)} ms while a ${ms.toFixed(0)} ms verification ran`,
        );
      } finally {
        await slow.close();
        await pool.close();
      }
    });
  });
});

/**
 * A byte count whose SHA-256 takes about `ms` milliseconds here, at most 2 GiB: measured at the
 * fastest of a few runs, so that a moment of load while measuring does not shrink it.
 */
function hashableIn(ms: number): number {
  const sample = Buffer.alloc(64 * 1024 * 1024, 7);
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    createHash('sha256').update(sample).digest();
    fastest = Math.min(fastest, performance.now() - started);
  }
  const perByte = fastest / sample.length;
  return Math.min(2 * 1024 ** 3 - 1, Math.ceil(ms / perByte / 4096) * 4096);
}
