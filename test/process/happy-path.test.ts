import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SearchAttributes } from '../../src/domain/search-attributes';
import { recordInstallationUpdate, submitSignatureUpdate } from '../../src/domain/messages';
import { processEnv, type ProcessEnv } from '../support/process-env';
import {
  documentOf,
  replayAndRecord,
  signingLink,
  storedFile,
  testInput,
  waitForState,
} from '../support/process-helpers';
import { signingFixtures } from '../support/fixtures';
import { opensslCms, opensslPkcs1 } from '../support/sign';

describe('the adhesion process, end to end on a real Temporal server and SMTP', function () {
  this.timeout(180_000);
  let env: ProcessEnv;

  before(async function () {
    env = await processEnv();
  });

  it('goes from start to Completed: CMS signature, PKCS#1 countersignature, installation @history', async function () {
    const f = signingFixtures();
    const input = testInput();
    const { workflowId } = await env.processes.start(input);
    assert.equal(workflowId, `adhesion-${input.campaign}-${input.inegiCode}`);

    // The president receives the signing request with a link, and the letter is stored.
    const request = await signingLink(env, input.president.email);
    assert.equal(request.claims.workflowId, workflowId);
    assert.equal(request.claims.role, 'municipal');
    assert.match(
      request.message.mail.subject ?? '',
      /Firma requerida: manifestación de intención de Municipio de Prueba/,
    );
    assert.match(
      request.message.mail.messageId ?? '',
      new RegExp(`^<${workflowId}\\.[0-9a-f-]{36}\\.signature-request-municipal-v1@`),
    );
    let state = await waitForState(
      env,
      workflowId,
      (s) => s.stage === 'AwaitingMunicipalSignature' && s.links.municipal !== undefined,
    );
    const letter = await documentOf(env, state);
    assert.equal(letter.subarray(0, 5).toString(), '%PDF-');
    assert.equal(createHash('sha256').update(letter).digest('hex'), state.document!.sha256);
    assert.ok(
      request.message.mail.text?.includes(state.document!.sha256),
      'the email shows the letter’s SHA-256',
    );

    // The president signs with openssl cms.
    const cms = opensslCms(letter, f.president, { carry: [f.intermediate] });
    const signed = await env.processes.update(workflowId, submitSignatureUpdate, {
      role: 'municipal',
      linkVersion: request.claims.version,
      run: request.claims.run,
      signature: cms.toString('base64'),
    });
    assert.equal(signed.status, 'accepted');
    assert.equal(signed.stage, 'AwaitingInstituteCountersignature');
    assert.equal(signed.report.signer?.rfc, 'COCR800101AB1');

    // The commissioner countersigns with a raw PKCS#1 signature and the certificate.
    const counter = await signingLink(env, input.commissioner.email);
    assert.equal(counter.claims.role, 'institute');
    assert.match(counter.message.mail.subject ?? '', /Contrafirma requerida/);
    const pkcs1 = opensslPkcs1(letter, f.commissioner);
    const countersigned = await env.processes.update(workflowId, submitSignatureUpdate, {
      role: 'institute',
      linkVersion: counter.claims.version,
      run: counter.claims.run,
      format: 'pkcs1-sha256',
      signature: pkcs1.toString('base64'),
      certificate: f.commissioner.certDer.toString('base64'),
    });
    assert.equal(countersigned.stage, 'AwaitingSecretariatInstallation');
    const signedMail = await env.outbox.waitFor(
      (m) =>
        m.envelopeTo.includes(input.president.email) && /Manifestación firmada/.test(m.mail.subject ?? ''),
    );
    // The confirmation carries the constancia and the signed letter, exactly as stored.
    const attached = signedMail.mail.attachments.map((a) => a.filename).sort();
    assert.deepEqual(attached, ['constancia-de-firmas.pdf', `manifestacion-${input.inegiCode}.pdf`]);
    const sentLetter = signedMail.mail.attachments.find(
      (a) => a.filename === `manifestacion-${input.inegiCode}.pdf`,
    )!;
    assert.equal(
      createHash('sha256').update(sentLetter.content).digest('hex'),
      (await env.processes.status(workflowId)).document!.sha256,
    );

    // The coordinator records the installation with its minutes.
    const minutes = Buffer.from('%PDF-1.4\nActa de instalación del Secretariado Técnico Municipal\n');
    const completed = await env.processes.update(workflowId, recordInstallationUpdate, {
      date: '2026-11-20',
      members: [
        { name: 'Romina Contreras', sector: 'gobierno', position: 'Presidenta Municipal' },
        { name: 'Ana Sociedad', sector: 'sociedad-civil', position: 'Integrante' },
        { name: 'José Martínez', sector: 'organo-garante', position: 'Comisionado' },
      ],
      minutes: await storedFile(env, minutes),
      actor: 'coordinacion@example.mx',
    });
    assert.equal(completed.stage, 'Completed');

    state = await waitForState(env, workflowId, (s) => s.stage === 'Completed');
    assert.equal(state.signatures.municipal?.report.valid, true);
    assert.equal(state.signatures.municipal?.format, 'cms');
    assert.equal(state.signatures.institute?.format, 'pkcs1-sha256');
    assert.equal(state.installation?.members.length, 3);
    assert.deepEqual(await env.evidence.get(state.installation!.minutes.sha256), minutes);
    assert.deepEqual(await env.evidence.get(state.signatures.municipal!.signatureSha256), cms);
    const types = state.audit.map((e) => e.type);
    for (const type of [
      'started',
      'letter-rendered',
      'link-issued',
      'signature-accepted',
      'installation-recorded',
      'email-sent',
    ]) {
      assert.ok(types.includes(type), `audit has ${type}: ${types.join(', ')}`);
    }
    const completionMail = await env.outbox.waitFor(
      (m) =>
        m.envelopeTo.includes(input.commissioner.email) && /Proceso concluido/.test(m.mail.subject ?? ''),
    );
    assert.ok(completionMail.mail.attachments.some((a) => a.filename === 'constancia-de-firmas.pdf'));
    const dossiers = (await env.processes.status(workflowId)).dossiers ?? [];
    assert.deepEqual(
      dossiers.map((d) => d.label),
      ['signed', 'completed'],
    );
    assert.ok(await env.evidence.get(dossiers[1]!.manifestSha256), 'the manifest is kept in EVIDENCE_DIR');

    // The workflow completes with the final state once its last email is out.
    const final = (await env.client.workflow.getHandle(workflowId).result()) as { stage: string };
    assert.equal(final.stage, 'Completed');

    // The Web UI's search attributes, summary and details.
    const description = await env.client.workflow.getHandle(workflowId).describe();
    assert.equal(description.typedSearchAttributes.get(SearchAttributes.stage), 'Completed');
    assert.equal(description.typedSearchAttributes.get(SearchAttributes.inegiCode), input.inegiCode);
    assert.equal(description.typedSearchAttributes.get(SearchAttributes.campaign), input.campaign);
    assert.match(
      (await description.staticSummary()) ?? '',
      /Adhesión de Municipio de Prueba .* a Gobierno Abierto/,
    );
    assert.equal(description.status.name, 'COMPLETED');
    await replayAndRecord(env, workflowId, 'completed');
  });
});
