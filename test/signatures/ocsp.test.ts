/**
 * OCSP (RFC 6960) against a real responder: our requests (src/revocation/ocsp-client.ts) go to
 * `openssl ocsp` answering from an index this test writes (test/support/ocsp.ts), and our judge
 * (src/signatures/ocsp.ts) reads what comes back. Each verdict is compared with OpenSSL's own
 * client check (`openssl ocsp -respin … -issuer … -cert … -CAfile …`) on the same bytes; where
 * OpenSSL does not refuse an attack (it judges at the current time only), the test says so.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodedError } from '../../src/domain/coded-error';
import { fetchOcsp, ocspRequest } from '../../src/revocation/ocsp-client';
import { parseCertificate, type Certificate } from '../../src/signatures';
import { isInputRejected } from '../../src/signatures/failure';
import {
  judgeOcspResponse,
  ocspCertId,
  parseOcspResponse,
  type OcspJudgeOptions,
  type OcspVerdict,
} from '../../src/signatures/ocsp';
import {
  startOcspResponder,
  writeIndex,
  type OcspResponder,
  type OcspResponderOptions,
} from '../support/ocsp';
import { OpensslPki } from '../support/openssl-pki';
import type { KeyHolder } from '../support/pki';

const MINUTE = 60_000;
const DAY = 86_400_000;

interface OpensslVerdict {
  /** `Response verify OK` (the signature and the responder's authority). */
  readonly verified: boolean;
  /** The status line for the certificate (`good`, `revoked`, `unknown`), or null (`No Status found`). */
  readonly status: string | null;
  readonly output: string;
}

describe('OCSP: our request, openssl ocsp as the responder, our judge', function () {
  this.timeout(120_000);
  let dir: string;
  let ca: KeyHolder;
  let signer: KeyHolder;
  let revokedSigner: KeyHolder;
  let otherCa: KeyHolder;
  let otherSigner: KeyHolder;
  let cert: Record<'ca' | 'signer' | 'revoked' | 'otherCa' | 'otherSigner', Certificate>;
  const revokedAt = new Date(Math.floor((Date.now() - 3 * 3_600_000) / 1000) * 1000);
  const responders: OcspResponder[] = [];
  let delegated: OcspResponder; // a responder certificate with OCSPSigning, SHA-256 signatures
  let sha1Signed: OcspResponder; // the same, signing with sha1WithRSAEncryption
  let caSigned: OcspResponder; // the CA's own key
  let withoutEku: OcspResponder; // issued by the CA, without OCSPSigning
  let foreign: OcspResponder; // OCSPSigning, but issued by another CA
  let noNextUpdate: OcspResponder;
  let indexPath: string;
  let responderParty: KeyHolder;
  let bothCas: string;

  const file = (name: string, bytes: Uint8Array): string => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };

  /**
   * `openssl ocsp -respin`, OpenSSL's client check of a response we received. With `-cert` it
   * builds a request of its own (and ignores `-reqin`), so the nonce is checked in a second run,
   * with our request (`-reqin`) and no `-cert`.
   */
  function opensslJudges(
    response: Uint8Array,
    subject: KeyHolder,
    issuer: KeyHolder,
    options: { caFile?: string; request?: Uint8Array; hash?: 'sha1' | 'sha256' } = {},
  ): OpensslVerdict {
    const common = ['ocsp', '-respin', file('judged.der', response), '-issuer', issuer.certPath];
    common.push('-CAfile', options.caFile ?? ca.certPath);
    const run = (args: string[]): string => {
      const result = spawnSync('openssl', [...common, ...args], { encoding: 'utf8' });
      return `${result.stdout}${result.stderr}`;
    };
    // The CertID it looks the status up by is hashed as ours was.
    let output = run([`-${options.hash ?? 'sha1'}`, '-cert', subject.certPath, '-no_nonce']);
    const status = /: (good|revoked|unknown)\n/.exec(output)?.[1] ?? null;
    let verified = /Response verify OK/.test(output);
    if (options.request !== undefined) {
      const nonce = run(['-reqin', file('judged-request.der', options.request)]);
      output += nonce;
      verified &&= /Response verify OK/.test(nonce) && !/Nonce Verify error|no nonce in response/.test(nonce);
    }
    return { verified, status, output };
  }

  async function ask(
    responder: OcspResponder,
    subject: Certificate,
    options: { hash?: 'sha1' | 'sha256'; nonce?: boolean } = {},
  ): Promise<{ response: Uint8Array; request: Buffer; nonce: Uint8Array | null }> {
    const request = ocspRequest(subject, cert.ca, options);
    const response = await fetchOcsp(responder.url, request.der, { timeoutMs: 10_000 });
    return { response, request: request.der, nonce: request.nonce };
  }

  const judge = (response: Uint8Array, options: Partial<OcspJudgeOptions> = {}): OcspVerdict =>
    judgeOcspResponse(response, { certificate: cert.signer, issuer: cert.ca, at: new Date(), ...options });

  async function start(
    options: Partial<OcspResponderOptions> & { responder: KeyHolder },
  ): Promise<OcspResponder> {
    const { responder, ...rest } = options;
    const started = await startOcspResponder({
      caCertPath: ca.certPath,
      indexPath,
      responderCertPath: responder.certPath,
      responderKeyPath: responder.keyPath,
      ...rest,
    });
    responders.push(started);
    return started;
  }

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'manifiesta-ocsp-test-'));
    const pki = new OpensslPki(dir);
    ca = pki.issue('ca', { name: 'AC de Pruebas OCSP' }, null, 'rsa-2048', { ca: {} });
    signer = pki.issue('signer', { name: 'Firmante Vigente' }, ca, 'rsa-2048');
    revokedSigner = pki.issue('revoked', { name: 'Firmante Revocado' }, ca, 'P-256');
    responderParty = pki.issue('responder', { name: 'Respondedor OCSP' }, ca, 'rsa-2048', {
      keyUsage: 'digitalSignature',
      extKeyUsage: 'critical,OCSPSigning',
    });
    const noEku = pki.issue('no-eku', { name: 'Respondedor sin OCSPSigning' }, ca, 'rsa-2048', {
      keyUsage: 'digitalSignature',
      extKeyUsage: 'clientAuth',
    });
    otherCa = pki.issue('other-ca', { name: 'Otra AC' }, null, 'rsa-2048', { ca: {} });
    const otherResponder = pki.issue(
      'other-responder',
      { name: 'Respondedor de Otra AC' },
      otherCa,
      'P-256',
      {
        keyUsage: 'digitalSignature',
        extKeyUsage: 'critical,OCSPSigning',
      },
    );
    // The same serial as `signer`, from another CA: its CertID differs only by the issuer hashes.
    otherSigner = pki.issue('other-signer', { name: 'Firmante de Otra AC' }, otherCa, 'rsa-2048', {
      serial: signer.serial,
    });
    bothCas = join(dir, 'both-cas.pem');
    writeFileSync(bothCas, ca.certPem + otherCa.certPem);
    cert = {
      ca: parseCertificate(ca.certDer),
      signer: parseCertificate(signer.certDer),
      revoked: parseCertificate(revokedSigner.certDer),
      otherCa: parseCertificate(otherCa.certDer),
      otherSigner: parseCertificate(otherSigner.certDer),
    };
    indexPath = join(dir, 'index.txt');
    const entry = (holder: KeyHolder) => ({
      serial: holder.serial,
      subject: `/CN=${holder.identity.name}`,
      notAfter: holder.notAfter,
    });
    writeIndex(indexPath, [
      { status: 'valid', ...entry(signer) },
      { status: 'revoked', ...entry(revokedSigner), revokedAt, reason: 'keyCompromise' },
    ]);
    [delegated, sha1Signed, caSigned, withoutEku, foreign, noNextUpdate] = await Promise.all([
      start({ responder: responderParty }),
      start({ responder: responderParty, digest: 'sha1' }),
      start({ responder: ca }),
      start({ responder: noEku }),
      start({ responder: otherResponder, otherCertsPath: otherCa.certPath }),
      start({ responder: responderParty, nextUpdateMinutes: null }),
    ]);
  });

  after(async () => {
    await Promise.all(responders.map((r) => r.stop()));
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  describe('requests', () => {
    for (const hash of ['sha1', 'sha256'] as const) {
      it(`writes the same ${hash} request as openssl ocsp -reqout (without a nonce)`, () => {
        const ours = ocspRequest(cert.signer, cert.ca, { hash, nonce: false });
        assert.equal(ours.nonce, null);
        const theirs = join(dir, `openssl-${hash}.req`);
        const args = ['ocsp', `-${hash}`, '-issuer', ca.certPath, '-cert', signer.certPath];
        const result = spawnSync('openssl', [...args, '-no_nonce', '-reqout', theirs], { encoding: 'utf8' });
        assert.equal(result.status, 0, result.stderr);
        assert.equal(ours.der.toString('hex'), readFileSync(theirs).toString('hex'));
      });
    }

    it('hashes the issuer key over the subjectPublicKey, not the whole SubjectPublicKeyInfo', () => {
      const text = spawnSync('openssl', ['ocsp', '-reqin', join(dir, 'openssl-sha1.req'), '-req_text'], {
        encoding: 'utf8',
      }).stdout;
      const id = ocspCertId(cert.signer, cert.ca, 'sha1');
      const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').toUpperCase();
      assert.match(text, new RegExp(`Issuer Key Hash: ${hex(id.issuerKeyHash)}`));
      assert.match(text, new RegExp(`Issuer Name Hash: ${hex(id.issuerNameHash)}`));
      assert.match(text, new RegExp(`Serial Number: ${id.serial.toUpperCase()}`));
    });

    it('sends a 32-octet nonce that OpenSSL reads', () => {
      const request = ocspRequest(cert.signer, cert.ca);
      assert.equal(request.nonce?.length, 32);
      const text = spawnSync('openssl', ['ocsp', '-reqin', file('nonce.req', request.der), '-req_text'], {
        encoding: 'utf8',
      }).stdout;
      assert.match(text, /OCSP Nonce:\s+0420([0-9A-F]{64})/);
      assert.equal(
        /OCSP Nonce:\s+0420([0-9A-F]{64})/.exec(text)![1],
        Buffer.from(request.nonce!).toString('hex').toUpperCase(),
      );
    });
  });

  describe('verdicts that agree with openssl ocsp', () => {
    for (const hash of ['sha1', 'sha256'] as const) {
      it(`good for the valid signer, revoked for the revoked one (${hash} CertID, with a nonce)`, async () => {
        const good = await ask(delegated, cert.signer, { hash });
        const verdict = judge(good.response, { nonce: good.nonce });
        assert.equal(verdict.problem, null);
        assert.equal(verdict.valid, true);
        assert.equal(verdict.status, 'good');
        assert.equal(verdict.responder, parseCertificate(responderParty.certDer).subjectText);
        assert.deepEqual(verdict.notes, hash === 'sha1' ? ['SHA-1 CertID'] : []);
        assert.ok(verdict.nextUpdate!.getTime() - verdict.thisUpdate!.getTime() === 5 * MINUTE);
        const openssl = opensslJudges(good.response, signer, ca, { request: good.request, hash });
        assert.ok(openssl.verified, openssl.output);
        assert.equal(openssl.status, 'good', openssl.output);
        assert.equal(
          Date.parse(/This Update: (.+)/.exec(openssl.output)![1]!),
          verdict.thisUpdate!.getTime(),
        );

        const bad = await ask(delegated, cert.revoked, { hash });
        const revoked = judge(bad.response, { certificate: cert.revoked, nonce: bad.nonce });
        assert.equal(revoked.problem, null);
        assert.equal(revoked.status, 'revoked');
        assert.equal(revoked.revokedAt!.getTime(), revokedAt.getTime());
        assert.equal(revoked.reason, 'keyCompromise');
        const theirs = opensslJudges(bad.response, revokedSigner, ca, { request: bad.request, hash });
        assert.ok(theirs.verified, theirs.output);
        assert.equal(theirs.status, 'revoked');
        assert.match(theirs.output, /Reason: keyCompromise/);
        assert.equal(Date.parse(/Revocation Time: (.+)/.exec(theirs.output)![1]!), revokedAt.getTime());
      });
    }

    it('accepts a response signed with sha1WithRSAEncryption, and says so', async () => {
      const { response, nonce, request } = await ask(sha1Signed, cert.signer);
      assert.equal(parseOcspResponse(response).basic!.signatureAlgorithm.oid, '1.2.840.113549.1.1.5');
      const verdict = judge(response, { nonce });
      assert.equal(verdict.problem, null);
      assert.equal(verdict.status, 'good');
      assert.deepEqual(verdict.notes, ['SHA-1 CertID', 'signed with SHA-1 (sha1WithRSAEncryption)']);
      assert.ok(opensslJudges(response, signer, ca, { request }).verified);
    });

    it('accepts a response signed by the CA itself (-rsigner the CA)', async () => {
      const { response, nonce, request } = await ask(caSigned, cert.revoked, { hash: 'sha256' });
      const verdict = judge(response, { certificate: cert.revoked, nonce });
      assert.equal(verdict.problem, null);
      assert.equal(verdict.status, 'revoked');
      assert.equal(verdict.responder, cert.ca.subjectText);
      const openssl = opensslJudges(response, revokedSigner, ca, { request, hash: 'sha256' });
      assert.ok(openssl.verified, openssl.output);
      assert.equal(openssl.status, 'revoked');
    });

    it('accepts a responder named by key hash (-resp_key_id), and a delegated responder with no nextUpdate', async () => {
      // openssl ocsp without -port answers one request from a file: the responder's code, offline.
      const request = ocspRequest(cert.signer, cert.ca);
      const out = join(dir, 'by-key.der');
      const args = ['ocsp', '-index', indexPath, '-CA', ca.certPath, '-rsigner', responderParty.certPath];
      args.push('-rkey', responderParty.keyPath, '-reqin', file('by-key.req', request.der), '-respout', out);
      const result = spawnSync('openssl', [...args, '-resp_key_id', '-nmin', '5'], { encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
      const response = readFileSync(out);
      assert.ok('byKey' in parseOcspResponse(response).basic!.responderId);
      assert.equal(judge(response, { nonce: request.nonce }).status, 'good');
      assert.ok(opensslJudges(response, signer, ca, { request: request.der }).verified);

      const undated = await ask(noNextUpdate, cert.signer);
      const verdict = judge(undated.response, { nonce: undated.nonce });
      assert.equal(verdict.status, 'good');
      assert.equal(verdict.nextUpdate, null);
      assert.deepEqual(verdict.notes, ['SHA-1 CertID', 'no nextUpdate']);
    });
  });

  describe('attacks and faults', () => {
    it('refuses a response about another certificate (asked for A, judged as B); OpenSSL finds no status', async () => {
      const { response } = await ask(delegated, cert.signer);
      const verdict = judge(response, { certificate: cert.revoked });
      assert.equal(verdict.valid, false);
      assert.equal(verdict.status, null);
      assert.match(verdict.problem!, /the response is about another certificate/);
      const openssl = opensslJudges(response, revokedSigner, ca);
      assert.equal(openssl.status, null);
      assert.match(openssl.output, /No Status found/);
    });

    it('refuses it for a certificate with the same serial from another issuer; OpenSSL finds no status', async () => {
      const { response } = await ask(delegated, cert.signer);
      const verdict = judge(response, { certificate: cert.otherSigner, issuer: cert.otherCa });
      assert.match(verdict.problem!, /the response is about another certificate/);
      const openssl = opensslJudges(response, otherSigner, otherCa, { caFile: bothCas });
      assert.equal(openssl.status, null, openssl.output);
      // The judge is told the issuer: one that did not issue the certificate is refused first.
      assert.match(judge(response, { issuer: cert.otherCa }).problem!, /did not issue/);
    });

    it('refuses a response whose signature bytes are flipped; so does OpenSSL', async () => {
      const { response } = await ask(delegated, cert.signer);
      const signature = Buffer.from(parseOcspResponse(response).basic!.signature);
      const tampered = Buffer.from(response);
      const at = tampered.indexOf(signature);
      assert.ok(at > 0);
      tampered[at + 40]! ^= 0x01;
      const verdict = judge(tampered);
      assert.equal(verdict.valid, false);
      assert.match(
        verdict.problem!,
        /the signature \(sha256WithRSAEncryption\) does not verify with the key of .*Respondedor OCSP/,
      );
      const openssl = opensslJudges(tampered, signer, ca);
      assert.equal(openssl.verified, false);
      assert.match(openssl.output, /Response Verify Failure/);
    });

    it('refuses a responder certificate without OCSPSigning; so does OpenSSL', async () => {
      const { response } = await ask(withoutEku, cert.signer);
      const verdict = judge(response);
      assert.match(verdict.problem!, /lacks extendedKeyUsage id-kp-OCSPSigning/);
      const openssl = opensslJudges(response, signer, ca);
      assert.equal(openssl.verified, false, openssl.output);
    });

    it('refuses a responder certificate issued by another CA; so does OpenSSL, trusting both CAs', async () => {
      const { response } = await ask(foreign, cert.signer);
      const verdict = judge(response);
      assert.match(verdict.problem!, /was not issued by the certificate's issuer/);
      const openssl = opensslJudges(response, signer, ca, { caFile: bothCas });
      assert.equal(openssl.verified, false, openssl.output);
    });

    it('refuses a stale response (at after nextUpdate, or past maxAgeMs without one); OpenSSL judges now only', async () => {
      const { response } = await ask(delegated, cert.signer);
      const fresh = judge(response);
      const late = new Date(fresh.nextUpdate!.getTime() + 1000);
      assert.match(judge(response, { at: late }).problem!, /^stale: nextUpdate/);
      assert.equal(judge(response, { at: fresh.nextUpdate! }).valid, true);
      // A response from the future (the CA's own: the delegated responder's certificate is younger
      // than ten minutes, and would be refused for that first).
      const own = (await ask(caSigned, cert.signer)).response;
      const early = new Date(judge(own).thisUpdate!.getTime() - 10 * MINUTE);
      assert.match(judge(own, { at: early }).problem!, /^thisUpdate .* is after/);
      // OpenSSL checks validity against its own clock (-validity_period, -status_age): now, it passes.
      assert.ok(opensslJudges(response, signer, ca).verified);

      const undated = (await ask(noNextUpdate, cert.signer)).response;
      const thisUpdate = judge(undated).thisUpdate!.getTime();
      assert.equal(judge(undated, { at: new Date(thisUpdate + 7 * DAY) }).valid, true);
      assert.match(
        judge(undated, { at: new Date(thisUpdate + 7 * DAY + 1000) }).problem!,
        /^stale: no nextUpdate/,
      );
      assert.match(
        judge(undated, { at: new Date(thisUpdate + 2 * MINUTE), maxAgeMs: MINUTE }).problem!,
        /^stale/,
      );
    });

    it('refuses a nonce that differs or is not echoed; so does OpenSSL with -reqin', async () => {
      const asked = await ask(delegated, cert.signer);
      const other = ocspRequest(cert.signer, cert.ca);
      assert.match(judge(asked.response, { nonce: other.nonce }).problem!, /echoes another nonce/);
      const openssl = opensslJudges(asked.response, signer, ca, { request: other.der });
      assert.match(openssl.output, /Nonce Verify error/);

      const unasked = await ask(delegated, cert.signer, { nonce: false });
      assert.equal(parseOcspResponse(unasked.response).basic!.nonce, null);
      assert.match(judge(unasked.response, { nonce: other.nonce }).problem!, /does not echo the nonce/);
      assert.match(
        opensslJudges(unasked.response, signer, ca, { request: other.der }).output,
        /WARNING: no nonce in response/,
      );
    });

    it('refuses an MD5 CertID (the responder echoes the request of `openssl ocsp -md5`)', async () => {
      const requestPath = join(dir, 'md5.req');
      const args = [
        'ocsp',
        '-md5',
        '-issuer',
        ca.certPath,
        '-cert',
        signer.certPath,
        '-no_nonce',
        '-reqout',
        requestPath,
      ];
      assert.equal(spawnSync('openssl', args).status, 0);
      const response = await fetchOcsp(delegated.url, readFileSync(requestPath), { timeoutMs: 10_000 });
      assert.match(judge(response).problem!, /CertIDs hashed with MD5 are not accepted/);
    });

    it('reads unknown for a certificate the responder does not know, and refuses it for a CA it does not serve', async () => {
      // Not in the index: the responder answers unknown, which is a valid answer.
      const responderCert = parseCertificate(responderParty.certDer);
      const { response, nonce } = await ask(delegated, responderCert);
      const verdict = judge(response, { certificate: responderCert, nonce });
      assert.equal(verdict.valid, true);
      assert.equal(verdict.status, 'unknown');
      assert.equal(opensslJudges(response, responderParty, ca).status, 'unknown');
      // Another CA's certificate: the responder answers unknown, but it may not speak for that CA.
      const request = ocspRequest(cert.otherSigner, cert.otherCa);
      const foreignAnswer = await fetchOcsp(delegated.url, request.der, { timeoutMs: 10_000 });
      const refused = judge(foreignAnswer, { certificate: cert.otherSigner, issuer: cert.otherCa });
      assert.match(refused.problem!, /was not issued by the certificate's issuer .*Otra AC/);
      const openssl = opensslJudges(foreignAnswer, otherSigner, otherCa, { caFile: bothCas });
      assert.equal(openssl.status, 'unknown');
      assert.equal(openssl.verified, false, openssl.output);
    });

    it('says what a non-successful status is, without throwing', () => {
      // (openssl ocsp 3.0 does not answer a request it cannot read: these are written here.)
      for (const [code, name] of [
        [1, 'malformedRequest'],
        [3, 'tryLater'],
        [6, 'unauthorized'],
      ] as const) {
        const bytes = Uint8Array.of(0x30, 0x03, 0x0a, 0x01, code);
        assert.equal(parseOcspResponse(bytes).status, name);
        assert.equal(judge(bytes).problem, `the responder answered ${name}`);
      }
    });

    it('refuses garbage with MALFORMED_INPUT, never another exception', async () => {
      const { response } = await ask(delegated, cert.signer);
      const rejects = (bytes: Uint8Array): void => {
        for (const read of [() => parseOcspResponse(bytes), () => judge(bytes)])
          assert.throws(read, (error: unknown) => isInputRejected(error) && error.code === 'MALFORMED_INPUT');
      };
      rejects(new Uint8Array(0));
      rejects(randomBytes(512));
      rejects(signer.certDer);
      rejects(response.subarray(0, response.length - 1));
      rejects(Buffer.concat([response, Buffer.of(0)]));
      rejects(Uint8Array.of(0x30, 0x03, 0x0a, 0x01, 0x04)); // status 4 is not defined
      rejects(Uint8Array.of(0x30, 0x03, 0x0a, 0x01, 0x00)); // successful without responseBytes
      rejects(new Uint8Array(200_000)); // larger than any response

      // Any single-byte change: a verdict (valid or not) or MALFORMED_INPUT, nothing else.
      let verdicts = 0;
      for (let i = 0; i < 2000; i++) {
        const mutated = Buffer.from(response);
        mutated[i % mutated.length] = randomBytes(1)[0]!;
        try {
          const verdict = judge(mutated);
          verdicts++;
          if (verdict.valid) assert.equal(verdict.status, 'good');
        } catch (error) {
          assert.ok(isInputRejected(error) && error.code === 'MALFORMED_INPUT', String(error));
        }
      }
      assert.ok(verdicts > 0);
    });
  });

  describe('fetchOcsp', () => {
    let server: Server;
    let base: string;
    const routes = new Map<string, (res: ServerResponse) => void>();

    before(async () => {
      server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          const route = routes.get(req.url ?? '');
          if (route === undefined) res.writeHead(404).end();
          else route(res);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      routes.set('/redirect', (res) => res.writeHead(302, { Location: '/elsewhere' }).end());
      routes.set('/huge', (res) => {
        res.writeHead(200, { 'Content-Type': 'application/ocsp-response' });
        res.end(Buffer.alloc(300_000));
      });
      routes.set('/slow', (res) => setTimeout(() => res.writeHead(200).end('late'), 2000));
      routes.set('/error', (res) => res.writeHead(503).end());
      routes.set('/empty', (res) => res.writeHead(200).end());
      routes.set('/broken', (res) => {
        res.writeHead(200, { 'Content-Length': 1000 });
        res.write(Buffer.alloc(10));
        setTimeout(() => res.destroy(), 50);
      });
    });

    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const refuses = async (url: string, pattern: RegExp): Promise<void> => {
      await assert.rejects(
        fetchOcsp(url, Buffer.of(0x30, 0x00), { timeoutMs: 500 }),
        (error: unknown) =>
          error instanceof CodedError &&
          error.code === 'REVOCATION_UNAVAILABLE' &&
          pattern.test(error.message),
      );
    };

    it('refuses redirects, other statuses, oversized or late answers and other schemes as REVOCATION_UNAVAILABLE', async () => {
      await refuses(`${base}/redirect`, /redirected \(HTTP 302 to \/elsewhere\), not followed/);
      await refuses(`${base}/error`, /answered HTTP 503/);
      await refuses(`${base}/huge`, /more than 131072 bytes/);
      await refuses(`${base}/slow`, /no complete answer within 500 ms/);
      await refuses(`${base}/empty`, /an empty answer/);
      await refuses(`${base}/broken`, /the answer broke off/);
      await refuses('file:///etc/passwd', /only http and https/);
      await refuses('data:application/ocsp-response;base64,MAA=', /only http and https/);
      await refuses('http://127.0.0.1:1/', /did not answer/);
    });
  });
});
