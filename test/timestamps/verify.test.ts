/**
 * The time-stamp token verifier against tokens from OpenSSL's TSA (`openssl ts -reply`) and
 * hand-made tokens shaped like real PSC constancias; each attack tried first: another imprint,
 * another request's nonce, a broken signature, a stranger's chain, a TSA certificate expired at the
 * stamped time; and the PSC profile's deviations tolerated only under an anchor configured for it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCertificate } from '../../src/signatures/certificate';
import { timestampRequest } from '../../src/timestamps/request';
import { parseTimeStampResponse, parseTstInfo } from '../../src/timestamps/token';
import { verifyTimestampToken, type TimestampTrust } from '../../src/timestamps/verify';
import { parseCms } from '../../src/signatures/cms';
import {
  handMadeToken,
  opensslTsaQuery,
  opensslTsaReply,
  TEST_TSA_POLICY,
  testTsaParties,
} from '../support/timestamp-tokens';

const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();
const letter = Buffer.from('%PDF-1.7 carta de intención (prueba)\n');

describe('time-stamp tokens (RFC 3161)', function () {
  this.timeout(60_000);
  let trust: TimestampTrust;
  let pscTrust: TimestampTrust;

  before(function () {
    const p = testTsaParties();
    trust = { anchors: [parseCertificate(p.root.certDer)] };
    pscTrust = { ...trust, pscAnchors: [sha256(p.root.certDer).toString('hex')] };
  });

  it('our request is one OpenSSL’s TSA answers; the token stamps it, with our nonce, and verifies', function () {
    // A nonce whose first byte is below 0x10 reads back from the TSTInfo without its leading zero
    // nibble: both kinds are tried, since one in sixteen requests has one.
    const requests = Array.from({ length: 400 }, () =>
      timestampRequest({ algorithm: 'sha256', digest: sha256(letter) }),
    );
    const small = requests.find((r) => r.nonce.startsWith('0'));
    const large = requests.find((r) => !r.nonce.startsWith('0'));
    assert.ok(small && large, 'both kinds of nonce among 400 requests');
    for (const request of [small, large]) {
      const from = new Date(Date.now() - 1000);
      const { response, token } = opensslTsaReply(request.der);
      const parsed = parseTimeStampResponse(response);
      assert.equal(parsed.status, 0);
      assert.deepEqual(Buffer.from(parsed.token!), token);
      const verdict = verifyTimestampToken(
        token,
        { imprint: { data: letter }, nonce: request.nonce, requested: { from, to: new Date() } },
        trust,
      );
      assert.equal(verdict.valid, true, `${request.nonce}: ${verdict.problem ?? ''}`);
      assert.equal(verdict.profile, 'rfc3161');
      assert.equal(verdict.policy, TEST_TSA_POLICY);
      assert.equal(verdict.accuracyMs, 1500);
      assert.deepEqual(verdict.deviations, []);
      assert.match(verdict.tsa!.subject, /TSA de Prueba/);
      assert.ok(Math.abs(verdict.genTime!.getTime() - Date.now()) < 60_000);
    }
  });

  it('OpenSSL verifies what we accept, and we accept what OpenSSL made for its own query', function () {
    const query = opensslTsaQuery(letter);
    const { response, token } = opensslTsaReply(query);
    const dir = mkdtempSync(join(tmpdir(), 'tsa-check-'));
    writeFileSync(join(dir, 'r.tsr'), response);
    writeFileSync(join(dir, 'letter'), letter);
    const p = testTsaParties();
    const out = execFileSync(
      'openssl',
      ['ts', '-verify', '-in', join(dir, 'r.tsr'), '-data', join(dir, 'letter'), '-CAfile', p.root.certPath],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    assert.match(out, /Verification: OK/);
    assert.equal(verifyTimestampToken(token, { imprint: { data: letter } }, trust).valid, true);
  });

  it('refuses a token over another document, or one that answers another request', function () {
    const request = timestampRequest({ algorithm: 'sha256', digest: sha256(letter) });
    const { token } = opensslTsaReply(request.der);
    const other = verifyTimestampToken(token, { imprint: { data: Buffer.from('otra carta') } }, trust);
    assert.equal(other.valid, false);
    assert.equal(other.code, 'TIMESTAMP_INVALID');
    assert.match(other.problem!, /another imprint/);
    const replayed = verifyTimestampToken(
      token,
      {
        imprint: { data: letter },
        nonce: timestampRequest({ algorithm: 'sha256', digest: sha256(letter) }).nonce,
      },
      trust,
    );
    assert.equal(replayed.valid, false);
    assert.match(replayed.problem!, /nonce/);
  });

  it('refuses a token whose time is far from when we asked', function () {
    const { token } = opensslTsaReply(timestampRequest({ algorithm: 'sha256', digest: sha256(letter) }).der);
    const anHourAgo = new Date(Date.now() - 3_600_000);
    const verdict = verifyTimestampToken(
      token,
      { imprint: { data: letter }, requested: { from: anHourAgo, to: new Date(anHourAgo.getTime() + 1000) } },
      trust,
    );
    assert.equal(verdict.valid, false);
    assert.match(verdict.problem!, /outside our request/);
  });

  it('refuses a broken TSA signature, an altered TSTInfo and a stranger’s chain', function () {
    const broken = handMadeToken({ data: letter, signer: testTsaParties().tsa, breakSignature: true });
    assert.match(
      verifyTimestampToken(broken, { imprint: { data: letter } }, pscTrust).problem!,
      /does not verify/,
    );

    const { token } = opensslTsaReply(timestampRequest({ algorithm: 'sha256', digest: sha256(letter) }).der);
    const cms = parseCms(token);
    const content = Buffer.from(cms.content!);
    const at = token.indexOf(content);
    const altered = Buffer.from(token);
    altered[at + content.length - 3] = altered[at + content.length - 3]! ^ 0x01; // inside genTime or later: a TSTInfo the TSA never signed
    const verdict = verifyTimestampToken(altered, { imprint: { data: letter } }, trust);
    assert.equal(verdict.valid, false);

    const p = testTsaParties();
    const stranger = opensslTsaReply(
      timestampRequest({ algorithm: 'sha256', digest: sha256(letter) }).der,
      p.strangerTsa,
      [p.strangerRoot],
    );
    const refused = verifyTimestampToken(stranger.token, { imprint: { data: letter } }, trust);
    assert.equal(refused.valid, false);
    assert.match(refused.problem!, /does not chain to a trusted anchor/);
  });

  it('refuses a TSA certificate that was not valid at the stamped time', function () {
    const token = handMadeToken({
      data: letter,
      signer: testTsaParties().tsa,
      genTime: new Date('2001-01-01T00:00:00Z'),
    });
    const verdict = verifyTimestampToken(token, { imprint: { data: letter } }, trust);
    assert.equal(verdict.valid, false);
    assert.match(verdict.problem!, /was not valid at 2001-01-01/);
  });

  describe('a PSC’s constancia as some really are', function () {
    const deviant = () =>
      handMadeToken({
        data: letter,
        signer: testTsaParties().tsaWithoutEku,
        essCertificate: testTsaParties().root, // names another certificate
        signingTime: '261202201500.123Z', // UTCTime with fractional seconds
        serial: Buffer.from([0xf3, 0x10, 0x22]), // negative
      });

    it('is refused under plain RFC 3161 trust', function () {
      const verdict = verifyTimestampToken(deviant(), { imprint: { data: letter } }, trust);
      assert.equal(verdict.valid, false);
      assert.equal(verdict.code, 'TIMESTAMP_INVALID');
      assert.equal(verdict.profile, 'rfc3161');
      assert.match(verdict.problem!, /no extended key usage/);
    });

    it('is accepted under an anchor configured for PSCs, each deviation listed', function () {
      const verdict = verifyTimestampToken(deviant(), { imprint: { data: letter } }, pscTrust);
      assert.equal(verdict.valid, true, verdict.problem ?? '');
      assert.equal(verdict.profile, 'psc');
      assert.equal(verdict.deviations.length, 4, verdict.deviations.join('\n'));
      assert.match(verdict.deviations.join('\n'), /no extended key usage/);
      assert.match(verdict.deviations.join('\n'), /ESS signing-certificate hash does not match/);
      assert.match(
        verdict.deviations.join('\n'),
        /signingTime attribute is not a valid time \("261202201500.123Z"\)/,
      );
      assert.match(verdict.deviations.join('\n'), /serial number is negative/);
      assert.equal(
        parseTstInfo(parseCms(deviant(), { lenientSigningTime: true }).content!).serialNegative,
        true,
      );
    });

    it('but never with another imprint or a broken signature', function () {
      assert.equal(
        verifyTimestampToken(deviant(), { imprint: { data: Buffer.from('x') } }, pscTrust).valid,
        false,
      );
      const broken = handMadeToken({
        data: letter,
        signer: testTsaParties().tsaWithoutEku,
        essCertificate: null,
        breakSignature: true,
      });
      assert.equal(verifyTimestampToken(broken, { imprint: { data: letter } }, pscTrust).valid, false);
    });
  });

  it('garbage is MALFORMED_INPUT, never an exception', function () {
    for (const bytes of [Buffer.alloc(0), Buffer.from('hola'), Buffer.from('3003020101', 'hex'), letter]) {
      const verdict = verifyTimestampToken(bytes, { imprint: { data: letter } }, trust);
      assert.equal(verdict.valid, false);
      assert.equal(verdict.code, 'MALFORMED_INPUT');
    }
  });
});
