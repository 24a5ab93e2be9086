/**
 * Signers in a real browser (Debian's chromium driven by playwright-core): the link from the
 * captured email, signing inside the letter's PDF with .cer + .key + password (PAdES, also with
 * SAT's own test e.firma files), a .p7s upload, declining, and every refusal said plainly with the
 * process left unchanged. Screenshots go to a temporary folder
 * (to docs/screenshots/ with MANIFIESTA_UPDATE_SCREENSHOTS=1).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deadlineText } from '../../src/portal/pages';
import { privacyNotice } from '../../src/config/privacy-notice';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshotsDir } from '../support/browser';
import { resendLinkUpdate } from '../../src/domain/messages';
import { signingFixtures } from '../support/fixtures';
import { KEY_PASSWORD, type Party } from '../support/pki';
import { processEnv, type ProcessEnv } from '../support/process-env';
import { historyLength, signingLink, testInput, waitForState } from '../support/process-helpers';
import { startPortal, type TestPortal } from '../support/portal';
import { flipByte, opensslCms } from '../support/sign';
import { pdfsigVerdicts, pyhankoValidate } from '../support/pdf-validators';

const SCREENSHOTS = screenshotsDir();
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

describe('signers in a real browser', function () {
  this.timeout(240_000);
  let env: ProcessEnv;
  let portal: TestPortal;
  let browser: Browser;
  const f = signingFixtures();
  const files = mkdtempSync(join(tmpdir(), 'manifiesta-efirma-'));

  before(async function () {
    env = await processEnv();
    portal = await startPortal(env);
    browser = await launchChromium();
  });

  after(async function () {
    await browser?.close();
    await portal?.close();
  });

  /** The e.firma files a signer has on hand: .cer (DER), .key (encrypted PKCS #8) and the password. */
  function efirma(party: Party): { cer: string; key: string } {
    return { cer: join(f.pki.dir, `${party.label}.cer`), key: party.encryptedKeyPath };
  }

  async function openFromEmail(email: string, minVersion = 1, viewport = DESKTOP) {
    const link = await signingLink(env, email, minVersion);
    // The email's link, on this run's portal.
    const url = `${portal.url}/firmar/${link.token}`;
    const page = await browser.newPage({ viewport });
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(url);
    return { page, url, link, errors };
  }

  async function startProcess() {
    const input = testInput();
    const { workflowId } = await env.processes.start(input);
    await waitForState(env, workflowId, (s) => s.audit.some((e) => e.type === 'email-sent'));
    return { input, workflowId };
  }

  async function fillEfirma(page: Page, party: Party, password = KEY_PASSWORD): Promise<void> {
    const { cer, key } = efirma(party);
    await page.setInputFiles('#cer', cer);
    await page.setInputFiles('#key', key);
    await page.fill('#password', password);
    await page.click('#revisar');
  }

  it('the president signs in the page with .cer, .key and password; the confirmation shows what was verified', async function () {
    const { input, workflowId } = await startProcess();
    const { page, errors } = await openFromEmail(input.president.email);
    await page.getByRole('heading', { level: 1 }).waitFor();
    assert.match(await page.locator('h1').innerText(), new RegExp(input.municipality));
    const state = await env.processes.status(workflowId);
    assert.ok((await page.locator('.digest').innerText()).includes(state.document!.sha256));
    // The short privacy notice, before anything is read from the certificate, with the full one a
    // link away; the invitation's footer names it too.
    const notice = privacyNotice({});
    const noticeBox = (await page.locator('#aviso-privacidad').boundingBox())!;
    const efirmaBox = (await page.locator('#seccion-efirma').boundingBox())!;
    assert.ok(noticeBox.y + noticeBox.height <= efirmaBox.y, 'the notice comes before the e.firma form');
    assert.match(
      await page.locator('#aviso-privacidad').innerText(),
      /es responsable de los datos personales/,
    );
    const full = await page.request.get(
      `${portal.url}${await page.locator('#aviso-privacidad a').getAttribute('href')}`,
    );
    assert.equal(full.status(), 200);
    assert.match(await full.text(), new RegExp(`Aviso de privacidad integral[\\s\\S]*${notice.sha256}`));
    const invitation = await env.outbox.waitFor((m) => m.envelopeTo.includes(input.president.email), 30_000);
    assert.match(
      invitation.mail.text ?? '',
      /Aviso de privacidad: http:\/\/127\.0\.0\.1:9\/portal\/aviso-de-privacidad/,
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'firma-escritorio.png'), fullPage: false });

    await fillEfirma(page, f.president);
    await page.locator('#certificado').getByText('COCR800101AB1').waitFor();
    assert.match(await page.locator('#avisos').innerText(), /Certificado y contraseña correctos/);
    await page.click('#firmar');
    await page.getByRole('heading', { name: 'Firma recibida y verificada' }).waitFor();
    const confirmation = await page.locator('#confirmacion').innerText();
    assert.match(confirmation, /ROMINA CONTRERAS CARRASCO/);
    assert.match(confirmation, /RSA-SHA256/);
    assert.match(confirmation, /En espera de la contrafirma del Instituto/);
    assert.match(confirmation, /0 fallidas/);
    assert.match(confirmation, /dentro del PDF de la carta \(PAdES\)/);
    // One state on the page: the card above says the stage the confirmation says, with its deadline,
    // and each digest is named for what it covers.
    assert.equal(await page.locator('#etapa').innerText(), 'En espera de la contrafirma del Instituto');
    const next = await env.processes.status(workflowId);
    assert.ok(
      next.deadline && next.deadline !== state.deadline,
      'the countersignature has a deadline of its own',
    );
    assert.equal(await page.locator('#fecha-limite').innerText(), deadlineText(next));
    const card = await page.locator('section.card').first().innerText();
    assert.match(card, new RegExp(`Huella SHA-256 de la carta enviada\\s+${state.document!.sha256}`));
    assert.match(confirmation, /Huella SHA-256 de lo firmado \(el PDF con las firmas hasta la suya\)/);
    assert.doesNotMatch(confirmation, /Huella SHA-256 de la carta\b(?! enviada)/);
    await page.screenshot({ path: join(SCREENSHOTS, 'confirmacion-escritorio.png') });
    assert.deepEqual(errors, []);

    const after = await env.processes.status(workflowId);
    assert.equal(after.stage, 'AwaitingInstituteCountersignature');
    assert.equal(after.signatures.municipal?.format, 'pades');
    assert.deepEqual(after.signatures.municipal?.privacyNotice, {
      version: notice.version,
      sha256: notice.sha256,
    });
    assert.deepEqual(await env.evidence.get(notice.sha256), notice.bytes, 'the notice shown is kept');
    const signed = (await env.evidence.get(after.signedDocument!.sha256))!;
    assert.deepEqual(
      pdfsigVerdicts(signed, [f.root]).map((v) => v.signatureValid),
      ['Signature is Valid.'],
    );
    await page.close();
  });

  describe('with SAT’s own test e.firma files', function () {
    const sat = join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'sat', 'FIEL_AAA010101AAA');
    const satFiles = {
      cerPath: join(sat, 'certificate.cer'),
      keyPath: join(sat, 'private_key.key'),
      password: readFileSync(join(sat, 'password.txt'), 'utf8').trim(),
    };
    // The persona moral's legal representative signs for it (RFC AAA010101AAA / HEGT7610034S2).
    const representative = { name: 'ACCEM SERVICIOS EMPRESARIALES SC', rfc: 'HEGT7610034S2' };

    async function satProcess() {
      const input = testInput();
      const started = { ...input, president: { ...input.president, ...representative } };
      const { workflowId } = await env.processes.start(started);
      await waitForState(env, workflowId, (s) => s.audit.some((e) => e.type === 'email-sent'));
      return { input: started, workflowId };
    }

    it('the page opens SAT’s .key, reads the representative’s RFC, and refuses the expired FIEL before sending anything', async function () {
      const { input, workflowId } = await satProcess();
      const { page } = await openFromEmail(input.president.email);
      const requests: string[] = [];
      page.on('request', (r) => r.method() === 'POST' && requests.push(r.url()));
      await page.setInputFiles('#cer', satFiles.cerPath);
      await page.setInputFiles('#key', satFiles.keyPath);
      await page.fill('#password', satFiles.password);
      await page.click('#revisar');
      await page.locator('#avisos', { hasText: 'Su certificado venció el 15 de mayo de 2021' }).waitFor();
      assert.equal(await page.locator('#firmar').isDisabled(), true);
      assert.deepEqual(requests, [], 'nothing was sent');
      assert.equal((await env.processes.status(workflowId)).stage, 'AwaitingMunicipalSignature');
      await page.close();
    });

    it('SAT’s .key signs inside the PDF (its certificate issued again by the test CA); poppler and pyHanko accept it', async function () {
      const recertified = f.pki.recertify('sat-fiel-aaa010101aaa', satFiles, representative, f.intermediate);
      const { input, workflowId } = await satProcess();
      const { page, errors } = await openFromEmail(input.president.email);
      await page.setInputFiles('#cer', join(f.pki.dir, `${recertified.label}.cer`));
      await page.setInputFiles('#key', satFiles.keyPath); // SAT's own file, as the signer has it
      await page.fill('#password', satFiles.password);
      await page.click('#revisar');
      await page.locator('#certificado').getByText('AAA010101AAA (representante HEGT7610034S2)').waitFor();
      await page.click('#firmar');
      await page.getByRole('heading', { name: 'Firma recibida y verificada' }).waitFor();
      assert.deepEqual(errors, []);

      const state = await env.processes.status(workflowId);
      assert.equal(state.signatures.municipal?.format, 'pades');
      assert.equal(state.signatures.municipal?.report.signer?.representativeRfc, 'HEGT7610034S2');
      const signed = (await env.evidence.get(state.signedDocument!.sha256))!;
      assert.deepEqual(pdfsigVerdicts(signed, [f.root]), [
        {
          field: 'FirmaMunicipal',
          signatureValid: 'Signature is Valid.',
          certificateValid: 'Certificate is Trusted.',
        },
      ]);
      // pyHanko needs the 2.5.4.45 fix (pyhanko-validate.py) for SAT's subject encoding.
      const pyhanko = pyhankoValidate(signed, f.root);
      assert.equal(pyhanko.status, 0, pyhanko.lines.join('\n'));
      assert.match(pyhanko.lines[0]!, /^FirmaMunicipal: INTACT:TRUSTED/);
      await page.close();
    });
  });

  it('the commissioner countersigns by uploading a .p7s, on a phone', async function () {
    const { input, workflowId } = await startProcess();
    const president = await openFromEmail(input.president.email);
    await fillEfirma(president.page, f.president);
    await president.page.locator('#firmar:not([disabled])').waitFor();
    await president.page.click('#firmar');
    await president.page.getByRole('heading', { name: 'Firma recibida y verificada' }).waitFor();
    await president.page.close();

    const { page } = await openFromEmail(input.commissioner.email, 1, PHONE);
    await page.screenshot({ path: join(SCREENSHOTS, 'firma-telefono.png'), fullPage: false });
    const state = await env.processes.status(workflowId);
    const letter = (await env.evidence.get(state.document!.sha256))!;
    const p7s = join(files, `contrafirma-${input.inegiCode}.p7s`);
    writeFileSync(p7s, opensslCms(letter, f.commissioner, { carry: [f.intermediate] }));
    await page.setInputFiles('#archivo-p7s', p7s);
    await page.click('#enviar-p7s');
    await page.getByRole('heading', { name: 'Firma recibida y verificada' }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'confirmacion-telefono.png') });
    assert.equal((await env.processes.status(workflowId)).stage, 'AwaitingSecretariatInstallation');
    await page.close();
  });

  it('a wrong password, someone else’s certificate and a CSD are said plainly before anything is sent', async function () {
    const { input, workflowId } = await startProcess();
    const { page } = await openFromEmail(input.president.email);
    const events = await historyLength(env, workflowId);
    const requests: string[] = [];
    page.on('request', (r) => r.method() === 'POST' && requests.push(r.url()));

    await fillEfirma(page, f.president, 'contraseña-equivocada');
    await page.locator('#avisos', { hasText: 'La contraseña no corresponde a la llave privada' }).waitFor();
    assert.equal(await page.locator('#firmar').isDisabled(), true);

    await fillEfirma(page, f.commissioner);
    await page.locator('#avisos', { hasText: 'Esta firma corresponde al RFC COCR800101AB1' }).waitFor();

    await fillEfirma(page, f.csdLike);
    await page.locator('#avisos', { hasText: 'sello digital (CSD)' }).waitFor();

    assert.deepEqual(requests, [], 'nothing was sent');
    assert.equal(await historyLength(env, workflowId), events, 'the process is unchanged');
    await page.close();
  });

  it('a tampered upload is refused with its message; a replayed submission and expired or superseded links show their pages', async function () {
    const { input, workflowId } = await startProcess();
    const { page, url, link } = await openFromEmail(input.president.email);
    const state = await env.processes.status(workflowId);
    const letter = (await env.evidence.get(state.document!.sha256))!;
    const tampered = join(files, `alterada-${input.inegiCode}.p7s`);
    writeFileSync(tampered, opensslCms(flipByte(letter, 300), f.president, { carry: [f.intermediate] }));
    const events = await historyLength(env, workflowId);
    await page.setInputFiles('#archivo-p7s', tampered);
    await page.click('#enviar-p7s');
    await page
      .locator('#avisos', { hasText: 'DOCUMENT_MISMATCH: La firma corresponde a otro documento' })
      .waitFor();
    assert.equal(await historyLength(env, workflowId), events);

    // Sign, then replay the same submission: the link is spent.
    const good = join(files, `buena-${input.inegiCode}.p7s`);
    writeFileSync(good, opensslCms(letter, f.president, { carry: [f.intermediate] }));
    await page.setInputFiles('#archivo-p7s', good);
    await page.click('#enviar-p7s');
    await page.getByRole('heading', { name: 'Firma recibida y verificada' }).waitFor();
    const replay = await page.evaluate(
      async ([api, signature]) =>
        (
          await fetch(api, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ format: 'cms', signature }),
          })
        ).json(),
      [`/api/v1/signing/${link.token}/signature`, readFileSync(good).toString('base64')] as const,
    );
    assert.equal((replay as { error: { code: string } }).error.code, 'ALREADY_SIGNED');
    await page.goto(url);
    assert.match(await page.locator('main').innerText(), /Este documento ya fue firmado/);

    const expired = env.links.token({ ...link.claims, expiresAt: new Date(Date.now() - 1000).toISOString() });
    await page.goto(`${portal.url}/firmar/${expired}`);
    assert.match(await page.locator('main').innerText(), /El enlace ha vencido/);

    const other = await startProcess();
    const first = await signingLink(env, other.input.president.email);
    await env.processes.update(other.workflowId, resendLinkUpdate, { role: 'municipal' });
    await page.goto(`${portal.url}/firmar/${first.token}`);
    assert.match(await page.locator('main').innerText(), /fue reemplazado por uno más reciente/);
    await page.close();
  });

  it('declining is signed with the e.firma: the signer reads the exact text, signs it, and the process ends', async function () {
    const { input, workflowId } = await startProcess();
    const { page, errors } = await openFromEmail(input.president.email);
    const reason = 'El Cabildo no aprobó la adhesión en su sesión del 30 de noviembre.';
    await page.fill('#motivo', reason);
    // Without the e.firma there is nothing to sign with.
    await page.click('#revisar-declinacion');
    assert.match(await page.locator('#avisos').innerText(), /la declinación se firma/);
    assert.ok(await page.locator('#enviar-declinar').isDisabled());

    await fillEfirma(page, f.president);
    await page.locator('#certificado').getByText('COCR800101AB1').waitFor();
    await page.click('#revisar-declinacion');
    await page.locator('#texto-declinacion').waitFor({ state: 'visible' });
    const text = await page.locator('#declinacion-texto').innerText();
    const state = await env.processes.status(workflowId);
    assert.match(text, new RegExp(reason));
    assert.ok(text.includes(state.document!.sha256), 'the letter’s SHA-256');
    assert.ok(text.includes(workflowId), 'the process');
    await page.click('#enviar-declinar');
    await page.getByRole('heading', { name: 'Declinación firmada y registrada' }).waitFor();
    assert.match(await page.locator('#confirmacion').innerText(), /ROMINA CONTRERAS CARRASCO/);
    assert.deepEqual(errors, []);
    const declined = await env.processes.status(workflowId);
    assert.equal(declined.stage, 'Declined');
    assert.equal(declined.declination?.report.signer?.rfc, 'COCR800101AB1');
    assert.equal(declined.declination?.reason, reason);
    // What was signed is kept: the text, byte for byte as shown.
    assert.equal(
      (await env.evidence.get(declined.declination!.documentSha256))!.toString('utf8').trim(),
      text.trim(),
    );
    await page.close();
  });

  it('the signing page passes an automated accessibility check (axe-core), on a phone and a desktop', async function () {
    const { input } = await startProcess();
    const link = await signingLink(env, input.president.email);
    const axe = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
    for (const viewport of [PHONE, DESKTOP]) {
      // axe is injected by the test, so the page's CSP is bypassed for this context only.
      const context = await browser.newContext({ viewport, bypassCSP: true });
      const page = await context.newPage();
      await page.goto(`${portal.url}/firmar/${link.token}`);
      await page.addScriptTag({ content: axe });
      const result = (await page.evaluate(async () => {
        const run = (
          globalThis as unknown as {
            axe: {
              run: (o: object) => Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }>;
            };
          }
        ).axe;
        return run.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
      })) as { violations: { id: string; impact: string; nodes: unknown[] }[] };
      assert.deepEqual(
        result.violations.map((v) => `${v.id} (${v.impact}, ${v.nodes.length})`),
        [],
      );
      // Keyboard: the skip link is the first stop and leads to the content.
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document
            .activeElement?.textContent,
      );
      assert.equal(focused, 'Saltar al contenido');
      await context.close();
    }
  });
});
