import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli';
import { signingFixtures, type SigningFixtures } from '../support/fixtures';
import { OpensslPki } from '../support/openssl-pki';
import { opensslCms, opensslPkcs1 } from '../support/sign';

describe('manifiesta verify (CLI)', function () {
  this.timeout(120_000);
  let f: SigningFixtures;
  let dir: string;
  const file = (name: string, content: Uint8Array | string): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  let documentPath: string;
  let cmsPath: string;

  before(function () {
    f = signingFixtures();
    dir = mkdtempSync(join(tmpdir(), 'manifiesta-cli-'));
    const document = Buffer.from('Carta de intención — Huixquilucan\n');
    documentPath = file('carta.pdf', document);
    cmsPath = file('carta.p7s', opensslCms(document, f.president, { carry: [f.intermediate] }));
    file('carta.sig', opensslPkcs1(document, f.president));
  });

  it('exits 0 and says FIRMA VÁLIDA for a valid CMS, with every check listed', function () {
    const r = runCli([
      'verify',
      '--document',
      documentPath,
      '--signature',
      cmsPath,
      '--trust-anchors',
      f.root.certPath,
      '--rfc',
      'COCR800101AB1',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^FIRMA VÁLIDA/);
    assert.match(r.stdout, /ROMINA CONTRERAS CARRASCO \(RFC COCR800101AB1, CURP COCR800101MMCNRM09\)/);
    for (const check of [
      'format',
      'algorithm',
      'signature',
      'document',
      'keyUsage',
      'chain',
      'validity',
      'revocation',
      'identity',
    ]) {
      assert.match(r.stdout, new RegExp(`[✓–] ${check}`));
    }
  });

  it('--json prints the verification report of DESIGN §3', function () {
    const r = runCli(['verify', '--document', documentPath, '--signature', cmsPath, '--json'], {
      TRUST_ANCHORS: f.root.certPath,
    });
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.valid, true);
    assert.equal(report.signer.rfc, 'COCR800101AB1');
    assert.equal(report.certificate.kind, 'fiel');
    assert.equal(report.algorithm, 'RSA-SHA256');
    assert.ok(
      Array.isArray(report.checks) && report.checks.every((c: { outcome: string }) => c.outcome !== 'failed'),
    );
    assert.ok(report.signingTime);
  });

  it('an ECDSA signature: the key said by its curve', function () {
    const pki = new OpensslPki(join(dir, 'ec'));
    const signer = pki.issue('ec-signer', { name: 'ELENA CURVA PRIMA' }, f.intermediate, 'P-256');
    const signature = file(
      'carta-ec.p7s',
      opensslCms(readFileSync(documentPath), signer, { carry: [f.intermediate] }),
    );
    const r = runCli([
      'verify',
      '--document',
      documentPath,
      '--signature',
      signature,
      '--trust-anchors',
      f.root.certPath,
    ]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Certificado: OTHER, serie [0-9a-f]+, EC P-256\n/);
    assert.match(r.stdout, /Algoritmo: {3}ECDSA-SHA256 \(cms\)/);
  });

  it('detects PKCS#1 when a certificate is given, and judges validity --at a time', function () {
    const args = [
      'verify',
      '--document',
      documentPath,
      '--signature',
      join(dir, 'carta.sig'),
      '--certificate',
      f.president.certPath,
      '--trust-anchors',
      `${f.root.certPath},${f.intermediate.certPath}`,
      '--json',
    ];
    const now = runCli(args);
    assert.equal(now.status, 0, now.stdout + now.stderr);
    assert.equal(JSON.parse(now.stdout).format, 'pkcs1-sha256');
    const before = runCli([
      ...args,
      '--at',
      new Date(f.president.notBefore.getTime() - 86_400_000).toISOString(),
    ]);
    assert.equal(before.status, 1);
    assert.equal(JSON.parse(before.stdout).code, 'CERTIFICATE_EXPIRED');
  });

  it('exits 1 with the code printed for an invalid signature', function () {
    const tampered = file('otra.pdf', 'otro documento');
    const r = runCli([
      'verify',
      '--document',
      tampered,
      '--signature',
      cmsPath,
      '--trust-anchors',
      f.root.certPath,
    ]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /FIRMA NO VÁLIDA — DOCUMENT_MISMATCH/);
    const wrongSigner = runCli([
      'verify',
      '--document',
      documentPath,
      '--signature',
      cmsPath,
      '--trust-anchors',
      f.root.certPath,
      '--rfc',
      'MAVJ650101CD2',
    ]);
    assert.equal(wrongSigner.status, 1);
    assert.match(wrongSigner.stdout, /SIGNER_MISMATCH/);
    const untrusted = runCli(['verify', '--document', documentPath, '--signature', cmsPath]);
    assert.equal(untrusted.status, 1);
    assert.match(untrusted.stdout, /CERTIFICATE_UNTRUSTED/);
  });

  it('consults --crls: a revoked signer exits 1 with CERTIFICATE_REVOKED', function () {
    const document = Buffer.from('documento del firmante revocado');
    const doc = file('revocado.txt', document);
    const sig = file('revocado.p7s', opensslCms(document, f.revoked, { carry: [f.intermediate] }));
    const r = runCli([
      'verify',
      '--document',
      doc,
      '--signature',
      sig,
      '--trust-anchors',
      f.root.certPath,
      '--crls',
      f.crlPath,
    ]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /CERTIFICATE_REVOKED/);
  });

  it('exits 2 on usage errors, each with one clear line', function () {
    const cases: [string[], RegExp][] = [
      [['verify', '--document', documentPath], /--signature/],
      [
        ['verify', '--document', documentPath, '--signature', cmsPath, '--format', 'xml'],
        /Allowed choices are cms, pkcs1-sha256/,
      ],
      [
        ['verify', '--document', join(dir, 'missing.pdf'), '--signature', cmsPath],
        /no se pudo leer el documento .*ENOENT/,
      ],
      [
        ['verify', '--document', documentPath, '--signature', cmsPath, '--at', 'ayer'],
        /--at debe ser una fecha ISO 8601/,
      ],
      [
        ['verify', '--document', documentPath, '--signature', cmsPath, '--trust-anchors', join(dir, 'none')],
        /no existe ese archivo o carpeta/,
      ],
      [
        ['verify', '--document', documentPath, '--signature', cmsPath, '--trust-anchors', documentPath],
        /no es un certificado utilizable/,
      ],
      [['sign-everything'], /unknown command/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args);
      assert.equal(r.status, 2, `${args.join(' ')} → ${r.status}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });

  it('verifies the committed example exactly as docs/verification.md shows it', function () {
    const r = runCli([
      'verify',
      '--document',
      'examples/carta.txt',
      '--signature',
      'examples/carta.p7s',
      '--trust-anchors',
      'examples/ac-ejemplo.pem',
      '--rfc',
      'COCR800101AB1',
    ]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^FIRMA VÁLIDA/);
  });

  it('prints its version and help', function () {
    assert.match(runCli(['--version']).stdout, /^\d+\.\d+\.\d+/);
    const help = runCli(['verify', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--trust-anchors/);
  });
});
