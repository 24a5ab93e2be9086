/**
 * The lab for ./tsa.ts and ./ocsp.ts: a real TSA (sigstore's timestamp-server) signing with a
 * chain this test issues, and OpenSSL's OCSP responder answering from an index this test writes,
 * each checked by OpenSSL's own client tools (`openssl ts`, `openssl ocsp`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpensslPki } from './openssl-pki';
import { startOcspResponder, writeIndex, type IndexEntry, type OcspResponder } from './ocsp';
import type { KeyHolder } from './pki';
import { ensureTsaServer, startTsa, type Tsa } from './tsa';

/** Runs openssl; resolves stdout and stderr together (the tools split their verdicts between them). */
function openssl(...args: string[]): string {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  assert.equal(result.status, 0, `openssl ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
  return `${result.stdout}${result.stderr}`;
}

/** POSTs an RFC 3161 request file to the TSA and writes the reply to `replyPath`. */
async function stamp(tsa: Tsa, queryPath: string, replyPath: string): Promise<void> {
  const response = await fetch(tsa.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/timestamp-query' },
    body: readFileSync(queryPath),
  });
  assert.equal(response.status, 200, await response.clone().text());
  assert.equal(response.headers.get('content-type'), 'application/timestamp-reply');
  writeFileSync(replyPath, Buffer.from(await response.arrayBuffer()));
}

/** Whether something still accepts connections at `url`'s host and port. */
function accepts(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('test support: a real TSA and OCSP responder on loopback', function () {
  let dir: string;
  let root: KeyHolder;
  let tsaParty: KeyHolder;
  let dataPath: string;

  before(async function () {
    this.timeout(30 * 60_000); // a first build of the server on a cold Go cache
    dir = mkdtempSync(join(tmpdir(), 'manifiesta-tsa-lab-'));
    const pki = new OpensslPki(dir);
    root = pki.issue('root', { name: 'Lab Root CA' }, null, 'P-256', { ca: {} });
    dataPath = join(dir, 'data.txt');
    writeFileSync(dataPath, 'Carta de adhesión, firmada.\n');
    await ensureTsaServer();
    tsaParty = pki.issue('tsa', { name: 'Lab TSA' }, root, 'rsa-2048', {
      keyUsage: 'digitalSignature,nonRepudiation',
      extKeyUsage: 'critical,timeStamping',
    });
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('sigstore timestamp-server, file signer, the test chain', function () {
    this.timeout(120_000);
    let tsa: Tsa;
    const tsaCert = (): string => tsaParty.certPath;

    before(async () => {
      const chainPath = join(dir, 'tsa-chain.pem');
      writeFileSync(chainPath, tsaParty.certPem + root.certPem);
      tsa = await startTsa({ signer: { keyPath: tsaParty.keyPath, chainPath } });
    });

    after(() => tsa?.stop());

    it('publishes the chain the test gave it', () => {
      const published = tsa.chainPem.replace(/\r/g, '');
      assert.ok(published.includes(tsaParty.certPem.trim()));
      assert.ok(published.includes(root.certPem.trim()));
    });

    it('stamps an `openssl ts -query -sha256 -cert` request, which `openssl ts -verify` accepts', async () => {
      const query = join(dir, 'a.tsq');
      const reply = join(dir, 'a.tsr');
      openssl('ts', '-query', '-data', dataPath, '-sha256', '-cert', '-out', query);
      const before = Date.now();
      await stamp(tsa, query, reply);
      const after = Date.now();
      const verdict = openssl(
        'ts',
        '-verify',
        '-in',
        reply,
        '-data',
        dataPath,
        '-CAfile',
        root.certPath,
        '-untrusted',
        tsaCert(),
      );
      assert.match(verdict, /Verification: OK/);
      const text = openssl('ts', '-reply', '-in', reply, '-text');
      assert.match(text, /Status: Granted\./);
      assert.match(text, /Hash Algorithm: sha256/);
      assert.match(text, /Accuracy: 0x01 seconds, unspecified millis, unspecified micros/);
      // genTime has whole seconds, cut (not rounded) from the moment it signed.
      const genTime = Date.parse(/Time stamp: (.+)/.exec(text)![1]!);
      assert.ok(genTime >= Math.floor(before / 1000) * 1000 && genTime <= after, `genTime ${genTime}`);
      // With certReq, the token carries the TSA certificate (only it: includeChain is off).
      const token = join(dir, 'a.token.der');
      openssl('ts', '-reply', '-in', reply, '-token_out', '-out', token);
      const certs = openssl('pkcs7', '-inform', 'DER', '-in', token, '-print_certs', '-noout');
      assert.equal(certs.match(/subject=/g)?.length, 1, certs);
      // The ESS signing-certificate-v2 attribute names the TSA certificate.
      assert.match(
        openssl('cms', '-cmsout', '-inform', 'DER', '-in', token, '-print'),
        /signingCertificateV2/,
      );
    });

    it('returns the request nonce, and no certificate when certReq is false', async () => {
      const query = join(dir, 'b.tsq');
      const reply = join(dir, 'b.tsr');
      openssl('ts', '-query', '-data', dataPath, '-sha512', '-out', query);
      await stamp(tsa, query, reply);
      const nonce = /Nonce: (0x[0-9A-F]+)/.exec(openssl('ts', '-query', '-in', query, '-text'))?.[1];
      assert.ok(nonce, 'openssl ts -query sends a nonce');
      assert.equal(/Nonce: (0x[0-9A-F]+)/.exec(openssl('ts', '-reply', '-in', reply, '-text'))?.[1], nonce);
      // -queryfile compares imprint and nonce with the request's.
      const verdict = openssl(
        'ts',
        '-verify',
        '-in',
        reply,
        '-queryfile',
        query,
        '-CAfile',
        root.certPath,
        '-untrusted',
        tsaCert(),
      );
      assert.match(verdict, /Verification: OK/);
      const token = join(dir, 'b.token.der');
      openssl('ts', '-reply', '-in', reply, '-token_out', '-out', token);
      assert.doesNotMatch(
        openssl('pkcs7', '-inform', 'DER', '-in', token, '-print_certs', '-noout'),
        /subject=/,
      );
    });

    it('refuses a SHA-1 request with HTTP 400 and a JSON body (not an RFC 3161 rejection)', async () => {
      const query = join(dir, 'c.tsq');
      openssl('ts', '-query', '-data', dataPath, '-sha1', '-out', query);
      const response = await fetch(tsa.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/timestamp-query' },
        body: readFileSync(query),
      });
      assert.equal(response.status, 400);
      assert.match(await response.text(), /Weak hash algorithm/);
    });

    it('runs beside a second server (the memory signer, with a chain of its own)', async () => {
      const other = await startTsa({ signer: 'memory' });
      try {
        const chain = other.chainPem.split(/(?=-----BEGIN CERTIFICATE-----)/).map((pem) => pem.trim());
        assert.ok(chain.length >= 2, other.chainPem);
        writeFileSync(join(dir, 'memory-root.pem'), `${chain.at(-1)}\n`);
        writeFileSync(join(dir, 'memory-untrusted.pem'), `${chain.slice(0, -1).join('\n')}\n`);
        const query = join(dir, 'd.tsq');
        const reply = join(dir, 'd.tsr');
        openssl('ts', '-query', '-data', dataPath, '-sha256', '-cert', '-out', query);
        await stamp(other, query, reply);
        const verdict = openssl(
          'ts',
          '-verify',
          '-in',
          reply,
          '-queryfile',
          query,
          '-CAfile',
          join(dir, 'memory-root.pem'),
          '-untrusted',
          join(dir, 'memory-untrusted.pem'),
        );
        assert.match(verdict, /Verification: OK/);
      } finally {
        await other.stop();
      }
      assert.equal(await accepts(other.url), false, 'the second server is gone');
    });

    it('stops: the server is gone', async () => {
      await tsa.stop();
      assert.equal(await accepts(tsa.url), false);
    });
  });

  describe('openssl ocsp, from an index the test writes', function () {
    this.timeout(60_000);
    let responder: OcspResponder;
    let good: KeyHolder;
    let revoked: KeyHolder;
    const indexPath = (): string => join(dir, 'index.txt');
    const entry = (holder: KeyHolder): Omit<IndexEntry, 'status'> => ({
      serial: holder.serial,
      subject: `/CN=${holder.identity.name}`,
      notAfter: holder.notAfter,
    });
    const status = (holder: KeyHolder): string =>
      openssl(
        'ocsp',
        '-issuer',
        root.certPath,
        '-cert',
        holder.certPath,
        '-url',
        responder.url,
        '-CAfile',
        root.certPath,
        '-resp_text',
      );

    before(async () => {
      const pki = new OpensslPki(dir);
      const ocspSigner = pki.issue('ocsp', { name: 'Lab OCSP Responder' }, root, 'P-256', {
        keyUsage: 'digitalSignature',
        extKeyUsage: 'critical,OCSPSigning',
      });
      good = pki.issue('good', { name: 'Firmante Vigente' }, root, 'P-256');
      revoked = pki.issue('revoked', { name: 'Firmante Revocado' }, root, 'P-256');
      writeIndex(indexPath(), [
        { status: 'valid', ...entry(good) },
        {
          status: 'revoked',
          ...entry(revoked),
          revokedAt: new Date(Date.now() - 3_600_000),
          reason: 'keyCompromise',
        },
      ]);
      responder = await startOcspResponder({
        caCertPath: root.certPath,
        indexPath: indexPath(),
        responderCertPath: ocspSigner.certPath,
        responderKeyPath: ocspSigner.keyPath,
      });
    });

    after(() => responder?.stop());

    it('answers good for a valid certificate and revoked for a revoked one', () => {
      const goodAnswer = status(good);
      assert.match(goodAnswer, /Response verify OK/);
      assert.match(goodAnswer, /good\.pem: good/);
      assert.match(goodAnswer, /Next Update: /);
      const revokedAnswer = status(revoked);
      assert.match(revokedAnswer, /Response verify OK/);
      assert.match(revokedAnswer, /revoked\.pem: revoked/);
      assert.match(revokedAnswer, /Reason: keyCompromise/);
    });

    it('answers from a rewritten index after reloadIndex', async () => {
      writeIndex(indexPath(), [
        { status: 'revoked', ...entry(good), revokedAt: new Date(), reason: 'superseded' },
        { status: 'revoked', ...entry(revoked), revokedAt: new Date(), reason: 'keyCompromise' },
      ]);
      await responder.reloadIndex();
      const answer = status(good);
      assert.match(answer, /good\.pem: revoked/);
      assert.match(answer, /Reason: superseded/);
    });

    it('stops: the responder is gone', async () => {
      await responder.stop();
      assert.equal(await accepts(responder.url), false);
    });
  });
});
