import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { SMTPServer } from 'smtp-server';
import { createMailer, MAX_ATTACHMENT_BYTES, sendEmail } from '../../src/activities/email';
import { renderLetterPdf } from '../../src/activities/letter';
import { letterText, spanishDate } from '../../src/domain/letter';
import type { SendEmailInput } from '../../src/domain/activities';
import { DEFAULT_INSTITUTION } from '../../src/domain/process';
import { parseKeyring } from '../../src/codec/keyring';
import { openStores } from '../../src/storage';
import { HUIXQUILUCAN } from '../support/letters';

const SEED = readFileSync(
  join(__dirname, '..', '..', '..', 'shared', 'seed', 'manifestacion-huixquilucan-2022.txt'),
  'utf8',
);
const normalise = (text: string): string => text.replace(/[*]/g, '').replace(/\s+/g, ' ').trim();

describe('the letter of intent', function () {
  it('dates in Spanish as the seed does', function () {
    assert.equal(spanishDate('2022-07-08'), '08 de julio de 2022');
    assert.equal(spanishDate('2026-12-31'), '31 de diciembre de 2026');
  });

  it('has the seed letter’s wording for Huixquilucan: place and date, subject, addressees, body, recognitions A–H', function () {
    const text = letterText(HUIXQUILUCAN);
    const seed = normalise(SEED);
    assert.ok(seed.includes(normalise(text.placeAndDate)), text.placeAndDate);
    assert.ok(seed.includes(normalise(text.subject)), text.subject);
    assert.ok(seed.includes(normalise(text.addressees.join(' '))));
    for (const paragraph of [...text.body, text.recognitionsTitle])
      assert.ok(seed.includes(normalise(paragraph)), paragraph.slice(0, 80));
    assert.equal(text.recognitions.length, 8);
    for (const [i, item] of text.recognitions.entries()) {
      assert.ok(item.startsWith(`${'ABCDEFGH'[i]}. `));
      assert.ok(seed.includes(normalise(item)), item.slice(0, 80));
    }
  });

  it('renders a deterministic PDF whose text carries the letter and both signature blocks', async function () {
    const pdf = await renderLetterPdf(HUIXQUILUCAN);
    assert.deepEqual(
      await renderLetterPdf(HUIXQUILUCAN),
      pdf,
      'same input, same bytes (same SHA-256 on retry)',
    );
    const dir = mkdtempSync(join(tmpdir(), 'letter-'));
    writeFileSync(join(dir, 'carta.pdf'), pdf);
    const text = normalise(
      execFileSync('pdftotext', ['-enc', 'UTF-8', join(dir, 'carta.pdf'), '-'], { encoding: 'utf8' }),
    );
    for (const expected of [
      'Huixquilucan, Estado de México; 08 de julio de 2022',
      'ASUNTO: Manifestación expresa',
      'ANTE ESTA MANIFESTACIÓN SE RECONOCE:',
      'H. Que este Ayuntamiento coadyuvará con el Infoem',
      'ATENTAMENTE',
      'Romina Contreras Carrasco',
      'Presidenta Municipal',
      'José Martínez Vilchis',
      'Comisionado Presidente del Infoem',
      'Proceso adhesion-cga-15037, clave INEGI 15037. Página 2 de 2.',
    ]) {
      assert.ok(text.includes(expected), `PDF text has "${expected}"`);
    }
    const other = await renderLetterPdf({
      ...HUIXQUILUCAN,
      municipality: 'Acolman',
      inegiCode: '15002',
      place: 'Acolman, Estado de México',
    });
    assert.notDeepEqual(other, pdf);
  });
});

describe('email over SMTP, with failures classified', function () {
  this.timeout(30_000);
  let server: SMTPServer;
  let port = 0;
  let reply: { code: number; message: string } | null = null;

  before(async function () {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(_address, _session, callback) {
        if (reply) return callback(Object.assign(new Error(reply.message), { responseCode: reply.code }));
        callback();
      },
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => callback());
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server as unknown as { server: { address(): { port: number } } }).server.address().port;
  });

  // Every mailer keeps pooled connections open: closed first, or the server waits them out.
  const mailers: ReturnType<typeof createMailer>[] = [];
  const mailerTo = (url: string) => {
    const mailer = createMailer(url, 'manifiesta <no-responder@manifiesta.test>');
    mailers.push(mailer);
    return mailer;
  };

  after(async function () {
    for (const mailer of mailers) mailer.transport.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const message: SendEmailInput = {
    workflowId: 'adhesion-cga-15037',
    messageKey: 'reminder-x',
    kind: 'reminder',
    to: [{ name: 'Presidencia', email: 'presidencia@example.mx' }],
    municipality: 'Huixquilucan',
    inegiCode: '15037',
    stage: 'AwaitingMunicipalSignature',
    deadline: '2026-12-08T20:30:00Z',
    role: 'municipal',
    institution: DEFAULT_INSTITUTION,
  };

  it('a 5xx refusal is permanent: a non-retryable EMAIL_REJECTED failure, whose message names no address', async function () {
    // Relays quote the recipient; the failure is logged by the worker and kept in history.
    reply = { code: 550, message: 'mailbox unavailable: <presidencia@example.mx> (COCR800101AB1)' };
    const mailer = mailerTo(`smtp://127.0.0.1:${port}`);
    await assert.rejects(sendEmail(mailer, message, null), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure);
      assert.equal(error.type, 'EMAIL_REJECTED');
      assert.equal(error.nonRetryable, true);
      assert.match(error.message, /^SMTP refused reminder: EENVELOPE 550 \(RCPT\): /);
      assert.ok(!error.message.includes('@') && !error.message.includes('COCR800101AB1'), error.message);
      assert.equal(error.cause, undefined, 'nor does a cause');
      return true;
    });
  });

  it('a 4xx refusal or an unreachable relay is transient: a plain, retryable error', async function () {
    reply = { code: 451, message: 'try again later' };
    const mailer = mailerTo(`smtp://127.0.0.1:${port}`);
    await assert.rejects(
      sendEmail(mailer, message, null),
      (error: unknown) => !(error instanceof ApplicationFailure) && /SMTP unavailable/.test(String(error)),
    );
    const nowhere = mailerTo('smtp://127.0.0.1:1');
    await assert.rejects(
      sendEmail(nowhere, message, null),
      (error: unknown) => !(error instanceof ApplicationFailure),
    );
  });

  it('attachments go along within the size limit; above it they are left out and the message says so', async function () {
    reply = null;
    const mailer = mailerTo(`smtp://127.0.0.1:${port}`);
    const small = [
      {
        filename: 'constancia-de-firmas.pdf',
        content: Buffer.from('%PDF-1.4 constancia'),
        contentType: 'application/pdf',
      },
    ];
    const huge = [
      {
        filename: 'carta.pdf',
        content: Buffer.alloc(MAX_ATTACHMENT_BYTES + 1, 0x25),
        contentType: 'application/pdf',
      },
    ];
    const sent: string[] = [];
    mailer.transport.use('compile', (mail, callback) => {
      const data = mail.data as { attachments?: { filename: string }[]; text?: string };
      sent.push(`${(data.attachments ?? []).map((a) => a.filename).join(',')}|${data.text ?? ''}`);
      callback();
    });
    await sendEmail(
      mailer,
      {
        ...message,
        messageKey: 'small',
        attachments: [{ fileName: 'constancia-de-firmas.pdf', sha256: 'x', mediaType: 'application/pdf' }],
      },
      null,
      small,
    );
    await sendEmail(mailer, { ...message, messageKey: 'huge' }, null, huge);
    assert.match(sent[0]!, /^constancia-de-firmas\.pdf\|/);
    assert.match(sent[0]!, /Se anexan: constancia-de-firmas\.pdf/);
    assert.match(sent[1]!, /^\|/);
    assert.match(sent[1]!, /Los anexos exceden el tamaño que el correo admite/);
  });

  it('accepted mail has the Message-ID derived from process and message', async function () {
    reply = null;
    const mailer = mailerTo(`smtp://127.0.0.1:${port}`);
    const sent = await sendEmail(mailer, message, null);
    assert.equal(sent.messageId, '<adhesion-cga-15037.reminder-x@manifiesta.test>');
    assert.deepEqual(sent.accepted, ['presidencia@example.mx']);
  });

  it('a delivery retried after the relay accepted it is not sent again: the mail ledger answers', async function () {
    reply = null;
    let received = 0;
    const counting = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, callback) {
        received++;
        stream.resume();
        stream.on('end', () => callback());
      },
    });
    await new Promise<void>((resolve) => counting.listen(0, '127.0.0.1', resolve));
    const countingPort = (counting as unknown as { server: { address(): { port: number } } }).server.address()
      .port;
    const store = mkdtempSync(join(tmpdir(), 'libro-de-correo-'));
    const keyring = parseKeyring(JSON.stringify({ k: randomBytes(32).toString('base64') }));
    // Two workers sharing one store: the second is the retry after the first died past the 250.
    const [first, second] = [1, 2].map(() =>
      createMailer(
        `smtp://127.0.0.1:${countingPort}`,
        'manifiesta <no-responder@manifiesta.test>',
        openStores({ kind: 'folder', dir: store }, keyring).ledger,
      ),
    );
    try {
      const once = await sendEmail(first!, { ...message, run: 'run-1' }, null);
      const again = await sendEmail(second!, { ...message, run: 'run-1' }, null);
      assert.equal(received, 1, 'the relay got the message once');
      assert.deepEqual(again, once, 'the retry answers with what the relay accepted then');
      // Another run of the same workflow ID has Message-IDs of its own, and is sent.
      await sendEmail(second!, { ...message, run: 'run-2' }, null);
      assert.equal(received, 2);
    } finally {
      // Pooled connections closed first, or the server waits for them to time out.
      first!.transport.close();
      second!.transport.close();
      await new Promise<void>((resolve) => counting.close(() => resolve()));
    }
  });
});
