/**
 * The outbox people read in `npm start`: every message the local SMTP server received, newest
 * first, with its links clickable, so a newcomer can open a signing link as a signer would.
 */
import { createServer, type Server } from 'node:http';
import type { Outbox, OutboxMessage } from './outbox';
import { escapeHtml } from '../lib/html';

const linkify = (text: string): string =>
  escapeHtml(text).replace(/https?:\/\/[^\s<]+/g, (url) => `<a href="${url}">${url}</a>`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="es-MX"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title></head><body style="font-family: system-ui, sans-serif; max-width: 52rem; margin: 1rem auto; padding: 0 1rem; line-height: 1.5; color: #1a1a1a">
${body}</body></html>`;
}

function list(messages: readonly OutboxMessage[]): string {
  const rows = [...messages]
    .reverse()
    .map(
      (m) =>
        `<tr><td>${escapeHtml(m.receivedAt.slice(0, 19).replace('T', ' '))}</td><td>${escapeHtml(m.envelopeTo.join(', '))}</td><td><a href="/mensajes/${m.id}">${escapeHtml(m.mail.subject ?? '(sin asunto)')}</a></td></tr>`,
    )
    .join('');
  return page(
    'Bandeja de salida — manifiesta',
    `<h1>Bandeja de salida (correo de desarrollo)</h1><p>${messages.length} mensaje(s). Recargue para ver los nuevos.</p>
<table style="border-collapse: collapse; width: 100%"><thead><tr><th style="text-align:left">Recibido (UTC)</th><th style="text-align:left">Para</th><th style="text-align:left">Asunto</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

function detail(message: OutboxMessage): string {
  return page(
    message.mail.subject ?? 'Mensaje',
    `<p><a href="/">← Bandeja de salida</a></p><h1>${escapeHtml(message.mail.subject ?? '(sin asunto)')}</h1>
<p><strong>Para:</strong> ${escapeHtml(message.envelopeTo.join(', '))}<br><strong>Message-ID:</strong> ${escapeHtml(message.mail.messageId ?? '')}</p>
<pre style="white-space: pre-wrap; background: #f3f5f8; padding: 1rem; border-radius: 4px">${linkify(message.mail.text ?? '')}</pre>`,
  );
}

export function startOutboxPage(outbox: Outbox, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    const match = /^\/mensajes\/(\d+)$/.exec(request.url ?? '');
    const message = match ? outbox.messages.find((m) => m.id === Number(match[1])) : undefined;
    const html = match
      ? message
        ? detail(message)
        : null
      : request.url === '/'
        ? list(outbox.messages)
        : null;
    response.writeHead(html ? 200 : 404, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
      'Referrer-Policy': 'no-referrer',
    });
    response.end(html ?? page('No encontrado', '<p>No encontrado. <a href="/">Bandeja de salida</a></p>'));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
