/**
 * PAdES baseline LT and LTA in the letter (ETSI EN 319 142-1): the two signatures of the process,
 * each time-stamped in place before the next one (B-T), then one revision of validation data (the
 * catalog's /DSS: the CA certificates, the CRLs of both CAs and of the TSA's root, a /VRI entry per
 * signature: B-LT), then a document time-stamp over it all (B-LTA). Three independent validators
 * agree: poppler's pdfsig (the signatures still hold), pyHanko (signatures and document time-stamp
 * valid, modifications allowed; its AdES-LTA validation passes with revocation data from the /DSS
 * alone) and EU DSS, offline, trusting only the two test roots
 * (PAdES-BASELINE-LTA, TOTAL_PASSED). And what must not pass does not: a page changed in or after
 * the validation data's revision, a document time-stamp over another digest, a /DSS that lacks
 * what a level needs.
 *
 * LONG_TERM_KEEP=<folder> writes the files and EU DSS's reports there.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFArray, PDFDict, PDFName, type PDFRef } from 'pdf-lib';
import { renderLetterPdf } from '../../src/activities/letter';
import { SIGNATURE_FIELD } from '../../src/domain/process';
import { PdfFile } from '../../src/pdf/document';
import {
  embedDocumentTimestamp,
  prepareDocumentTimestamp,
  type PreparedDocumentTimestamp,
} from '../../src/pdf/document-timestamp';
import { addValidationData, readValidationData, vriKey, type ValidationData } from '../../src/pdf/dss';
import { editableContext } from '../../src/pdf/editable';
import { readEmbeddedSignatures } from '../../src/pdf/embedded';
import { appendIncrementalUpdate } from '../../src/pdf/incremental';
import { PdfSigningError } from '../../src/pdf/pades';
import { addSignatureTimestamp, signatureValue } from '../../src/pdf/signature-timestamp';
import { DocumentStructure } from '../../src/pdf/structure';
import { isDict, PdfStream } from '../../src/pdf/syntax';
import { verifyPdfSignatures, type PdfVerification } from '../../src/pdf/verify-pdf';
import { parseCertificate } from '../../src/signatures/certificate';
import { parseCrl, SignatureVerifier, TrustStore } from '../../src/signatures';
import { timestampRequest } from '../../src/timestamps/request';
import type { TimestampTrust } from '../../src/timestamps/verify';
import { euDssValidate, type EuDssReport } from '../support/eu-dss';
import { signingFixtures, type SigningFixtures } from '../support/fixtures';
import { HUIXQUILUCAN } from '../support/letters';
import { writeIndex } from '../support/ocsp';
import { pdfsigVerdicts, pyhankoPython } from '../support/pdf-validators';
import { drawOnPage, signField } from '../support/signed-pdf';
import { opensslTsaReply, testTsaParties, type TestTsaParties } from '../support/timestamp-tokens';

const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();
const { municipal, institute } = SIGNATURE_FIELD;

/** OpenSSL's TSA's token over a SHA-256 digest. */
const tokenFor = (digest: Uint8Array): Buffer =>
  opensslTsaReply(timestampRequest({ algorithm: 'sha256', digest }).der).token;

/** A PEM file's first object, as DER. */
const pemFileToDer = (path: string): Buffer =>
  Buffer.from(
    readFileSync(path, 'latin1')
      .replace(/-----[^-]+-----/g, '')
      .replace(/\s+/g, ''),
    'base64',
  );

interface PyhankoLine {
  readonly field: string;
  readonly kind?: 'signature' | 'timestamp';
  readonly valid?: boolean;
  readonly summary?: string;
  readonly ades?: string;
  readonly subindication?: string | null;
}

/** test/support/pyhanko-lta.py on `pdf`, trusting `roots`: its JSON lines and exit status. */
function pyhankoLta(
  pdf: Uint8Array,
  roots: readonly { certPath: string }[],
): { status: number | null; lines: PyhankoLine[] } {
  const dir = mkdtempSync(join(tmpdir(), 'manifiesta-pyhanko-lta-'));
  try {
    writeFileSync(join(dir, 'letter.pdf'), pdf);
    const run = spawnSync(
      pyhankoPython(),
      [PYHANKO_LTA, roots.map((r) => r.certPath).join(','), join(dir, 'letter.pdf')],
      { encoding: 'utf8' },
    );
    const lines = run.stdout
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as PyhankoLine);
    if (lines.length === 0) throw new Error(`pyhanko-lta.py printed nothing:\n${run.stderr}`);
    return { status: run.status, lines };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PYHANKO_LTA = join(__dirname, '..', 'support', 'pyhanko-lta.py');

const levels = (result: PdfVerification): [string, boolean, string][] =>
  result.signatures.map((s) => [s.field, s.valid, s.level]);

describe('PAdES B-LT and B-LTA in the letter (validation data, document time-stamps)', function () {
  this.timeout(600_000);
  let f: SigningFixtures;
  let tsa: TestTsaParties;
  let verifier: SignatureVerifier;
  let tsaTrust: TimestampTrust;
  let stamped: Buffer; // both signatures, each with its signature time-stamp: B-T
  let data: ValidationData; // everything both signatures need
  let withDss: Buffer; // B-LT
  let lta: Buffer; // B-LTA
  let keep: string | undefined;

  const verify = (pdf: Uint8Array): PdfVerification =>
    verifyPdfSignatures(pdf, verifier, { timestampTrust: tsaTrust });
  const euDss = async (name: string, pdf: Uint8Array): Promise<EuDssReport> => {
    const report = await euDssValidate(pdf, [f.root.certPath, tsa.root.certPath]);
    if (keep) {
      writeFileSync(join(keep, `${name}.pdf`), pdf);
      writeFileSync(join(keep, `${name}.json`), JSON.stringify(report, null, 2));
    }
    return report;
  };
  /** A document time-stamp by OpenSSL's TSA over `pdf`, embedded. */
  const documentTimestamp = (pdf: Uint8Array): Buffer => {
    const prepared = prepareDocumentTimestamp(pdf);
    return embedDocumentTimestamp(prepared, tokenFor(prepared.digest), tsaTrust);
  };
  /** `data` without the CRLs that `drop` names. */
  const without = (drop: readonly Buffer[]): ValidationData => {
    const kept = (crls: readonly Uint8Array[]): Uint8Array[] =>
      crls.filter((crl) => !drop.some((d) => d.equals(crl)));
    return {
      ...data,
      crls: kept(data.crls),
      vri: data.vri!.map((v) => ({ ...v, crls: kept(v.crls) })),
    };
  };
  let signerCrl: Buffer;
  let rootCrl: Buffer;
  let tsaCrl: Buffer;

  before(async function () {
    f = signingFixtures();
    tsa = testTsaParties();
    verifier = new SignatureVerifier(TrustStore.fromCertificates([f.root.certDer]));
    tsaTrust = { anchors: [parseCertificate(tsa.root.certDer)] };
    keep = process.env.LONG_TERM_KEEP || undefined;

    // The process: the municipal signature, stamped; the institute's on top, stamped.
    const letter = await renderLetterPdf(HUIXQUILUCAN);
    const signed1 = await signField(letter, municipal, f.president, 'Presidenta Municipal', [f.intermediate]);
    const stamped1 = addSignatureTimestamp(
      signed1,
      municipal,
      tokenFor(sha256(signatureValue(signed1, municipal))),
    );
    const signed2 = await signField(stamped1, institute, f.commissioner, 'Comisionado', [f.intermediate]);
    stamped = addSignatureTimestamp(signed2, institute, tokenFor(sha256(signatureValue(signed2, institute))));

    // The TSA root's CRL, issued now: after both signature time-stamps.
    signerCrl = pemFileToDer(f.crlPath);
    rootCrl = pemFileToDer(f.rootCrlPath);
    tsaCrl = pemFileToDer(f.pki.crl('tsa-root', tsa.root, []));
    const certificates = [f.intermediate.certDer, f.root.certDer, tsa.tsa.certDer];
    const crls = [signerCrl, rootCrl, tsaCrl];
    data = {
      certificates,
      crls,
      ocsps: [],
      vri: readEmbeddedSignatures(stamped).map((s) => ({
        signatureCms: s.cms,
        certificates,
        crls,
        ocsps: [],
      })),
    };
    withDss = addValidationData(stamped, data);
    lta = documentTimestamp(withDss);
    if (keep) {
      writeFileSync(join(keep, 'b-t.pdf'), stamped);
      writeFileSync(join(keep, 'b-lt.pdf'), withDss);
      writeFileSync(join(keep, 'root.pem'), f.root.certPem);
      writeFileSync(join(keep, 'tsa-root.pem'), tsa.root.certPem);
      console.log(
        `long-term files kept in ${keep}; sizes: B-T ${stamped.length}, B-LT ${withDss.length}, B-LTA ${lta.length} bytes`,
      );
    }
  });

  it('B-T, then B-LT with the /DSS, then B-LTA with the document time-stamp; every revision allowed', () => {
    assert.deepEqual(levels(verify(stamped)), [
      [municipal, true, 'B-T'],
      [institute, true, 'B-T'],
    ]);
    const lt = verify(withDss);
    assert.deepEqual(levels(lt), [
      [municipal, true, 'B-LT'],
      [institute, true, 'B-LT'],
    ]);
    assert.equal(lt.signatures[0]!.levelLimit, 'no valid document time-stamp after the signature');

    const result = verify(lta);
    assert.equal(result.valid, true);
    assert.deepEqual(levels(result), [
      [municipal, true, 'B-LTA'],
      [institute, true, 'B-LTA'],
    ]);
    for (const signature of result.signatures) {
      assert.equal(signature.levelLimit, null);
      assert.equal(signature.modifications.allowed, true, signature.modifications.details.join('\n'));
      assert.equal(signature.timestamp!.valid, true);
    }
    assert.deepEqual(result.signatures[1]!.modifications.details, [
      'revision 4: the validation data (/DSS) added',
      'revision 5: document time-stamp field SelloDeTiempo1 added',
    ]);
    assert.equal(result.timestamps.length, 1);
    const timestamp = result.timestamps[0]!;
    assert.equal(timestamp.field, 'SelloDeTiempo1');
    assert.equal(timestamp.revision, 5);
    assert.equal(timestamp.valid, true, timestamp.problem ?? '');
    assert.equal(timestamp.problem, null);
    assert.match(timestamp.tsa!, /TSA de Prueba/);
    assert.ok(timestamp.genTime! >= result.signatures[1]!.timestamp!.genTime!);
    assert.deepEqual(timestamp.modifications, { allowed: true, details: [] });
    // Without TSA anchors nothing is judged: the document time-stamp read, not verified.
    const unjudged = verifyPdfSignatures(lta, verifier);
    assert.deepEqual(
      unjudged.signatures.map((s) => s.level),
      ['B-B', 'B-B'],
    );
    assert.equal(
      unjudged.signatures[0]!.levelLimit,
      'its signature time-stamp: not judged: no TSA trust anchors given',
    );
    assert.equal(unjudged.timestamps[0]!.valid, null);
    assert.equal(unjudged.timestamps[0]!.genTime, timestamp.genTime);
  });

  it('writes the /DSS as PAdES says: arrays of streams, deduplicated, /VRI keyed by the SHA-1 of /Contents', () => {
    const file = PdfFile.read(withDss);
    const held = readValidationData(file);
    assert.equal(held.certificates.length, 3);
    assert.equal(held.crls.length, 3);
    assert.equal(held.ocsps.length, 0);
    const catalog = new DocumentStructure(file, file.newest).catalog;
    const dss = file.dict(catalog.get('DSS'))!;
    const vri = file.dict(dss.get('VRI'))!;
    // ISO 32000-2 Table 262: the upper-case hex SHA-1 of the signature's /Contents (padding included).
    const keys = readEmbeddedSignatures(file).map((s) => {
      const [, a, b] = s.byteRange;
      return vriKey(Buffer.from(withDss.toString('latin1', a + 1, b - 1), 'hex'));
    });
    assert.deepEqual([...vri.keys()].sort(), [...keys].sort());
    for (const key of keys) {
      const entry = file.dict(vri.get(key))!;
      assert.deepEqual([...entry.keys()].sort(), ['CRL', 'Cert', 'TU', 'Type']);
    }
    // Every stream a plain data stream.
    for (const item of [dss.get('Certs'), dss.get('CRLs')].flatMap((a) => a as never[])) {
      const stream = file.resolve(item);
      assert.ok(stream instanceof PdfStream);
      assert.deepEqual([...stream.dict.keys()], ['Length']);
    }

    // A second call extends: what was there stays, the same content is never stored twice.
    const again = addValidationData(withDss, data);
    const twice = readValidationData(PdfFile.read(again));
    assert.equal(twice.certificates.length, 3);
    assert.equal(twice.crls.length, 3);
    const extended = addValidationData(withDss, {
      certificates: [tsa.root.certDer],
      crls: [],
      ocsps: [],
    });
    const more = readValidationData(PdfFile.read(extended));
    assert.equal(more.certificates.length, 4);
    assert.equal(more.crls.length, 3);
    assert.deepEqual(levels(verify(again)), levels(verify(withDss)));
    assert.deepEqual(levels(verify(extended)), levels(verify(withDss)));
    // The /VRI entries stay as they were (one per signature) after an extension without /VRI.
    const vriAfter = PdfFile.read(extended);
    const dssAfter = vriAfter.dict(new DocumentStructure(vriAfter, vriAfter.newest).catalog.get('DSS'))!;
    assert.equal([...vriAfter.dict(dssAfter.get('VRI'))!.keys()].length, 2);

    // Refused: an item that is not DER, a /VRI entry for a signature the PDF does not hold.
    assert.throws(
      () => addValidationData(stamped, { certificates: [Buffer.from('no')], crls: [], ocsps: [] }),
      (error: unknown) => error instanceof PdfSigningError && error.code === 'MALFORMED_INPUT',
    );
    assert.throws(
      () =>
        addValidationData(stamped, {
          certificates: [],
          crls: [],
          ocsps: [],
          vri: [{ signatureCms: Buffer.from('3000', 'hex'), certificates: [], crls: [], ocsps: [] }],
        }),
      (error: unknown) => error instanceof PdfSigningError && /does not hold/.test(error.message),
    );
  });

  it('extends a /DSS pyHanko wrote: what it held stays, and the level rises with what is added', () => {
    const dir = mkdtempSync(join(tmpdir(), 'manifiesta-long-term-pyhanko-'));
    try {
      const input = join(dir, 'in.pdf');
      const output = join(dir, 'out.pdf');
      writeFileSync(input, stamped);
      execFileSync(
        pyhankoPython(),
        [
          PYHANKO_LTA,
          'ltv',
          `${f.root.certPath},${tsa.root.certPath}`,
          institute,
          input,
          output,
          `cert:${f.intermediate.certPath}`,
          `crl:${f.crlPath}`,
          `crl:${f.rootCrlPath}`,
        ],
        { stdio: 'pipe' },
      );
      const byPyhanko = readFileSync(output);
      const before = readValidationData(PdfFile.read(byPyhanko));
      // pyHanko's /DSS lacks the TSA's CRL: B-T still.
      assert.deepEqual(
        verify(byPyhanko).signatures.map((s) => s.level),
        ['B-T', 'B-T'],
      );
      const extended = addValidationData(byPyhanko, data);
      if (keep) {
        writeFileSync(join(keep, 'dss-by-pyhanko.pdf'), byPyhanko);
        writeFileSync(join(keep, 'dss-by-pyhanko-extended.pdf'), extended);
      }
      const after = readValidationData(PdfFile.read(extended));
      for (const kind of ['certificates', 'crls'] as const)
        for (const item of before[kind])
          assert.ok(
            after[kind].some((x) => x.equals(item)),
            `${kind}: what pyHanko stored is still there`,
          );
      assert.ok(after.crls.some((x) => x.equals(tsaCrl)));
      const result = verify(documentTimestamp(extended));
      assert.deepEqual(levels(result), [
        [municipal, true, 'B-LTA'],
        [institute, true, 'B-LTA'],
      ]);
      const pyhanko = pyhankoLta(documentTimestamp(extended), [f.root, tsa.root]);
      assert.equal(pyhanko.status, 0, JSON.stringify(pyhanko.lines, null, 2));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('poppler (pdfsig) still says "Signature is Valid." for both signatures', () => {
    const verdicts = pdfsigVerdicts(lta, [f.root]);
    const signatures = verdicts.filter((v) => v.field === municipal || v.field === institute);
    assert.deepEqual(
      signatures.map((v) => [v.field, v.signatureValid]),
      [
        [municipal, 'Signature is Valid.'],
        [institute, 'Signature is Valid.'],
      ],
      JSON.stringify(verdicts),
    );
  });

  it('pyHanko validates every signature and the document time-stamp, and AdES-LTA from the /DSS alone', () => {
    const { status, lines } = pyhankoLta(lta, [f.root, tsa.root]);
    assert.equal(status, 0, JSON.stringify(lines, null, 2));
    assert.deepEqual(
      lines.map((l) => [l.field, l.kind ?? 'ades', l.valid ?? l.ades]),
      [
        [municipal, 'signature', true],
        [institute, 'signature', true],
        ['SelloDeTiempo1', 'timestamp', true],
        [municipal, 'ades', 'PASSED'],
        [institute, 'ades', 'PASSED'],
      ],
    );
    // The same AdES validation without the /DSS: no revocation data, so no chain.
    const bare = pyhankoLta(stamped, [f.root, tsa.root]);
    assert.equal(bare.status, 1);
    assert.deepEqual(
      bare.lines.filter((l) => l.ades !== undefined).map((l) => [l.ades, l.subindication]),
      [
        ['INDETERMINATE', 'CERTIFICATE_CHAIN_GENERAL_FAILURE'],
        ['INDETERMINATE', 'CERTIFICATE_CHAIN_GENERAL_FAILURE'],
      ],
    );
  });

  it('EU DSS: PAdES-BASELINE-LTA, TOTAL_PASSED for both signatures, every time-stamp PASSED', async () => {
    const report = await euDss('b-lta', lta);
    assert.equal(report.signatures.length, 2, JSON.stringify(report));
    for (const signature of report.signatures) {
      assert.equal(signature.signatureFormat, 'PAdES-BASELINE-LTA', JSON.stringify(signature));
      assert.equal(signature.indication, 'TOTAL_PASSED', JSON.stringify(signature));
      assert.deepEqual(
        signature.timestamps.map((t) => [t.type, t.indication]),
        [
          ['SIGNATURE_TIMESTAMP', 'PASSED'],
          ['DOCUMENT_TIMESTAMP', 'PASSED'],
        ],
      );
    }
    assert.ok(report.timestamps.length >= 3);
    assert.ok(
      report.timestamps.every((t) => t.indication === 'PASSED'),
      JSON.stringify(report.timestamps),
    );
  });

  it('a page changed after the /DSS, or within its revision, is a modification', () => {
    const drawn = drawOnPage(withDss);
    for (const pdf of [drawn, documentTimestamp(drawn)]) {
      const result = verify(pdf);
      assert.deepEqual(
        result.signatures.map((s) => [s.valid, s.code]),
        [
          [false, 'DOCUMENT_MODIFIED_AFTER_SIGNING'],
          [false, 'DOCUMENT_MODIFIED_AFTER_SIGNING'],
        ],
      );
    }

    // The validation data's revision also rewrites page 1's content stream.
    const file = PdfFile.read(stamped);
    const context = editableContext(file);
    const catalogRef = context.trailerInfo.Root as PDFRef;
    const catalog = context.lookup(catalogRef, PDFDict);
    const pages = context.lookup(catalog.get(PDFName.of('Pages')), PDFDict);
    const page = context.lookup(pages.lookup(PDFName.of('Kids'), PDFArray).get(0), PDFDict);
    const contents = page.get(PDFName.of('Contents'));
    const contentRef = (contents instanceof PDFArray ? contents.get(0) : contents) as PDFRef;
    const cert = context.register(context.stream(f.intermediate.certDer));
    const dss = context.register(context.obj({ Type: 'DSS', Certs: [cert] }));
    catalog.set(PDFName.of('DSS'), dss);
    const smuggled = appendIncrementalUpdate(file, context, [
      { ref: catalogRef, body: catalog },
      { ref: dss, body: context.lookup(dss)! },
      { ref: cert, body: context.lookup(cert)! },
      { ref: contentRef, body: context.stream('0 0 1 rg 72 600 300 100 re f') },
    ]).pdf;
    const result = verify(smuggled);
    for (const signature of result.signatures) {
      assert.equal(signature.code, 'DOCUMENT_MODIFIED_AFTER_SIGNING');
      assert.ok(
        signature.modifications.details.some((d) =>
          /not allowed: object \d+ \(stream\) changed .*stream data/.test(d),
        ),
        signature.modifications.details.join('\n'),
      );
    }
  });

  it('refuses a document time-stamp token over another digest; written anyway, it is not valid', () => {
    const prepared: PreparedDocumentTimestamp = prepareDocumentTimestamp(withDss);
    assert.equal(prepared.field, 'SelloDeTiempo1');
    const wrong = tokenFor(sha256(Buffer.from('otro documento')));
    assert.throws(
      () => embedDocumentTimestamp(prepared, wrong),
      (error: unknown) =>
        error instanceof PdfSigningError &&
        error.code === 'DOCUMENT_MISMATCH' &&
        /another digest/.test(error.message),
    );
    // A stranger TSA's token over the right digest: refused when the trust is given.
    const stranger = opensslTsaReply(
      timestampRequest({ algorithm: 'sha256', digest: prepared.digest }).der,
      tsa.strangerTsa,
      [tsa.strangerRoot],
    ).token;
    assert.throws(
      () => embedDocumentTimestamp(prepared, stranger, tsaTrust),
      (error: unknown) => error instanceof PdfSigningError && error.code === 'SIGNATURE_INVALID',
    );
    assert.throws(
      () => embedDocumentTimestamp(prepared, Buffer.from('3003020101', 'hex')),
      (error: unknown) => error instanceof PdfSigningError && error.code === 'MALFORMED_INPUT',
    );
    // A prepared but empty time-stamp blocks further revisions.
    assert.throws(
      () => prepareDocumentTimestamp(prepared.pdf),
      (error: unknown) => error instanceof PdfSigningError && /never embedded/.test(error.message),
    );

    // Written by hand into /Contents.
    const [, a] = prepared.byteRange;
    const forced = Buffer.from(prepared.pdf);
    forced.write(wrong.toString('hex'), a + 1, 'latin1');
    const result = verify(forced);
    assert.equal(result.timestamps[0]!.valid, false);
    assert.match(result.timestamps[0]!.problem!, /another imprint/);
    // The signatures hold (nothing they signed changed), but no longer reach B-LTA.
    assert.deepEqual(levels(result), [
      [municipal, true, 'B-LT'],
      [institute, true, 'B-LT'],
    ]);
    assert.equal(result.signatures[0]!.levelLimit, 'no valid document time-stamp after the signature');

    // The stranger's token, embedded without trust: read, then judged invalid for its chain.
    const strangerStamped = embedDocumentTimestamp(prepared, stranger);
    const judged = verify(strangerStamped).timestamps[0]!;
    assert.equal(judged.valid, false);
    assert.match(judged.problem!, /does not chain to a trusted anchor/);
  });

  it('levels drop as the /DSS says: no TSA CRL or no root CRL is B-T, a time-stamp before the /DSS is B-LT', async () => {
    // Without the CRL for the TSA's certificate: the signature time-stamps cannot be judged later.
    const noTsaCrl = documentTimestamp(addValidationData(stamped, without([tsaCrl])));
    const result = verify(noTsaCrl);
    assert.deepEqual(levels(result), [
      [municipal, true, 'B-T'],
      [institute, true, 'B-T'],
    ]);
    assert.match(result.signatures[0]!.levelLimit!, /no CRL or OCSP response for .*TSA de Prueba/);
    assert.equal(result.timestamps[0]!.valid, true);
    // Without the root's CRL for the intermediate.
    const noRootCrl = verify(documentTimestamp(addValidationData(stamped, without([rootCrl]))));
    assert.deepEqual(
      noRootCrl.signatures.map((s) => s.level),
      ['B-T', 'B-T'],
    );
    assert.match(noRootCrl.signatures[0]!.levelLimit!, /AC Intermedia de Pruebas manifiesta/);
    // The TSA's CRL added by a later revision: the level rises, and B-LTA needs a time-stamp over it.
    const completed = addValidationData(noTsaCrl, { certificates: [], crls: [tsaCrl], ocsps: [] });
    assert.deepEqual(
      verify(completed).signatures.map((s) => [s.level, s.levelLimit]),
      [
        ['B-LT', 'no valid document time-stamp covers its validation data'],
        ['B-LT', 'no valid document time-stamp covers its validation data'],
      ],
    );
    assert.deepEqual(
      verify(documentTimestamp(completed)).signatures.map((s) => s.level),
      ['B-LTA', 'B-LTA'],
    );
    // A document time-stamp before the /DSS covers no validation data.
    const stampedFirst = addValidationData(documentTimestamp(stamped), data);
    assert.deepEqual(
      verify(stampedFirst).signatures.map((s) => s.level),
      ['B-LT', 'B-LT'],
    );

    // EU DSS reads these files at the level our verifier gives.
    const noRootCrlPdf = documentTimestamp(addValidationData(stamped, without([rootCrl])));
    const agreed: [string, Buffer][] = [
      ['b-t', stamped],
      ['b-lt', withDss],
      ['no-tsa-crl', noTsaCrl],
      ['no-root-crl', noRootCrlPdf],
      ['stamped-before-dss', stampedFirst],
    ];
    for (const [name, pdf] of agreed) {
      const ours = verify(pdf).signatures.map((s) => `PAdES-BASELINE-${s.level.slice(2)}`);
      const report = await euDss(name, pdf);
      assert.deepEqual(
        report.signatures.map((s) => s.signatureFormat),
        ours,
        `${name}: ${JSON.stringify(report)}`,
      );
    }
    // Where we are stricter: EU DSS 6.4 calls a signature LTA when the file holds its validation
    // data anywhere and a document time-stamp covers some /DSS after the signature; we want the
    // time-stamp to cover a /DSS that holds all of it (what B-LTA is for: that data's integrity
    // proven at the stamped time). Here the TSA's CRL came after the only document time-stamp.
    const report = await euDss('completed-after-stamp', completed);
    assert.deepEqual(
      report.signatures.map((s) => s.signatureFormat),
      ['PAdES-BASELINE-LTA', 'PAdES-BASELINE-LTA'],
      JSON.stringify(report),
    );
  });

  it('an OCSP response in place of the signer’s CRL counts as its revocation data', () => {
    const dir = mkdtempSync(join(tmpdir(), 'manifiesta-long-term-ocsp-'));
    try {
      const index = join(dir, 'index.txt');
      writeIndex(
        index,
        [f.president, f.commissioner].map((party) => ({
          status: 'valid' as const,
          serial: party.serial,
          subject: `/CN=${party.label}`,
          notAfter: party.notAfter,
        })),
      );
      const ocsps = [f.president, f.commissioner].map((party) => {
        const request = join(dir, `${party.label}.req`);
        const response = join(dir, `${party.label}.resp`);
        const run = (args: string[]): void => void execFileSync('openssl', args, { stdio: 'pipe' });
        run([
          'ocsp',
          '-issuer',
          f.intermediate.certPath,
          '-cert',
          party.certPath,
          '-no_nonce',
          '-reqout',
          request,
        ]);
        run([
          'ocsp',
          '-index',
          index,
          '-CA',
          f.intermediate.certPath,
          '-rsigner',
          f.intermediate.certPath,
          '-rkey',
          f.intermediate.keyPath,
          '-reqin',
          request,
          '-respout',
          response,
        ]);
        return readFileSync(response);
      });
      const viaOcsp = addValidationData(stamped, { ...without([signerCrl]), ocsps });
      assert.deepEqual(
        verify(viaOcsp).signatures.map((s) => s.level),
        ['B-LT', 'B-LT'],
      );
      // Without either, B-T: the president's certificate has no revocation data.
      const neither = verify(addValidationData(stamped, without([signerCrl])));
      assert.deepEqual(
        neither.signatures.map((s) => s.level),
        ['B-T', 'B-T'],
      );
      assert.match(neither.signatures[0]!.levelLimit!, /ROMINA CONTRERAS CARRASCO/);

      // And the verifier judges revocation with the answers the file keeps: revocation required,
      // only the root's CRL configured (for the intermediate), the signers' answers from the /DSS.
      const offline = new SignatureVerifier(
        TrustStore.fromCertificates([f.root.certDer], [parseCrl(rootCrl, 'root CRL')], 'required'),
      );
      const judged = verifyPdfSignatures(viaOcsp, offline, { timestampTrust: tsaTrust });
      assert.deepEqual(
        judged.signatures.map((s) => [s.valid, s.report.ocsp?.length]),
        [
          [true, 1],
          [true, 1],
        ],
      );
      const detail = judged.signatures[0]!.report.checks.find((c) => c.check === 'revocation')!.detail;
      assert.match(detail, /not revoked per the OCSP response of/);
      const unjudged = verifyPdfSignatures(addValidationData(stamped, without([signerCrl])), offline, {
        timestampTrust: tsaTrust,
      });
      assert.deepEqual(
        unjudged.signatures.map((s) => s.report.code),
        ['REVOCATION_UNAVAILABLE', 'REVOCATION_UNAVAILABLE'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('puts the document time-stamp field where the judge allows it: invisible, in /Annots and /Fields', () => {
    const file = PdfFile.read(lta);
    const structure = new DocumentStructure(file, file.newest);
    const field = structure.fields.find((x) => x.name === 'SelloDeTiempo1')!;
    assert.equal(field.type, 'Sig');
    assert.deepEqual(field.dict.get('Rect'), [0, 0, 0, 0]);
    const value = file.resolve(field.value);
    assert.ok(isDict(value));
    assert.equal(String(value.get('Type')), '/DocTimeStamp');
    assert.equal(String(value.get('SubFilter')), '/ETSI.RFC3161');
    const annots = file.resolve(structure.pages[0]!.dict.get('Annots')) as unknown[];
    assert.ok(annots.some((a) => String(a) === String(field.ref)));
    // The next one is SelloDeTiempo2.
    assert.equal(prepareDocumentTimestamp(lta).field, 'SelloDeTiempo2');
    assert.deepEqual(
      verify(documentTimestamp(lta)).timestamps.map((t) => [t.field, t.valid]),
      [
        ['SelloDeTiempo1', true],
        ['SelloDeTiempo2', true],
      ],
    );
  });
});
