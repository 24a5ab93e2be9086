import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordInstallationUpdate, resendLinkUpdate, submitSignatureUpdate } from '../../src/domain/messages';
import { PdfFile } from '../../src/pdf/document';
import { readValidationData } from '../../src/pdf/dss';
import { readEmbeddedSignatures } from '../../src/pdf/embedded';
import { judgeOcspResponse } from '../../src/signatures/ocsp';
import { verifyPdfSignatures } from '../../src/pdf/verify-pdf';
import { parseCertificate } from '../../src/signatures/certificate';
import { testTsaParties } from '../support/timestamp-tokens';
import { SignatureVerifier, TrustStore } from '../../src/signatures';
import { runCliAsync, shellWords } from '../support/cli';
import { signingFixtures } from '../support/fixtures';
import type { Party } from '../support/pki';
import { processEnv, type ProcessEnv } from '../support/process-env';
import {
  historyLength,
  replayAndRecord,
  signingLink,
  storedFile,
  testInput,
  waitForState,
} from '../support/process-helpers';
import { expectPortalError, postJson, startPortal, type TestPortal } from '../support/portal';
import { flipByte, opensslPkcs1 } from '../support/sign';
import { pdfsigVerdicts, pyhankoValidate } from '../support/pdf-validators';
import { euDssValidate } from '../support/eu-dss';
import { renewalActivities } from '../../src/activities/renewal';
import { privacyNotice } from '../../src/config/privacy-notice';
import { LetterRegister } from '../../src/evidence/letter-register';
import { loadTrustStore } from '../../src/signatures';
import { TsaClient } from '../../src/timestamps/client';
import { timestampTrust } from '../../src/timestamps/trust';
import type { RenewalSummary } from '../../src/workflows/letter-renewal';
import { OpensslPki } from '../support/openssl-pki';
import { startTsa } from '../support/tsa';
import type { CodedError } from '../../src/domain/coded-error';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * The signed PDF through the whole product: the portal's two steps (prepare, then the PKCS #1
 * signature made with the key outside the server, here by `openssl dgst -sign`), the process,
 * the evidence export, the confirmation e-mail, and poppler's verdict on the result.
 */
describe('signing inside the PDF (PAdES) through the portal and the process', function () {
  this.timeout(180_000);
  let env: ProcessEnv;
  let portal: TestPortal;
  const f = signingFixtures();

  before(async function () {
    env = await processEnv();
    portal = await startPortal(env);
  });
  after(async function () {
    await portal?.close();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    postJson(portal, path, body, headers);

  const expectError = expectPortalError;

  async function prepare(token: string, party: Party): Promise<Buffer> {
    const response = await post(`/api/v1/signing/${token}/prepare`, {
      certificate: party.certDer.toString('base64'),
    });
    const body = (await response.json()) as { toBeSigned: string; digestAlgorithm: string };
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.digestAlgorithm, 'SHA-256');
    return Buffer.from(body.toBeSigned, 'base64');
  }

  const padesBody = (signature: Buffer, party: Party) => ({
    format: 'pades',
    signature: signature.toString('base64'),
    certificate: party.certDer.toString('base64'),
  });

  async function openProcess() {
    const input = testInput();
    const { workflowId } = await env.processes.start(input);
    const { token, claims } = await signingLink(env, input.president.email);
    await waitForState(env, workflowId, (s) => s.audit.some((e) => e.type === 'email-sent'));
    return { input, workflowId, token, claims };
  }

  /** Trusting only the test root, judged now. */
  const verifier = () => new SignatureVerifier(TrustStore.fromCertificates([f.root.certDer]));

  it('both signers sign inside one PDF; validators find two intact signatures over the original letter @history', async function () {
    const { input, workflowId, token } = await openProcess();
    const info = (await (await fetch(`${portal.url}/api/v1/signing/${token}`)).json()) as {
      formats: string[];
      signedDocument: unknown;
    };
    assert.deepEqual(info.formats, ['pades', 'pkcs1-sha256', 'cms']);
    assert.equal(info.signedDocument, null);
    const page = await (await fetch(`${portal.url}/firmar/${token}`)).text();
    assert.match(page, /data-pades="true"/);
    const letter = Buffer.from(
      await (await fetch(`${portal.url}/api/v1/signing/${token}/document`)).arrayBuffer(),
    );

    const toBeSigned = await prepare(token, f.president);
    const accepted = await post(
      `/api/v1/signing/${token}/signature`,
      padesBody(opensslPkcs1(toBeSigned, f.president), f.president),
    );
    const body = (await accepted.json()) as {
      stage: string;
      report: { format: string; signer: { rfc: string } };
    };
    assert.equal(accepted.status, 200, JSON.stringify(body));
    assert.equal(body.stage, 'AwaitingInstituteCountersignature');
    assert.equal(body.report.format, 'pades');
    assert.equal(body.report.signer.rfc, 'COCR800101AB1');

    // The commissioner's page offers the letter as the president signed it.
    const institute = await signingLink(env, input.commissioner.email);
    const countersigning = await (await fetch(`${portal.url}/firmar/${institute.token}`)).text();
    assert.match(countersigning, /Descargar la carta con la firma de la presidencia municipal/);
    const signedOnce = Buffer.from(
      await (await fetch(`${portal.url}/api/v1/signing/${institute.token}/signed-document`)).arrayBuffer(),
    );
    assert.deepEqual(
      verifyPdfSignatures(signedOnce, verifier()).signatures.map((s) => [s.field, s.code ?? 'valid']),
      [['FirmaMunicipal', 'valid']],
    );

    const countersign = await prepare(institute.token, f.commissioner);
    const done = await post(
      `/api/v1/signing/${institute.token}/signature`,
      padesBody(opensslPkcs1(countersign, f.commissioner), f.commissioner),
    );
    assert.equal(done.status, 200);

    const state = await waitForState(env, workflowId, (s) => (s.dossiers?.length ?? 0) > 0);
    assert.equal(state.stage, 'AwaitingSecretariatInstallation');
    assert.equal(state.signatures.municipal?.format, 'pades');
    assert.equal(state.signatures.institute?.format, 'pades');
    assert.deepEqual(state.preparations, {}, 'no preparation is left waiting');
    const signed = (await env.evidence.get(state.signedDocument!.sha256))!;
    assert.equal(state.signedDocument!.fileName, 'carta-firmada.pdf');
    assert.ok(signed.subarray(0, letter.length).equals(letter), 'the original letter is the prefix');
    assert.ok(signed.subarray(0, signedOnce.length).equals(signedOnce), 'so is the first signature');

    const verification = verifyPdfSignatures(signed, verifier(), {
      expectedSigners: {
        FirmaMunicipal: { rfc: 'COCR800101AB1', curp: null, name: null },
        FirmaInstitucional: { rfc: f.commissioner.identity.rfc ?? null, curp: null, name: null },
      },
    });
    assert.equal(verification.valid, true, JSON.stringify(verification.signatures.map((s) => s.code)));
    assert.equal(verification.originalSha256, state.document!.sha256);

    // PAdES B-LTA: each signature carries the run's TSA's token over it, recorded with its genTime
    // and judged at that time; the letter, the validation data for every signer and TSA (/DSS) and
    // an archive time-stamp over the whole file.
    const stamped = verifyPdfSignatures(signed, verifier(), {
      timestampTrust: { anchors: [parseCertificate(testTsaParties().root.certDer)] },
    });
    assert.deepEqual(
      stamped.signatures.map((s) => [s.field, s.valid, s.level]),
      [
        ['FirmaMunicipal', true, 'B-LTA'],
        ['FirmaInstitucional', true, 'B-LTA'],
      ],
    );
    assert.deepEqual(
      stamped.timestamps.map((t) => [t.field, t.valid]),
      [['SelloDeTiempo1', true]],
    );
    // The validation data holds the responder's answer about each signer (OCSP_URL), beside the CRLs.
    const held = readValidationData(PdfFile.read(signed));
    for (const party of [f.president, f.commissioner]) {
      const answers = held.ocsps
        .map((der) =>
          judgeOcspResponse(der, {
            certificate: parseCertificate(party.certDer),
            issuer: parseCertificate(f.intermediate.certDer),
            at: new Date(),
          }),
        )
        .filter((verdict) => verdict.matched);
      assert.deepEqual(
        answers.map((v) => [v.valid, v.status]),
        [[true, 'good']],
        `${party.label}: ${answers.map((v) => v.problem).join('; ')}`,
      );
    }
    assert.equal(state.archive?.length, 1);
    assert.match(state.archive![0]!.tsa, /TSA de Prueba/);
    assert.ok(Date.parse(state.archive![0]!.renewBy) > Date.now(), 'renewal due before the TSA expires');
    assert.equal(state.audit.filter((e) => e.type === 'letter-archived').length, 1);
    // EU DSS, offline: the European Commission's validator says the same.
    const dss = await euDssValidate(signed, [f.root.certPath, testTsaParties().root.certPath]);
    assert.deepEqual(
      dss.signatures.map((s) => [s.signedBy, s.signatureFormat, s.indication]),
      [
        [f.president.identity.name, 'PAdES-BASELINE-LTA', 'TOTAL_PASSED'],
        [f.commissioner.identity.name, 'PAdES-BASELINE-LTA', 'TOTAL_PASSED'],
      ],
      JSON.stringify(dss),
    );
    assert.ok(
      dss.timestamps.every((t) => t.indication === 'PASSED'),
      JSON.stringify(dss.timestamps),
    );
    for (const role of ['municipal', 'institute'] as const) {
      const timestamp = state.signatures[role]!.timestamp!;
      assert.match(timestamp.tsa, /TSA de Prueba/);
      const genTime = Date.parse(timestamp.genTime);
      assert.ok(
        Math.abs(genTime - Date.parse(state.signatures[role]!.receivedAt)) < 60_000,
        timestamp.genTime,
      );
      assert.ok(await env.evidence.get(timestamp.tokenSha256), 'the token is kept as evidence');
    }
    assert.deepEqual(
      stamped.signatures.map((s) => s.timestamp!.genTime!.slice(0, 19)),
      (['municipal', 'institute'] as const).map((role) =>
        state.signatures[role]!.timestamp!.genTime.slice(0, 19),
      ),
    );
    assert.equal(state.audit.filter((e) => e.type === 'signature-timestamped').length, 2);
    assert.deepEqual(
      verification.signatures.map((s) => s.report.signer?.name),
      [f.president.identity.name, f.commissioner.identity.name],
    );

    // poppler, trusting the test root.
    // (poppler does not validate ETSI.RFC3161 document time-stamps: it lists SelloDeTiempo1 unjudged.)
    const verdicts = pdfsigVerdicts(signed, [f.root]).filter((v) => v.field.startsWith('Firma'));
    assert.deepEqual(
      verdicts.map((v) => [v.signatureValid, v.certificateValid]),
      [
        ['Signature is Valid.', 'Certificate is Trusted.'],
        ['Signature is Valid.', 'Certificate is Trusted.'],
      ],
    );

    const pyhanko = pyhankoValidate(signed, f.root);
    assert.equal(pyhanko.status, 0, pyhanko.lines.join('\n'));
    assert.deepEqual(
      pyhanko.lines.map((line) => line.split(' ')[0]),
      ['FirmaMunicipal:', 'FirmaInstitucional:', 'SelloDeTiempo1:'],
    );
    assert.match(
      pyhanko.lines[0]!,
      /INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>.*ACCEPTABLE_MODIFICATIONS/,
    );
    assert.match(
      pyhanko.lines[1]!,
      /INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,EXTENDED_WITH_LTA_UPDATES/,
    );
    assert.match(pyhanko.lines[2]!, /^SelloDeTiempo1: TIMESTAMP INTACT:TRUSTED/);

    // The confirmation carries it; the evidence export writes it beside the original.
    const confirmation = await env.outbox.waitFor(
      (m) => m.envelopeTo.includes(input.president.email) && (m.mail.attachments?.length ?? 0) === 2,
      30_000,
      'the confirmation with the signed letter',
    );
    const attached = confirmation.mail.attachments!.find((a) => a.filename === 'carta-firmada.pdf');
    assert.ok(attached, 'carta-firmada.pdf is attached');
    assert.equal(sha256(attached.content), state.signedDocument!.sha256);
    // The dossier as the process assembled it (with its NOM-151 constancias), files by name.
    const record = state.dossiers!.at(-1)!;
    const manifest = (await env.evidence.get(record.manifestSha256))!.toString();
    const dossier = new Map<string, Buffer>();
    for (const line of manifest.trim().split('\n')) {
      const [digest, name] = line.split(/ {2}/) as [string, string];
      dossier.set(name, (await env.evidence.get(digest))!);
    }
    dossier.set('SHA256SUMS', Buffer.from(manifest));
    assert.ok(dossier.has('constancia-nom151.tsr'), 'the constancia over the signed letter');
    // The privacy notice both signers were shown, its text and what LEEME says of it.
    const notice = privacyNotice({});
    assert.deepEqual(dossier.get(`aviso-de-privacidad-${notice.sha256.slice(0, 12)}.txt`), notice.bytes);
    assert.match(
      dossier.get('LEEME.txt')!.toString(),
      new RegExp(
        `firma-municipal, firma-institucional: versión ${notice.version.replace(/[()]/g, '\\$&')}, SHA-256 ${notice.sha256}`,
      ),
    );
    assert.ok(dossier.get('carta-firmada.pdf')?.equals(signed));
    assert.ok(dossier.get('carta.pdf')?.equals(letter));
    assert.match(dossier.get('SHA256SUMS')!.toString(), / {2}carta-firmada\.pdf\n/);
    assert.match(dossier.get('LEEME.txt')!.toString(), /pdfsig carta-firmada\.pdf/);
    assert.ok(dossier.has('certificado-municipal.pem') && !dossier.has('firma-municipal.sig'));
    // The dossier's own command, as a third party runs it: each field bound to whom it had to be.
    const folder = mkdtempSync(join(tmpdir(), 'expediente-pades-'));
    for (const [name, bytes] of dossier) writeFileSync(join(folder, name), bytes);
    writeFileSync(join(folder, 'ac-confianza.pem'), f.root.certPem + f.intermediate.certPem);
    writeFileSync(join(folder, 'tsa-confianza.pem'), testTsaParties().root.certPem);
    writeFileSync(join(folder, 'psc-confianza.pem'), testTsaParties().root.certPem);
    const leeme = dossier.get('LEEME.txt')!.toString();
    assert.match(
      leeme,
      /constancia-nom151\.tsr es la constancia de conservación \(NOM-151-SCFI-2016\) de carta-firmada\.pdf,\nemitida por .*TSA de Prueba.* el 20\d\d-/,
    );
    assert.match(leeme, /firma-municipal: 20\d\d-.*, por .*TSA de Prueba/);
    // The constancia over the letter, as a third party checks it (the one over SHA256SUMS is
    // assembled after the manifest, so it is not listed in it: checked in the evidence tests).
    const constanciaCommand = leeme
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line.startsWith('manifiesta verify --timestamp constancia-nom151.tsr '))!;
    const constanciaChecked = await runCliAsync(
      shellWords(constanciaCommand).slice(1),
      { INIT_CWD: folder },
      folder,
    );
    assert.equal(constanciaChecked.status, 0, constanciaChecked.stdout + constanciaChecked.stderr);
    assert.match(constanciaChecked.stdout, /^SELLO DE TIEMPO VÁLIDO/);
    // Each time-stamp in the letter, as OpenSSL checks it: both signatures' and the archive's.
    const opensslChecks = leeme
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.startsWith('openssl ts -verify '));
    assert.equal(opensslChecks.length, 3, leeme);
    for (const check of opensslChecks) {
      const words = shellWords(check);
      const run = spawnSync(words[0]!, words.slice(1), { cwd: folder, encoding: 'utf8' });
      assert.match(run.stdout, /Verification: OK/, `${check}\n${run.stdout}${run.stderr}`);
    }
    const command = dossier
      .get('LEEME.txt')!
      .toString()
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line.startsWith('manifiesta verify '))!;
    assert.match(command, /--signer FirmaMunicipal=COCR800101AB1/);
    // Both signatures are time-stamped: judged at their genTimes, not at a time the dossier asserts.
    assert.match(command, /--tsa-trust-anchors tsa-confianza\.pem$/);
    assert.doesNotMatch(command, /--at /);
    const checked = await runCliAsync(
      shellWords(command).slice(1),
      { ...env.childEnv, INIT_CWD: folder },
      folder,
    );
    assert.equal(checked.status, 0, checked.stdout + checked.stderr);
    assert.equal((checked.stdout.match(/✓ identity/g) ?? []).length, 2, checked.stdout);

    // To the end, so that the recorded history holds every step of a PAdES process.
    await env.processes.update(workflowId, recordInstallationUpdate, {
      date: '2026-11-20',
      members: [
        { name: 'Romina Contreras', sector: 'gobierno', position: 'Presidenta Municipal' },
        { name: 'Ana Sociedad', sector: 'sociedad-civil', position: 'Integrante' },
      ],
      minutes: await storedFile(env, Buffer.from('%PDF-1.4\nacta\n%%EOF\n')),
      actor: 'coordinacion@example.mx',
    });
    await env.client.workflow.getHandle(workflowId).result();
    await replayAndRecord(env, workflowId, 'pades-completed');

    // Years on, the archive time-stamp is renewed. The renewal the Schedule runs, with the TSA that
    // made it: its certificate expires no later, so renewing would extend nothing, and it says so.
    const far = new Date(Date.now() + 20 * 365 * 86_400_000);
    const daily = await runCliAsync(['renewal', 'run', '--horizon-days', '3650', '--json'], env.childEnv);
    assert.equal(daily.status, 1, daily.stderr);
    const summary = JSON.parse(daily.stdout) as RenewalSummary;
    assert.ok(
      summary.tsaNotLater.some((n) => n.workflowId === workflowId),
      daily.stdout,
    );
    assert.ok(!summary.renewed.some((r) => r.workflowId === workflowId));
    // With a TSA whose new certificate lasts longer: a /DSS revision for the old TSA, a new archive
    // time-stamp, a new edition in the register.
    const parties = testTsaParties();
    const renewedTsa = new OpensslPki(parties.dir).issue(
      `tsa-renovada-${Date.now()}`,
      { name: 'TSA de Prueba Renovada' },
      parties.root,
      'rsa-2048',
      { keyUsage: 'digitalSignature,nonRepudiation', extKeyUsage: 'critical,timeStamping', days: 6 * 365 },
    );
    const renewedChain = join(parties.dir, `${renewedTsa.label}-chain.pem`);
    writeFileSync(renewedChain, renewedTsa.certPem + parties.root.certPem);
    const laterTsa = await startTsa({ signer: { keyPath: renewedTsa.keyPath, chainPath: renewedChain } });
    try {
      // The TSA root's CRL as TSA_CRLS holds it at the renewal: issued after the new TSA
      // certificate, so that validators find the new time-stamp's TSA not revoked either.
      const tsaTrust = loadTrustStore({
        anchors: env.childEnv.TSA_TRUST_ANCHORS,
        crls: f.pki.crl(`tsa-root-renewal-${Date.now()}`, parties.root, []),
      });
      const renewal = renewalActivities({
        evidence: env.evidence,
        tsa: new TsaClient([{ url: laterTsa.url }], timestampTrust({ anchors: parties.root.certPath })),
        register: new LetterRegister(env.evidence.objects, env.keyring),
        tsaRevocation: (certificate) => tsaTrust.revocationDataOf(certificate),
        stored: async (digest) => (await env.evidence.get(digest))!,
      });
      const renewedResult = await renewal.renewLetterArchive({ workflowId, before: far.toISOString() });
      assert.equal(renewedResult.renewed, true);
      // Renewed already: a retry changes nothing.
      const again = await renewal.renewLetterArchive({ workflowId, before: new Date().toISOString() });
      assert.deepEqual(again.renewed, false);
    } finally {
      await laterTsa.stop();
    }
    const exportDir = mkdtempSync(join(tmpdir(), 'expediente-renovado-'));
    const exported = await runCliAsync(['evidence', workflowId, '--out', exportDir], env.childEnv);
    assert.equal(exported.status, 0, exported.stderr);
    assert.match(
      exported.stdout,
      /carta-firmada-vigente\.pdf: la carta firmada con su sello de archivo renovado una vez/,
    );
    const editions = JSON.parse(readFileSync(join(exportDir, 'renovaciones.json'), 'utf8')) as {
      reason: string;
    }[];
    assert.deepEqual(
      editions.map((e) => e.reason),
      ['archived', 'renewed'],
    );
    const current = readFileSync(join(exportDir, 'carta-firmada-vigente.pdf'));
    assert.ok(current.subarray(0, signed.length).equals(signed), 'the renewal only appends');
    const renewedCheck = verifyPdfSignatures(current, verifier(), {
      timestampTrust: { anchors: [parseCertificate(parties.root.certDer)] },
    });
    assert.deepEqual(
      renewedCheck.signatures.map((s) => [s.valid, s.level]),
      [
        [true, 'B-LTA'],
        [true, 'B-LTA'],
      ],
    );
    assert.deepEqual(
      renewedCheck.timestamps.map((t) => [t.field, t.valid]),
      [
        ['SelloDeTiempo1', true],
        ['SelloDeTiempo2', true],
      ],
    );
    const renewedDss = await euDssValidate(current, [f.root.certPath, parties.root.certPath]);
    assert.deepEqual(
      renewedDss.signatures.map((s) => [s.signatureFormat, s.indication]),
      [
        ['PAdES-BASELINE-LTA', 'TOTAL_PASSED'],
        ['PAdES-BASELINE-LTA', 'TOTAL_PASSED'],
      ],
      JSON.stringify(renewedDss),
    );
    assert.ok(
      renewedDss.timestamps.every((t) => t.indication === 'PASSED'),
      JSON.stringify(renewedDss.timestamps),
    );
    // And the Schedule that runs the renewal every day.
    const scheduled = await runCliAsync(['renewal', 'schedule', '--hour', '4'], env.childEnv);
    assert.equal(scheduled.status, 0, scheduled.stderr);
    assert.match(
      scheduled.stdout,
      /^archive-renewal: renovación diaria (creada|actualizada); próxima ejecución /,
    );
    const schedule = await env.client.schedule.getHandle('archive-renewal').describe();
    assert.equal(schedule.action.type, 'startWorkflow');
    assert.equal(schedule.action.workflowType, 'renewArchiveTimestamps');
  });

  it('refuses at prepare what a signature would be refused for, before anyone signs, changing nothing', async function () {
    const { token, workflowId } = await openProcess();
    const events = await historyLength(env, workflowId);
    const cases: [number, string, Party | string][] = [
      [422, 'CERTIFICATE_NOT_FOR_SIGNING', f.csdLike],
      [422, 'SIGNER_MISMATCH', f.commissioner],
      [422, 'CERTIFICATE_EXPIRED', f.expired],
      [422, 'CERTIFICATE_UNTRUSTED', f.untrustedSigner],
      [400, 'MALFORMED_INPUT', Buffer.from('not a certificate at all').toString('base64')],
    ];
    for (const [status, code, party] of cases) {
      const certificate = typeof party === 'string' ? party : party.certDer.toString('base64');
      const response = await post(`/api/v1/signing/${token}/prepare`, { certificate });
      await expectError(response, status, code);
    }
    await expectError(await post(`/api/v1/signing/${token}/prepare`, {}), 400, 'MALFORMED_INPUT');
    assert.equal(await historyLength(env, workflowId), events, 'the process history is unchanged');
    const state = await env.processes.status(workflowId);
    assert.equal(state.preparations, undefined);
  });

  it('refuses a PAdES signature that is not over the prepared bytes, not by the prepared certificate, or not prepared', async function () {
    const { token, workflowId, claims } = await openProcess();
    const unprepared = await post(
      `/api/v1/signing/${token}/signature`,
      padesBody(opensslPkcs1(Buffer.from('anything'), f.president), f.president),
    );
    await expectError(unprepared, 400, 'MALFORMED_INPUT');

    const toBeSigned = await prepare(token, f.president);
    const events = await historyLength(env, workflowId);
    const cases: [string, unknown][] = [
      ['SIGNATURE_INVALID', padesBody(flipByte(opensslPkcs1(toBeSigned, f.president), 9), f.president)],
      ['SIGNATURE_INVALID', padesBody(opensslPkcs1(flipByte(toBeSigned, 40), f.president), f.president)],
      // Someone else's key: a 4096-bit signature does not even fit the president's 2048-bit key.
      ['SIGNATURE_INVALID', padesBody(opensslPkcs1(toBeSigned, f.signer4096), f.president)],
      // The commissioner's signature with her certificate: not the certificate prepared for.
      ['SIGNER_MISMATCH', padesBody(opensslPkcs1(toBeSigned, f.commissioner), f.commissioner)],
    ];
    for (const [code, body] of cases) {
      await expectError(await post(`/api/v1/signing/${token}/signature`, body), 422, code);
    }
    assert.equal(await historyLength(env, workflowId), events, 'refused by the portal: history unchanged');

    // Straight to Temporal, past the portal: the process refuses it too, and stores nothing.
    const before = await env.processes.status(workflowId);
    await assert.rejects(
      env.processes.update({ workflowId, run: claims.run }, submitSignatureUpdate, {
        role: 'municipal',
        linkVersion: claims.version,
        run: claims.run,
        format: 'pades',
        signature: flipByte(opensslPkcs1(toBeSigned, f.president), 9).toString('base64'),
        certificate: f.president.certDer.toString('base64'),
      }),
      (error: CodedError) => error.code === 'SIGNATURE_INVALID',
    );
    const after = await env.processes.status(workflowId);
    assert.equal(after.stage, 'AwaitingMunicipalSignature');
    assert.equal(after.signatures.municipal, undefined);
    assert.equal(after.signedDocument, before.signedDocument);
    assert.deepEqual(after.preparations, before.preparations, 'the preparation still waits');

    // The prepared bytes still sign: the refusals cost nothing.
    const accepted = await post(
      `/api/v1/signing/${token}/signature`,
      padesBody(opensslPkcs1(toBeSigned, f.president), f.president),
    );
    assert.equal(accepted.status, 200);
  });

  it('a new link voids a preparation: its signature is refused and the new link prepares again', async function () {
    const { input, token, workflowId, claims } = await openProcess();
    const toBeSigned = await prepare(token, f.president);
    await env.processes.update(workflowId, resendLinkUpdate, { role: 'municipal' });
    const fresh = await signingLink(env, input.president.email, 2);
    await assert.rejects(
      env.processes.update({ workflowId, run: claims.run }, submitSignatureUpdate, {
        role: 'municipal',
        linkVersion: fresh.claims.version,
        run: claims.run,
        format: 'pades',
        signature: opensslPkcs1(toBeSigned, f.president).toString('base64'),
        certificate: f.president.certDer.toString('base64'),
      }),
      (error: CodedError) => error.code === 'MALFORMED_INPUT',
    );
    const again = await prepare(fresh.token, f.president);
    const accepted = await post(
      `/api/v1/signing/${fresh.token}/signature`,
      padesBody(opensslPkcs1(again, f.president), f.president),
    );
    assert.equal(accepted.status, 200);
    const state = await env.processes.status(workflowId);
    assert.equal(readEmbeddedSignatures((await env.evidence.get(state.signedDocument!.sha256))!).length, 1);
  });
});
