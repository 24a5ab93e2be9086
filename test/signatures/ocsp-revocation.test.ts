/**
 * OCSP as a revocation source (OCSP_URL): the verifier threads, under the `required` policy and
 * with no CRL at all, judging signatures with what `openssl ocsp` answers to the requests the
 * OcspCheckingVerifier sends it. SAT's responder is played as it behaves (SHA-1 CertIDs, responses
 * signed with sha1WithRSAEncryption by a delegated responder): accepted, and said so in the report.
 * Each attack tried: a revoked signer, an answer about another certificate, a stale answer, a
 * responder nobody authorised, no responder answering.
 */
import assert from 'node:assert/strict';
import { createHash, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { revocationText, type VerificationReport } from '../../src/domain/verification-report';
import { OcspCheckingVerifier, OcspSource } from '../../src/revocation/ocsp-source';
import { parseCertificate, TrustStore, VerificationPool, type Verifier } from '../../src/signatures';
import { startOcspResponder, writeIndex, type OcspResponder } from '../support/ocsp';
import { OpensslPki } from '../support/openssl-pki';
import type { KeyHolder } from '../support/pki';

const HOUR = 3_600_000;
const letter = Buffer.from('%PDF-1.7 carta de intención (prueba OCSP)\n');
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('revocation by OCSP (OCSP_URL), no CRL, revocation required', function () {
  this.timeout(120_000);
  let dir: string;
  let ca: KeyHolder;
  let president: KeyHolder;
  let revoked: KeyHolder;
  let outsider: KeyHolder;
  let revokedAt: Date; // a second after the revoked signer's certificate began
  let satLike: OcspResponder; // delegated, SHA-1 signatures, SHA-1 CertIDs: as SAT's responder answers
  let untrusted: OcspResponder; // signed by a certificate the CA never authorised
  const pools: VerificationPool[] = [];
  const logged: string[] = [];

  const pool = (responders: readonly KeyHolder[] = []): VerificationPool => {
    const trust = new TrustStore(
      [parseCertificate(ca.certDer)],
      [],
      'required',
      responders.map((r) => parseCertificate(r.certDer)),
    );
    const created = new VerificationPool(trust, { threads: 1 });
    pools.push(created);
    return created;
  };
  const checking = (inner: Verifier, urls: readonly string[], kept: Uint8Array[] = []) =>
    new OcspCheckingVerifier(
      inner,
      new OcspSource({ urls, timeoutMs: 3_000, log: (line) => logged.push(line) }),
      async (der) => void kept.push(der),
    );
  const signedBy = (holder: KeyHolder, at?: Date) => ({
    document: letter,
    signature: sign('sha256', letter, holder.keyPem),
    certificate: holder.certDer,
    format: 'pkcs1-sha256' as const,
    ...(at ? { at } : {}),
  });
  const revocation = (report: VerificationReport) => report.checks.find((c) => c.check === 'revocation')!;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'manifiesta-ocsp-revocation-'));
    const pki = new OpensslPki(dir);
    ca = pki.issue('ca', { name: 'AC de Pruebas' }, null, 'rsa-2048', { ca: {} });
    // The responders first: a signature judged just after a signer's certificate began finds them valid.
    const delegate = pki.issue('delegate', { name: 'Respondedor OCSP de la AC' }, ca, 'rsa-2048', {
      keyUsage: 'digitalSignature',
      extKeyUsage: 'OCSPSigning',
    });
    // A responder certificate of its own root, without OCSPSigning from the CA: only configuration
    // (OCSP_RESPONDERS) can make it speak for the CA's certificates.
    outsider = pki.issue('outsider', { name: 'Respondedor Configurado' }, null, 'rsa-2048', {
      keyUsage: 'digitalSignature',
      extKeyUsage: 'OCSPSigning',
    });
    president = pki.issue(
      'president',
      { name: 'PRESIDENTA DE PRUEBA', rfc: 'PEPR700101AA1' },
      ca,
      'rsa-2048',
    );
    revoked = pki.issue('revoked', { name: 'FIRMANTE REVOCADO', rfc: 'FIRE700101AA1' }, ca, 'rsa-2048');
    revokedAt = new Date(revoked.notBefore.getTime() + 1000);
    const indexPath = join(dir, 'index.txt');
    const entry = (holder: KeyHolder) => ({
      serial: holder.serial,
      subject: `/CN=${holder.identity.name}`,
      notAfter: holder.notAfter,
    });
    writeIndex(indexPath, [
      { status: 'valid', ...entry(president) },
      { status: 'revoked', ...entry(revoked), revokedAt, reason: 'keyCompromise' },
    ]);
    const common = { caCertPath: ca.certPath, indexPath };
    [satLike, untrusted] = await Promise.all([
      startOcspResponder({
        ...common,
        responderCertPath: delegate.certPath,
        responderKeyPath: delegate.keyPath,
        digest: 'sha1',
      }),
      startOcspResponder({
        ...common,
        responderCertPath: outsider.certPath,
        responderKeyPath: outsider.keyPath,
      }),
    ]);
  });

  after(async () => {
    await Promise.all([satLike?.stop(), untrusted?.stop(), ...pools.map((p) => p.close())]);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a signer the responder calls good, keeps that answer, and says SHA-1 was accepted', async () => {
    const kept: Uint8Array[] = [];
    const report = await checking(pool(), [satLike.url], kept).verify(signedBy(president));
    assert.equal(report.valid, true, report.message);
    assert.equal(revocation(report).outcome, 'passed');
    assert.match(
      revocation(report).detail,
      /not revoked per the OCSP response of .*Respondedor OCSP de la AC/,
    );
    assert.match(revocation(report).detail, /SHA-1 CertID, signed with SHA-1 \(sha1WithRSAEncryption\)/);
    assert.equal(report.ocsp?.length, 1);
    assert.deepEqual(report.ocsp![0]!.notes, ['SHA-1 CertID', 'signed with SHA-1 (sha1WithRSAEncryption)']);
    assert.equal(kept.length, 1, 'the answer that accepted the signature is kept');
    assert.equal(sha256(kept[0]!), report.ocsp![0]!.sha256);
    assert.match(
      revocationText(report),
      /^comprobada con una respuesta OCSP de .*Respondedor OCSP de la AC.*: no revocado$/,
    );
  });

  it('refuses a signer the responder calls revoked: CERTIFICATE_REVOKED, nothing kept', async () => {
    const kept: Uint8Array[] = [];
    const now = new Date(Math.max(Date.now(), revokedAt.getTime() + 1000));
    const report = await checking(pool(), [satLike.url], kept).verify(signedBy(revoked, now));
    assert.equal(report.valid, false);
    assert.equal(report.code, 'CERTIFICATE_REVOKED');
    assert.match(
      revocation(report).detail,
      new RegExp(`revoked on ${revokedAt.toISOString()} per the OCSP response`),
    );
    assert.equal(kept.length, 0);
  });

  it('judged at a time before the revocation (a time-stamp’s), the revoked signer’s signature holds', async () => {
    const before = new Date(revokedAt.getTime() - 500);
    const report = await checking(pool(), [satLike.url]).verify(signedBy(revoked, before));
    assert.equal(report.valid, true, revocation(report).detail);
    assert.match(revocation(report).detail, /revoked only later/);
  });

  it('an answer about another certificate establishes nothing: REVOCATION_UNAVAILABLE', async () => {
    const inner = pool();
    const der = await checking(inner, [satLike.url]).ocspOf(president.certDer);
    assert.equal(der.length, 1);
    // The president's "good", presented for the revoked signer's signature.
    const report = await inner.verify({ ...signedBy(revoked), ocspResponses: der });
    assert.equal(report.valid, false);
    assert.equal(report.code, 'REVOCATION_UNAVAILABLE');
    assert.match(revocation(report).detail, /no OCSP response says it was good/);
  });

  it('a stale answer (judged after its nextUpdate) establishes nothing', async () => {
    const inner = pool();
    const [der] = await checking(inner, [satLike.url]).ocspOf(president.certDer);
    const later = new Date(Date.now() + 2 * HOUR); // the responder's nextUpdate is 5 minutes on
    const report = await inner.verify({ ...signedBy(president, later), ocspResponses: [der!] });
    assert.equal(report.code, 'REVOCATION_UNAVAILABLE');
    assert.match(revocation(report).detail, /an OCSP response was refused: stale/);
  });

  it('a responder nobody authorised is refused, unless OCSP_RESPONDERS trusts it', async () => {
    const refused = await checking(pool(), [untrusted.url]).verify(signedBy(president));
    assert.equal(refused.code, 'REVOCATION_UNAVAILABLE');
    assert.match(revocation(refused).detail, /was not issued by the certificate's issuer/);
    const trusted = await checking(pool([outsider]), [untrusted.url]).verify(signedBy(president));
    assert.equal(trusted.valid, true, trusted.message);
    assert.match(revocation(trusted).detail, /Respondedor Configurado/);
  });

  it('no responder answering: REVOCATION_UNAVAILABLE, nothing kept, the next URL in OCSP_URL is tried', async () => {
    const kept: Uint8Array[] = [];
    logged.length = 0;
    const down = 'http://127.0.0.1:9/ocsp';
    const refused = await checking(pool(), [down], kept).verify(signedBy(president));
    assert.equal(refused.code, 'REVOCATION_UNAVAILABLE');
    assert.equal(kept.length, 0);
    assert.ok(
      logged.some((line) => line.startsWith('OCSP http://127.0.0.1:9:')),
      logged.join('\n'),
    );
    assert.ok(
      logged.every((line) => !/PRESIDENTA|PEPR700101AA1/.test(line)),
      'the log never names whose certificate was asked about',
    );
    const second = await checking(pool(), [down, satLike.url], kept).verify(signedBy(president));
    assert.equal(second.valid, true, second.message);
    assert.equal(kept.length, 1);
  });

  it('a certificate judged before signing (PAdES’s first step) is asked about too', async () => {
    const report = await checking(pool(), [satLike.url]).verifyCertificate({
      certificate: revoked.certDer,
      format: 'pades',
    });
    assert.equal(report.code, 'CERTIFICATE_REVOKED');
  });
});
