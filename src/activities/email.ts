/**
 * The process's email: Spanish text and HTML for each message of DESIGN §1, sent with nodemailer
 * over SMTP, with SMTP failures classified by whether a retry can help.
 */
import { ApplicationFailure } from '@temporalio/common';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { MAX_ATTACHMENT_BYTES } from '../domain/limits';
import { ROLE_TITLE, spanishDeadline } from '../domain/wording';
import type { SendEmailInput, SendEmailResult } from '../domain/activities';
import { ActivityFailure } from '../domain/failures';
import { STAGE_LABEL } from '../domain/process';
import { redactPersonalData } from '../domain/redact';
import { escapeHtml } from '../lib/html';
import type { MailLedger } from '../storage';

export interface RenderedEmail {
  readonly subject: string;
  text: string;
  readonly html: string;
}

/** The message for `input`; `url` is the signing link when the message carries one. */
/** The footer's privacy notice when the worker has none configured: the portal's page, relative. */
const DEFAULT_PRIVACY_NOTICE_LINK = 'la página «Aviso de privacidad» del portal de firma';

export function renderEmail(
  input: SendEmailInput,
  url: string | null,
  privacyNoticeUrl: string = DEFAULT_PRIVACY_NOTICE_LINK,
): RenderedEmail {
  const m = input.municipality;
  const short = input.institution.shortName;
  const deadline = input.deadline
    ? `${spanishDeadline(input.deadline)}${input.businessDays ? ', plazo contado en días hábiles' : ''}`
    : null;
  const role = input.role ? `la ${ROLE_TITLE[input.role]}` : null;
  let subject: string;
  const paragraphs: string[] = [];
  switch (input.kind) {
    case 'signature-request':
      subject =
        input.role === 'institute'
          ? `Contrafirma requerida: manifestación de ${m} (Gobierno Abierto)`
          : `Firma requerida: manifestación de intención de ${m} (Gobierno Abierto)`;
      paragraphs.push(
        input.role === 'institute'
          ? `El Ayuntamiento de ${m} ya firmó su manifestación expresa de la intención de participar en el ejercicio de Gobierno Abierto. Se solicita la contrafirma de ${role} con su firma electrónica avanzada (e.firma).`
          : `Se solicita la firma de ${role} de ${m} en la manifestación expresa de la intención de participar en el ejercicio de Gobierno Abierto en el ámbito municipal, con su firma electrónica avanzada (e.firma).`,
        'En la página del enlace podrá leer la carta completa, verificar su huella SHA-256 y firmar con sus archivos .cer y .key (la llave privada y la contraseña nunca salen de su navegador), o subir una firma .p7s hecha con otra herramienta. También puede declinar indicando el motivo.',
      );
      break;
    case 'deadline-extended':
      subject = `Plazo ampliado: manifestación de ${m} (Gobierno Abierto)`;
      paragraphs.push(
        `La coordinación amplió el plazo para la firma de ${role}. Los enlaces anteriores dejaron de funcionar; use el de este correo.`,
      );
      break;
    case 'reminder':
      subject = `Recordatorio: ${STAGE_LABEL[input.stage].toLowerCase()} — ${m}`;
      paragraphs.push(
        input.role
          ? `Le recordamos que la manifestación de intención de ${m} espera la firma de ${role}.`
          : `Le recordamos que ${m} debe instalar su Secretariado Técnico Municipal (gobierno municipal, sociedad civil y ${short}) y que la coordinación registre la instalación con su acta.`,
      );
      break;
    case 'escalation':
      subject = `Plazo vencido: ${m} (${input.inegiCode}) — ${STAGE_LABEL[input.stage]}`;
      paragraphs.push(
        `El plazo de la etapa «${STAGE_LABEL[input.stage]}» de ${m} venció sin respuesta. Si nada cambia, el proceso vencerá el ${deadline ?? 'próximamente'}.`,
        `Puede reenviar el enlace (manifiesta resend ${input.workflowId} --role …), ampliar el plazo (manifiesta extend ${input.workflowId} --business-days N --reason …) o sustituir a la persona firmante.`,
      );
      break;
    case 'signatures-complete':
      subject = `Manifestación firmada: ${m} (Gobierno Abierto)`;
      paragraphs.push(
        `La manifestación expresa de la intención de participar de ${m} quedó firmada por la Presidencia Municipal y contrafirmada por ${short}.`,
        `Sigue la instalación del Secretariado Técnico Municipal${deadline ? `, a más tardar el ${deadline}` : ''}.`,
      );
      break;
    case 'completion':
      subject = `Proceso concluido: ${m} instaló su Secretariado Técnico Municipal`;
      paragraphs.push(
        `Quedó registrada la instalación del Secretariado Técnico Municipal de ${m}. El proceso de adhesión concluyó. Gracias.`,
      );
      break;
    case 'expiry':
      subject = `Proceso vencido: ${m} (Gobierno Abierto)`;
      paragraphs.push(
        `El proceso de adhesión de ${m} venció porque la etapa «${STAGE_LABEL[input.stage === 'Expired' ? 'Expired' : input.stage]}» no se completó a tiempo. La coordinación puede iniciar uno nuevo.`,
      );
      break;
    case 'withdrawal':
      subject = `Proceso retirado: ${m} (Gobierno Abierto)`;
      paragraphs.push(
        `La coordinación retiró el proceso de adhesión de ${m}. Los enlaces de firma dejaron de funcionar.`,
        `Motivo: ${input.reason ?? '—'}`,
      );
      break;
    case 'declined':
      subject = `Manifestación declinada: ${m} (Gobierno Abierto)`;
      paragraphs.push(
        `${role ? `${role[0]!.toUpperCase()}${role.slice(1)}` : 'La persona firmante'} declinó firmar la manifestación de ${m}${input.signedBy ? `; la declinación está firmada con la e.firma de ${input.signedBy} y se conserva, con su verificación, en el expediente del proceso` : ''}.`,
        `Motivo: ${input.reason ?? '—'}`,
      );
      break;
    case 'revocation-unavailable':
      subject = `Firma no registrada: ${m} — revocación no verificable`;
      paragraphs.push(
        `${role ? `${role[0]!.toUpperCase()}${role.slice(1)}` : 'La persona firmante'} de ${m} envió una firma que no pudo registrarse: no hay una lista de revocación (CRL) vigente del emisor de su certificado para comprobar que no esté revocado.`,
        'Revise que el worker obtenga las listas de revocación (CRLS o CRL_URLS) y que estén al día; la persona firmante puede intentar de nuevo cuando lo estén. No se registró nada de su firma.',
      );
      break;
    case 'timestamp-unavailable':
      subject = `Firma sin sello de tiempo: ${m}`;
      paragraphs.push(
        `La firma de ${role ?? 'la persona firmante'} de ${m} está registrada y es válida, pero ninguna autoridad de sellado de tiempo (TSA_URL) respondió a tiempo, así que la firma no lleva sello de tiempo: su hora es la del servidor.`,
        'El proceso siguió sin él. Revise que el worker alcance a las autoridades de sellado de tiempo; el sello de archivo de la carta completa la cubrirá cuando respondan.',
      );
      break;
  }
  if (url && input.link) {
    paragraphs.push(
      `Enlace para firmar (personal, no lo reenvíe; vence el ${spanishDeadline(input.link.expiresAt)}):`,
    );
  }
  if (deadline && input.kind !== 'escalation') paragraphs.push(`Fecha límite: ${deadline}.`);
  if (input.documentSha256) paragraphs.push(`Huella SHA-256 de la carta: ${input.documentSha256}`);
  if (input.attachments?.length) {
    paragraphs.push(
      `Se anexan: ${input.attachments.map((a) => a.fileName).join(', ')}. La constancia dice cómo comprobar cada firma por su cuenta.`,
    );
  }

  // Every message names the privacy notice: mails carry the signers' personal data too.
  const footer = `Proceso ${input.workflowId} · clave INEGI ${input.inegiCode}. Mensaje automático de manifiesta; no responda a este correo. Aviso de privacidad: ${privacyNoticeUrl}`;
  const text = [...paragraphs, ...(url ? [url] : []), '', footer].join('\n\n');
  const html = [
    '<!doctype html><html lang="es-MX"><body style="font-family: Arial, sans-serif; color: #1a1a1a; line-height: 1.5; max-width: 40em">',
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    url
      ? `<p><a href="${escapeHtml(url)}" style="display: inline-block; background: #0b5394; color: #ffffff; padding: 0.7em 1.2em; text-decoration: none; border-radius: 4px">Abrir la página de firma</a></p><p style="font-size: 0.85em; word-break: break-all">${escapeHtml(url)}</p>`
      : '',
    `<p style="font-size: 0.8em; color: #555555">${escapeHtml(footer)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

/**
 * What an SMTP failure says, without personal data: nodemailer's error code, the relay's reply code
 * and command, and its text with every address taken out.
 */
export function smtpFailureText(error: unknown): string {
  const e = error as { code?: string; responseCode?: number; command?: string; message?: string };
  const parts = [
    e?.code,
    e?.responseCode === undefined ? undefined : String(e.responseCode),
    e?.command ? `(${e.command.split(/\s/)[0]})` : undefined,
  ].filter(Boolean);
  const text = redactPersonalData(String(e?.message ?? error)).slice(0, 300);
  return `${parts.join(' ')}${parts.length > 0 ? ': ' : ''}${text}`;
}

/** SMTP errors that retrying cannot fix: a 5xx reply, failed authentication, a refused envelope. */
export function isPermanentSmtpError(error: unknown): boolean {
  const e = error as { responseCode?: number; code?: string };
  if (typeof e?.responseCode === 'number') return e.responseCode >= 500;
  return e?.code === 'EAUTH' || e?.code === 'EENVELOPE' || e?.code === 'EMESSAGE';
}

export interface Mailer {
  readonly from: string;
  readonly transport: Transporter;
  /** Where every message's footer points for the privacy notice (PRIVACY_NOTICE_URL or the portal's page). */
  readonly privacyNoticeUrl?: string;
  /** What the relay accepted, by Message-ID: consulted before sending, written after its 250. */
  readonly ledger?: MailLedger;
}

export function createMailer(
  smtpUrl: string,
  from: string,
  ledger?: MailLedger,
  privacyNoticeUrl?: string,
): Mailer {
  // Bounded waits, well inside the activity's 30 s: a relay that hangs fails the attempt, which is
  // retried, rather than holding the process's workflow task (mail is a local activity).
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    // A few connections kept open and reused: a message costs its own commands, not a new TCP
    // (and TLS) session and greeting each time.
    pool: true,
    maxConnections: 4,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    from,
    transport,
    ...(ledger ? { ledger } : {}),
    ...(privacyNoticeUrl ? { privacyNoticeUrl } : {}),
  };
}

/**
 * Sends one message. Its Message-ID derives from the process and the message key, so a retry that
 * reaches the relay twice is recognisable as the same message.
 */
/** Attachments above this total are left out (the message says so); relays commonly refuse ~25 MB. */
export { MAX_ATTACHMENT_BYTES };

export async function sendEmail(
  mailer: Mailer,
  input: SendEmailInput,
  url: string | null,
  attachments: readonly { filename: string; content: Buffer; contentType: string }[] = [],
): Promise<SendEmailResult> {
  const rendered = renderEmail(input, url, mailer.privacyNoticeUrl);
  const total = attachments.reduce((n, a) => n + a.content.length, 0);
  const attached = total <= MAX_ATTACHMENT_BYTES ? attachments : [];
  if (attached.length < attachments.length) {
    rendered.text +=
      '\n\nLos anexos exceden el tamaño que el correo admite; pida el expediente a la coordinación (manifiesta evidence).';
  }
  const messageId = messageIdFor(
    mailer,
    input.run
      ? `${input.workflowId}.${input.run}.${input.messageKey}`
      : `${input.workflowId}.${input.messageKey}`,
  );
  const accepted = await deliver(
    mailer,
    {
      to: input.to.map((r) => ({ name: r.name, address: r.email })),
      cc: input.cc?.map((r) => ({ name: r.name, address: r.email })),
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      messageId,
      headers: { 'X-Manifiesta-Process': input.workflowId, 'X-Manifiesta-Message': input.messageKey },
      attachments: attached.map((a) => ({
        filename: a.filename,
        content: a.content,
        contentType: a.contentType,
      })),
    },
    input.kind,
  );
  return { messageId, accepted };
}

/** `<local@domain>`, the domain taken from MAIL_FROM, so a resent message keeps its Message-ID. */
export function messageIdFor(mailer: Mailer, local: string): string {
  const domain = /@([^>\s]+)/.exec(mailer.from)?.[1] ?? 'manifiesta.local';
  return `<${local}@${domain}>`;
}

/**
 * Hands one message to the relay; every email of the project goes through here. A permanent refusal
 * is a non-retryable EMAIL_REJECTED failure; anything else is a plain error, retried with backoff.
 * Returns the accepted addresses.
 */
export async function deliver(
  mailer: Mailer,
  message: Omit<SendMailOptions, 'from'> & { messageId: string },
  what: string,
): Promise<string[]> {
  // A retry of a delivery the relay already accepted (the worker died, or Temporal lost the
  // activity's completion, after the 250): answer as then, send nothing.
  const earlier = await mailer.ledger?.delivered(message.messageId);
  if (earlier) return [...earlier.accepted];
  let accepted: string[];
  try {
    const info = (await mailer.transport.sendMail({ ...message, from: mailer.from })) as {
      accepted: (string | { address: string })[];
    };
    accepted = info.accepted.map((a) => (typeof a === 'string' ? a : a.address));
  } catch (error) {
    // Failures are logged by the worker and kept in history: the relay's words, which quote
    // recipients, are reduced to its codes and stripped of addresses.
    const detail = smtpFailureText(error);
    if (isPermanentSmtpError(error)) {
      throw ApplicationFailure.create({
        type: ActivityFailure.EmailRejected,
        message: `SMTP refused ${what}: ${detail}`,
        nonRetryable: true,
      });
    }
    // Transient: retried with backoff. No `cause`: the relay's own error quotes recipients, and
    // the worker logs failures with their causes.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`SMTP unavailable for ${what}: ${detail}`);
  }
  await mailer.ledger?.record({ messageId: message.messageId, accepted, at: new Date().toISOString() });
  return accepted;
}
