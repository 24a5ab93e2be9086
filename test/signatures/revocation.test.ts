/**
 * Revocation fails closed (docs/portal.md#revocation): with revocation required, a signature whose
 * certificate has no current CRL is not accepted (REVOCATION_UNAVAILABLE: not a verdict, try
 * again), a CRL is believed only from a CA allowed to sign CRLs and only when nothing in it is left
 * unprocessed, a CRL's scope is honoured, and CRLs fetched from `CRL_URLS` are checked, kept in the
 * object store and used from there. Every CRL here is made by `openssl ca`.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseKeyring } from '../../src/codec/keyring';
import { CrlStore } from '../../src/revocation/crl-store';
import { TrustSource } from '../../src/revocation/trust-source';
import {
  loadTrustStore,
  SignatureVerifier,
  VerificationPool,
  type RevocationPolicy,
  type VerificationReport,
} from '../../src/signatures';
import { openStores } from '../../src/storage';
import { signingFixtures, type SigningFixtures } from '../support/fixtures';
import type { Party } from '../support/pki';
import { opensslCms } from '../support/sign';

const DOCUMENT = Buffer.from('%PDF-1.7\nManifestación expresa de la intención de participar\n');
const DAY = 86_400_000;
const revocation = (report: VerificationReport) => report.checks.find((c) => c.check === 'revocation')!;

describe('revocation fails closed', function () {
  this.timeout(120_000);
  let f: SigningFixtures;
  let president: Buffer;
  let revoked: Buffer;

  const verifier = (
    crls: readonly string[],
    policy: RevocationPolicy = 'required',
    anchors?: readonly string[],
  ) =>
    new SignatureVerifier(
      loadTrustStore({
        anchors: anchors ?? [f.root.certPath, f.intermediate.certPath],
        crls,
        revocationPolicy: policy,
      }),
    );

  before(function () {
    f = signingFixtures();
    president = opensslCms(DOCUMENT, f.president, { carry: [f.intermediate] });
    revoked = opensslCms(DOCUMENT, f.revoked, { carry: [f.intermediate] });
  });

  it('with current CRLs: the revoked signer is refused, the others accepted with revocation established', function () {
    const v = verifier([f.crlPath, f.rootCrlPath]);
    assert.equal(v.verify({ document: DOCUMENT, signature: revoked }).code, 'CERTIFICATE_REVOKED');
    const report = v.verify({ document: DOCUMENT, signature: president });
    assert.equal(report.valid, true, JSON.stringify(report.checks));
    assert.equal(report.revocationChecked, true);
  });

  it('no CRL, or a stale one: REVOCATION_UNAVAILABLE when required; accepted and said when best-effort', function () {
    const stale = f.pki.crl('intermedia-vencida', f.intermediate, [], {
      thisUpdate: new Date(Date.now() - 40 * DAY),
      nextUpdate: new Date(Date.now() - 10 * DAY),
    });
    for (const crls of [[], [stale, f.rootCrlPath]]) {
      const report = verifier(crls).verify({ document: DOCUMENT, signature: president });
      assert.equal(report.valid, false);
      assert.equal(report.code, 'REVOCATION_UNAVAILABLE', JSON.stringify(report.checks));
      assert.equal(report.revocationChecked, false);
      const lenient = verifier(crls, 'best-effort').verify({ document: DOCUMENT, signature: president });
      assert.equal(lenient.valid, true);
      assert.equal(revocation(lenient).outcome, 'skipped');
    }
    // A stale CRL still says what it revoked.
    assert.equal(
      verifier([stale, f.rootCrlPath]).verify({ document: DOCUMENT, signature: revoked }).code,
      'REVOCATION_UNAVAILABLE',
    );
    // Another refusal is the answer, not "try again": someone else's certificate stays SIGNER_MISMATCH.
    const foreign = verifier([]).verify({
      document: DOCUMENT,
      signature: president,
      expectedSigner: { rfc: 'MAVJ650101CD2' },
    });
    assert.equal(foreign.code, 'SIGNER_MISMATCH');
  });

  it('a CRL with a critical extension not processed, a delta CRL or an indirect one says nothing', function () {
    const made = (label: string, extension: string): string =>
      f.pki.crl(label, f.intermediate, [{ party: f.revoked, at: new Date(Date.now() - DAY) }], {
        extensions: [extension],
      });
    for (const crl of [
      made('critica-desconocida', '1.3.6.1.4.1.99999.1=critical,ASN1:NULL'),
      made('delta', '2.5.29.27=critical,ASN1:INTEGER:1'),
      made('indirecta', 'issuingDistributionPoint=critical,@idp\n[ idp ]\nindirectCRL=TRUE'),
    ]) {
      const v = verifier([crl, f.rootCrlPath]);
      // The revocation it lists is not believed, and nothing else is established by it.
      assert.equal(v.verify({ document: DOCUMENT, signature: revoked }).code, 'REVOCATION_UNAVAILABLE', crl);
      assert.equal(
        v.verify({ document: DOCUMENT, signature: president }).code,
        'REVOCATION_UNAVAILABLE',
        crl,
      );
    }
    // A non-critical unknown extension is fine.
    const benign = made('benigna', '1.3.6.1.4.1.99999.2=ASN1:NULL');
    assert.equal(
      verifier([benign, f.rootCrlPath]).verify({ document: DOCUMENT, signature: revoked }).code,
      'CERTIFICATE_REVOKED',
    );
  });

  it('a CRL speaks only for the certificates in its scope (issuing distribution point)', function () {
    const onlyCa = f.pki.crl('solo-ac', f.intermediate, [], {
      extensions: ['issuingDistributionPoint=critical,@idp', '[ idp ]', 'onlyCA=TRUE'],
    });
    assert.equal(
      verifier([onlyCa, f.rootCrlPath]).verify({ document: DOCUMENT, signature: president }).code,
      'REVOCATION_UNAVAILABLE',
    );
    const onlyUsers = f.pki.crl('solo-usuarios', f.intermediate, [], {
      extensions: ['issuingDistributionPoint=critical,@idp', '[ idp ]', 'onlyuser=TRUE'],
    });
    assert.equal(
      verifier([onlyUsers, f.rootCrlPath]).verify({ document: DOCUMENT, signature: president }).valid,
      true,
    );
    // A distribution point the signer's certificate does not point at: not its CRL.
    const elsewhere = f.pki.crl('otro-punto', f.intermediate, [], {
      extensions: [
        'issuingDistributionPoint=critical,@idp',
        '[ idp ]',
        'fullname=URI:http://crl.example.mx/otra.crl',
      ],
    });
    assert.equal(
      verifier([elsewhere, f.rootCrlPath]).verify({ document: DOCUMENT, signature: president }).code,
      'REVOCATION_UNAVAILABLE',
    );
  });

  it('a CRL from a CA whose key may not sign CRLs (no cRLSign) is not believed', function () {
    const noCrlSign = f.pki.issue('ac-sin-crlsign', { name: 'AC Sin Firma de CRL' }, f.root, {
      ca: {},
      keyUsage: { keyCertSign: true },
    });
    const signer = f.pki.issue(
      'firmante-ac-sin-crlsign',
      { name: 'ANA PRUEBA', rfc: 'PRAN700101AA1' },
      noCrlSign,
    );
    const crl = f.pki.crl('ac-sin-crlsign', noCrlSign, [{ party: signer, at: new Date(Date.now() - DAY) }]);
    const report = verifier([crl, f.rootCrlPath], 'required', [f.root.certPath, noCrlSign.certPath]).verify({
      document: DOCUMENT,
      signature: opensslCms(DOCUMENT, signer, { carry: [noCrlSign] }),
    });
    assert.equal(
      report.code,
      'REVOCATION_UNAVAILABLE',
      'its revocation listing is not believed, nor its silence',
    );
  });

  describe('CRL_URLS: fetched, checked, kept in the object store, used from there', function () {
    let server: Server;
    let url: string;
    const served = new Map<string, Buffer | number>();

    before(async function () {
      server = createServer((request, response) => {
        const body = served.get(request.url ?? '');
        if (body === undefined || typeof body === 'number') {
          response.writeHead(typeof body === 'number' ? body : 404).end();
          return;
        }
        response.writeHead(200, { 'Content-Type': 'application/pkix-crl' }).end(body);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    });
    after(() => server.close());

    it('a new edition is used by every part that reads the store; a forged or broken one is refused and the kept one stays', async function () {
      const der = (pem: string): Buffer =>
        Buffer.from(readFileSync(pem, 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64');
      const first = f.pki.crl('url-primera', f.intermediate, [], {
        thisUpdate: new Date(Date.now() - 2 * DAY),
      });
      served.set('/intermedia.crl', der(first));
      served.set('/raiz.crl', readFileSync(f.rootCrlPath)); // PEM is accepted too
      const keyring = parseKeyring(JSON.stringify({ k: Buffer.alloc(32, 7).toString('base64') }));
      const dir = mkdtempSync(join(tmpdir(), 'crl-almacen-'));
      const stores = openStores({ kind: 'folder', dir }, keyring);
      const logs: string[] = [];
      const settings = {
        trustAnchors: `${f.root.certPath},${f.intermediate.certPath}`,
        crls: undefined,
        crlUrls: [`${url}/intermedia.crl`, `${url}/raiz.crl`],
        revocationPolicy: 'required' as const,
        crlRefreshMs: 60_000,
      };
      const store = () => new CrlStore(stores.evidence.objects, stores.evidence, keyring);
      const worker = new TrustSource(settings, store(), (line) => logs.push(line));
      // A portal reads the same store, and never fetches.
      const portal = new TrustSource(settings, store(), (line) => logs.push(line));
      const judge = async (source: TrustSource, signer: Party): Promise<VerificationReport> => {
        const pool = new VerificationPool(await source.build(), { threads: 1 });
        try {
          return await pool.verify({
            document: DOCUMENT,
            signature: opensslCms(DOCUMENT, signer, { carry: [f.intermediate] }),
          });
        } finally {
          await pool.close();
        }
      };

      assert.equal((await judge(portal, f.president)).code, 'REVOCATION_UNAVAILABLE', 'nothing fetched yet');
      await worker.fetch();
      const accepted = await judge(portal, f.president);
      assert.equal(accepted.valid, true, JSON.stringify(accepted.checks));
      assert.match(revocation(accepted).detail, new RegExp(`not revoked per ${url}/intermedia.crl`));

      // The CA publishes a newer edition revoking the president: in use at the next refresh.
      const second = f.pki.crl('url-segunda', f.intermediate, [
        { party: f.president, at: new Date(Date.now() - 60_000) },
      ]);
      served.set('/intermedia.crl', der(second));
      await worker.fetch();
      assert.equal((await judge(portal, f.president)).code, 'CERTIFICATE_REVOKED');

      // A forged edition (an impostor CA of the same name), garbage and an error are refused;
      // the edition kept before stays in use.
      for (const bad of [der(f.forgedCrlPath), Buffer.from('no es una CRL'), 503]) {
        served.set('/intermedia.crl', bad);
        logs.length = 0;
        await worker.fetch();
        assert.ok(
          logs.some((line) => line.startsWith('CRL not refreshed') && line.includes('/intermedia.crl')),
          logs.join('\n'),
        );
        assert.equal((await judge(portal, f.president)).code, 'CERTIFICATE_REVOKED');
      }
      // An older edition fetched later does not win over the newer one.
      served.set('/intermedia.crl', der(first));
      await worker.fetch();
      assert.equal((await judge(portal, f.president)).code, 'CERTIFICATE_REVOKED');
    });
  });
});
