/**
 * `manifiesta verify --timestamp`: any RFC 3161 token or NOM-151 constancia over a document (or
 * its SHA-256), judged offline, as a coordinator or an auditor runs it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timestampRequest } from '../../src/timestamps/request';
import { runCli, onlyConfiguration } from '../support/cli';
import { handMadeToken, opensslTsaReply, testTsaParties } from '../support/timestamp-tokens';

describe('manifiesta verify --timestamp', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'verify-timestamp-'));
  const letter = Buffer.from('%PDF-1.7 carta firmada\n');
  const letterPath = join(dir, 'carta-firmada.pdf');
  const responsePath = join(dir, 'sello.tsr');
  const constanciaPath = join(dir, 'constancia-nom151.tsr');
  const sha = createHash('sha256').update(letter).digest('hex');

  before(function () {
    writeFileSync(letterPath, letter);
    const request = timestampRequest({ algorithm: 'sha256', digest: Buffer.from(sha, 'hex') });
    writeFileSync(responsePath, opensslTsaReply(request.der).response);
    // A constancia as some PSCs make them (no timeStamping usage, another ESS hash, a negative
    // serial), in base64 as PSCs' REST APIs hand it over.
    const p = testTsaParties();
    const token = handMadeToken({ data: letter, essCertificate: p.root, serial: Buffer.from([0x80, 0x01]) });
    writeFileSync(constanciaPath, token.toString('base64'));
  });

  it('a valid token over the document: exit 0, its time, authority and imprint', function () {
    const p = testTsaParties();
    const r = runCli(
      ['verify', '--timestamp', responsePath, '--document', letterPath, '--trust-anchors', p.root.certPath],
      onlyConfiguration(),
    );
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^SELLO DE TIEMPO VÁLIDO \(RFC 3161\)/);
    assert.match(r.stdout, /Autoridad: {3}C=MX, O=TSA de Prueba, .*CN=TSA de Prueba\n/);
    assert.ok(r.stdout.includes(`Sella:       SHA256 ${sha}`), r.stdout);
    const json = runCli(
      ['verify', '--timestamp', responsePath, '--sha256', sha, '--trust-anchors', p.root.certPath, '--json'],
      onlyConfiguration(),
    );
    assert.equal(json.status, 0, json.stderr);
    const verdict = JSON.parse(json.stdout) as { valid: boolean; genTime: string; profile: string };
    assert.equal(verdict.valid, true);
    assert.equal(verdict.profile, 'rfc3161');
    assert.ok(Math.abs(Date.parse(verdict.genTime) - Date.now()) < 120_000);
  });

  it('another document, or an anchor that is not the TSA’s: exit 1 with TIMESTAMP_INVALID', function () {
    const p = testTsaParties();
    const other = join(dir, 'otra.pdf');
    writeFileSync(other, Buffer.from('%PDF-1.7 otra carta\n'));
    const wrong = runCli(
      ['verify', '--timestamp', responsePath, '--document', other, '--trust-anchors', p.root.certPath],
      onlyConfiguration(),
    );
    assert.equal(wrong.status, 1);
    assert.match(
      wrong.stdout,
      /^SELLO DE TIEMPO NO VÁLIDO — TIMESTAMP_INVALID: El sello de tiempo no es válido/,
    );
    assert.match(wrong.stdout, /another imprint/);
    const stranger = runCli(
      [
        'verify',
        '--timestamp',
        responsePath,
        '--document',
        letterPath,
        '--trust-anchors',
        p.strangerRoot.certPath,
      ],
      onlyConfiguration(),
    );
    assert.equal(stranger.status, 1);
    assert.match(stranger.stdout, /does not chain to a trusted anchor/);
  });

  it('a PSC’s constancia: refused under TSA_TRUST_ANCHORS, accepted under NOM151_TRUST_ANCHORS with its deviations', function () {
    const p = testTsaParties();
    const strict = runCli(
      ['verify', '--timestamp', constanciaPath, '--document', letterPath],
      onlyConfiguration({ TSA_TRUST_ANCHORS: p.root.certPath }),
    );
    assert.equal(strict.status, 1, strict.stdout);
    const psc = runCli(
      ['verify', '--timestamp', constanciaPath, '--document', letterPath],
      onlyConfiguration({ NOM151_TRUST_ANCHORS: p.root.certPath }),
    );
    assert.equal(psc.status, 0, psc.stdout + psc.stderr);
    assert.match(psc.stdout, /^SELLO DE TIEMPO VÁLIDO \(perfil de PSC, NOM-151\)/);
    assert.match(psc.stdout, /Desviación tolerada: the TSA certificate has no extended key usage/);
    assert.match(psc.stdout, /Desviación tolerada: the TSTInfo serial number is negative/);
  });

  it('usage errors exit 2 in Spanish', function () {
    const both = runCli(
      ['verify', '--timestamp', responsePath, '--document', letterPath, '--sha256', 'ab'],
      onlyConfiguration(),
    );
    assert.equal(both.status, 2);
    assert.match(both.stderr, /--document ARCHIVO o --sha256 HUELLA \(uno de los dos\)/);
    const bad = runCli(['verify', '--timestamp', responsePath, '--sha256', 'xyz'], onlyConfiguration());
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--sha256 debe ser una huella SHA-256/);
    const missing = runCli(
      ['verify', '--timestamp', join(dir, 'no-existe.tsr'), '--sha256', sha],
      onlyConfiguration(),
    );
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no se pudo leer el sello de tiempo/);
  });
});
