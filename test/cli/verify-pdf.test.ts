import assert from 'node:assert/strict';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderLetterPdf } from '../../src/activities/letter';
import { SIGNATURE_FIELD } from '../../src/domain/process';
import { runCli, runCliMeasured } from '../support/cli';
import { HUIXQUILUCAN } from '../support/letters';
import { signingFixtures, type SigningFixtures } from '../support/fixtures';
import { appendRawRevision, drawOnPage, signField } from '../support/signed-pdf';
import { flipByte } from '../support/sign';

/** `manifiesta verify --document carta-firmada.pdf`: every signature inside a PDF, as users run it. */
describe('manifiesta verify on a signed PDF (CLI)', function () {
  this.timeout(120_000);
  let f: SigningFixtures;
  let dir: string;
  let letter: Buffer;
  let signed: Buffer;
  let firstSignatureOnly: Buffer;
  const file = (name: string, content: Uint8Array): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const verify = (path: string, ...more: string[]) =>
    runCli(['verify', '--document', path, '--trust-anchors', f.root.certPath, ...more]);

  before(async function () {
    f = signingFixtures();
    dir = mkdtempSync(join(tmpdir(), 'manifiesta-cli-pdf-'));
    letter = await renderLetterPdf(HUIXQUILUCAN);
    const once = await signField(letter, SIGNATURE_FIELD.municipal, f.president, 'Presidenta Municipal', [
      f.intermediate,
    ]);
    firstSignatureOnly = once;
    signed = await signField(once, SIGNATURE_FIELD.institute, f.commissioner, 'Comisionado Presidente', [
      f.intermediate,
    ]);
  });

  it('exits 0 for two valid signatures, naming each signer and that only signing came after the first', function () {
    const r = verify(file('carta-firmada.pdf', signed));
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^PDF CON 2 FIRMAS VÁLIDAS/);
    assert.match(r.stdout, /Firma 1 de 2, campo FirmaMunicipal: VÁLIDA/);
    assert.match(r.stdout, /ROMINA CONTRERAS CARRASCO \(RFC COCR800101AB1/);
    assert.match(r.stdout, /Firma 2 de 2, campo FirmaInstitucional: VÁLIDA/);
    assert.match(r.stdout, /JOSÉ MARTÍNEZ VILCHIS/);
    assert.match(r.stdout, /Después: {5}sólo lo permitido/);
    assert.match(r.stdout, /Cubre: {7}el archivo completo/);

    const json = JSON.parse(verify(join(dir, 'carta-firmada.pdf'), '--json').stdout) as {
      valid: boolean;
      originalSha256: string;
      signatures: { field: string; valid: boolean; report: { signer: { rfc: string } } }[];
    };
    assert.equal(json.valid, true);
    assert.deepEqual(
      json.signatures.map((s) => [s.field, s.valid, s.report.signer.rfc]),
      [
        ['FirmaMunicipal', true, 'COCR800101AB1'],
        ['FirmaInstitucional', true, f.commissioner.identity.rfc],
      ],
    );
  });

  it('exits 1 with DOCUMENT_MODIFIED_AFTER_SIGNING for text drawn after signing, and DOCUMENT_MISMATCH for a changed byte', function () {
    const drawn = verify(file('dibujada.pdf', drawOnPage(signed)));
    assert.equal(drawn.status, 1, drawn.stdout + drawn.stderr);
    assert.match(drawn.stdout, /^PDF CON FIRMAS NO VÁLIDAS — 2 de 2/);
    assert.match(drawn.stdout, /FirmaMunicipal: NO VÁLIDA — DOCUMENT_MODIFIED_AFTER_SIGNING/);
    assert.match(drawn.stdout, /not allowed: page 2 changed \/Contents/);

    const changed = verify(file('alterada.pdf', flipByte(signed, letter.indexOf('stream\n') + 64)));
    assert.equal(changed.status, 1);
    assert.match(changed.stdout, /FirmaMunicipal: NO VÁLIDA — DOCUMENT_MISMATCH/);
  });

  it('judges validity at --at, and refuses an untrusted chain', function () {
    const path = file('carta-firmada.pdf', signed);
    const early = verify(path, '--at', '2001-01-01T00:00:00Z');
    assert.equal(early.status, 1);
    assert.match(early.stdout, /FirmaMunicipal: NO VÁLIDA — CERTIFICATE_EXPIRED/);
    assert.match(early.stdout, /Juzgada al: {2}2001-01-01T00:00:00.000Z/);
    const untrusted = runCli(['verify', '--document', path, '--trust-anchors', f.untrustedRoot.certPath]);
    assert.equal(untrusted.status, 1);
    assert.match(untrusted.stdout, /NO VÁLIDA — CERTIFICATE_UNTRUSTED/);
  });

  it('--signer binds each field to whom it must be: RFC, CURP or name; a mismatch or a missing signature exits 1', function () {
    const path = file('carta-firmada.pdf', signed);
    const both = verify(
      path,
      '--signer',
      `FirmaMunicipal=${f.president.identity.rfc!}`,
      '--signer',
      `FirmaInstitucional=${f.commissioner.identity.name}`,
    );
    assert.equal(both.status, 0, both.stdout + both.stderr);
    assert.match(both.stdout, /✓ identity {3}RFC COCR800101AB1 match/);
    const swapped = verify(path, '--signer', `FirmaInstitucional=${f.president.identity.rfc!}`);
    assert.equal(swapped.status, 1);
    assert.match(swapped.stdout, /FirmaInstitucional: NO VÁLIDA — SIGNER_MISMATCH/);
    const first = verify(
      file('carta-una-firma.pdf', firstSignatureOnly),
      '--signer',
      `FirmaInstitucional=${f.commissioner.identity.rfc!}`,
    );
    assert.equal(first.status, 1, first.stdout);
    assert.match(first.stdout, /^PDF INCOMPLETO/);
    assert.match(first.stdout, /Falta la firma del campo FirmaInstitucional \(SIGNATURE_REQUIRED\)/);
    const usage = verify(path, '--signer', 'FirmaMunicipal');
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /--signer espera CAMPO=RFC/);
    const detached = runCli(['verify', '--document', path, '--signature', path, '--signer', 'A=B']);
    assert.equal(detached.status, 2);
    assert.match(detached.stderr, /--signer sólo se usa con un PDF firmado/);
  });

  it('refuses what it will not read: PAYLOAD_TOO_LARGE before reading, VERIFICATION_LIMIT_EXCEEDED in under 2 s', function () {
    const huge = file('enorme.pdf', signed);
    truncateSync(huge, 33 * 1024 * 1024); // sparse: nothing is written, and nothing must be read
    const big = verify(huge);
    assert.equal(big.status, 1, big.stdout + big.stderr);
    assert.match(big.stdout, /^PDF NO VÁLIDO — PAYLOAD_TOO_LARGE/);
    // 4.25 million zeros in one array: refused on its value budget, not parsed into gigabytes.
    const flood = file('arreglo.pdf', appendRawRevision(signed, [`[${'0 '.repeat(4_250_000)}]`]));
    const limited = runCliMeasured(['verify', '--document', flood, '--trust-anchors', f.root.certPath]);
    assert.equal(limited.status, 1, limited.stdout + limited.stderr);
    assert.match(limited.stdout, /^PDF NO VÁLIDO — VERIFICATION_LIMIT_EXCEEDED/);
    // The CLI's CPU time, its start included, not the time it took: on a busy machine that also
    // counts everyone else's work.
    assert.ok(limited.cpuMs < 4000, `${limited.cpuMs.toFixed(0)} ms of CPU, the CLI's start included`);
  });

  it('writes its whole report into a pipe, however long', function () {
    // 3,000 new objects nothing allows: a line each in the report, well over a pipe's 64 KiB.
    const noisy = file(
      'ruidosa.pdf',
      appendRawRevision(
        signed,
        Array.from({ length: 3000 }, (_, i) => `(objeto ${i})`),
        true,
      ),
    );
    const r = verify(noisy, '--json');
    assert.equal(r.status, 1);
    assert.ok(r.stdout.length > 200_000, `${r.stdout.length} bytes`);
    const report = JSON.parse(r.stdout) as { signatures: { modifications: { details: string[] } }[] };
    assert.ok(report.signatures[0]!.modifications.details.length >= 3000);
  });

  it('exits 1 for a PDF without signatures or one it cannot read; 2 for flags that need --signature', function () {
    const unsigned = verify(file('carta.pdf', letter));
    assert.equal(unsigned.status, 1);
    assert.match(unsigned.stdout, /^PDF SIN FIRMAS/);
    const truncated = verify(file('truncada.pdf', signed.subarray(0, 3000)));
    assert.equal(truncated.status, 1, truncated.stdout + truncated.stderr);
    assert.match(truncated.stdout, /^PDF NO VÁLIDO — MALFORMED_INPUT/);
    for (const flag of [
      ['--rfc', 'COCR800101AB1'],
      ['--certificate', f.president.certPath],
    ]) {
      const r = verify(join(dir, 'carta-firmada.pdf'), ...flag);
      assert.equal(r.status, 2);
      assert.match(r.stderr, new RegExp(`${flag[0]} sólo se usa con --signature`));
    }
  });
});
