/**
 * NOM-151 constancias from a PSC, through both adapters: plain RFC 3161 (a real TSA, sigstore's
 * timestamp-server, stamping under a NOM-151 policy) and the REST shape `POST {hash}` →
 * `{nom151: base64}` (a local stand-in answering as PSCs' real constancias are made). Each answer
 * is verified before it is kept: another imprint, another policy arc, an error or garbage is
 * TIMESTAMP_UNAVAILABLE (retryable), never a constancia.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CodedError } from '../../src/domain/coded-error';
import { parseCertificate } from '../../src/signatures/certificate';
import { Nom151Client } from '../../src/timestamps/nom151';
import type { TimestampTrust } from '../../src/timestamps/verify';
import { handMadeToken, testTsaParties } from '../support/timestamp-tokens';
import { startTsa, type Tsa } from '../support/tsa';

const NOM151_POLICY = '2.16.484.101.10.316.2.1';
const manifest = Buffer.from('{"expediente":"manifiesta","archivos":[]}');
const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();

describe('NOM-151 constancias', function () {
  this.timeout(600_000); // the first run may build the TSA server
  let trust: TimestampTrust;

  before(function () {
    const root = testTsaParties().root;
    trust = { anchors: [parseCertificate(root.certDer)], pscAnchors: [sha256(root.certDer).toString('hex')] };
  });

  describe('over plain RFC 3161', function () {
    let tsa: Tsa;
    before(async function () {
      const p = testTsaParties();
      const chain = join(p.dir, 'nom151-chain.pem');
      writeFileSync(chain, p.tsa.certPem + p.root.certPem);
      tsa = await startTsa({
        signer: { keyPath: p.tsa.keyPath, chainPath: chain },
        policyOid: NOM151_POLICY,
      });
    });
    after(async () => tsa?.stop());

    it('keeps the PSC’s TimeStampResp whole, over the document’s SHA-256, under the NOM-151 policy', async function () {
      const constancia = await new Nom151Client({ url: tsa.url, api: 'rfc3161', trust }).constancia(manifest);
      assert.equal(constancia.verdict.valid, true);
      assert.equal(constancia.verdict.policy, NOM151_POLICY);
      assert.equal(constancia.verdict.imprint!.sha, sha256(manifest).toString('hex'));
      assert.equal(constancia.response[0], 0x30);
      assert.ok(constancia.response.includes(constancia.token), 'the token is inside the response');
    });
  });

  describe('over a PSC’s REST API', function () {
    let server: Server;
    let url: string;
    /** What the stand-in answers next, given the hash asked for. */
    let answer: (hash: Buffer) => { status: number; body: string };

    before(async function () {
      server = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString()));
        request.on('end', () => {
          const { hash } = JSON.parse(body) as { hash: string };
          const { status, body: out } = answer(Buffer.from(hash, 'hex'));
          response.writeHead(status, { 'Content-Type': 'application/json' }).end(out);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/psc/nom151`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const client = () => new Nom151Client({ url, api: 'rest', trust });
    const constanciaOver = (digest: Buffer, policy = NOM151_POLICY) =>
      JSON.stringify({
        nom151: handMadeToken({
          data: Buffer.alloc(0),
          digest,
          policy,
          essCertificate: testTsaParties().root, // as some PSCs' real tokens: tolerated and listed
          serial: Buffer.from([0x9c, 0x01]),
        }).toString('base64'),
      });

    it('accepts a real PSC’s shape, listing what it does differently from RFC 3161', async function () {
      answer = (hash) => ({ status: 200, body: constanciaOver(hash) });
      const constancia = await client().constancia(manifest);
      assert.equal(constancia.verdict.profile, 'psc');
      assert.match(constancia.verdict.deviations.join('\n'), /no extended key usage/);
      assert.match(constancia.verdict.deviations.join('\n'), /serial number is negative/);
    });

    it('refuses another document’s constancia, another policy arc, an error and garbage', async function () {
      const refused = async (why: RegExp): Promise<void> => {
        await assert.rejects(
          client().constancia(manifest),
          (error: unknown) =>
            error instanceof CodedError && error.code === 'TIMESTAMP_UNAVAILABLE' && why.test(error.message),
        );
      };
      answer = () => ({ status: 200, body: constanciaOver(sha256(Buffer.from('otro expediente'))) });
      await refused(/another imprint/);
      answer = (hash) => ({ status: 200, body: constanciaOver(hash, '1.3.6.1.4.1.99999.1') });
      await refused(/not one of NOM-151/);
      answer = () => ({ status: 503, body: '{}' });
      await refused(/HTTP 503/);
      answer = () => ({ status: 200, body: '{"nom151": "bm8gZXMgdW4gdG9rZW4="}' });
      await refused(/invalid constancia/);
      answer = () => ({ status: 200, body: '<html>' });
      await refused(/not JSON/);
    });
  });
});
