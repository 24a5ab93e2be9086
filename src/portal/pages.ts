/**
 * The signer's pages, in Spanish (es-MX). Server-rendered, no inline script or style (the CSP
 * forbids both), usable on a phone and with a keyboard; the page script only adds in-browser
 * signing on top.
 */
import { letterText } from '../domain/letter';
import { signerHeading, spanishDeadline } from '../domain/wording';
import { ERROR_CODES, type ErrorCode } from '../domain/errors';
import { DEFAULT_INSTITUTION, STAGE_LABEL, type ProcessState } from '../domain/process';
import { signsInPdf, type OpenLink } from './signing';
import { escapeHtml } from '../lib/html';
import { PRIVACY_NOTICE_PATH, privacyNotice, type PrivacyNotice } from '../config/privacy-notice';

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="es-MX">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/portal.css">
</head>
<body>
<a class="skip" href="#contenido">Saltar al contenido</a>
<header class="banner"><p class="brand">Gobierno Abierto · Firma de la manifestación de intención</p></header>
<main id="contenido" tabindex="-1">
${body}
</main>
<footer class="foot"><p>Sus archivos de e.firma (.cer y .key) y su contraseña se usan sólo en este navegador: nunca se envían.</p></footer>
</body>
</html>`;
}

/** The letter as the process rendered it, for reading in the page. */
export function letterOf(state: ProcessState): ReturnType<typeof letterText> {
  const input = state.input;
  // A transfer of the countersigning authority (version 10) may have drawn the letter again.
  const parties = state.letterParties;
  const institution = parties?.institution ?? { ...DEFAULT_INSTITUTION, ...input.institution };
  return letterText({
    workflowId: state.workflowId,
    municipality: input.municipality,
    inegiCode: input.inegiCode,
    president: input.president,
    commissioner: parties?.commissioner ?? input.commissioner,
    // The letter was rendered in the process's first step, when it was started.
    letterDate:
      parties?.letterDate ??
      input.letterDate ??
      (state.audit[0]?.at ?? new Date().toISOString()).slice(0, 10),
    place: input.place ?? `${input.municipality}, ${institution.state}`,
    institution,
  });
}

/**
 * The short privacy notice, shown before anything is read from the certificate, with the link to
 * the full one (PRIVACY_NOTICE_URL, or the portal's own page); its version and SHA-256 are what the
 * signature records.
 */
function noticeCard(notice: PrivacyNotice, fullUrl: string): string {
  return `<section class="card" aria-labelledby="aviso" id="aviso-privacidad">
  <h2 id="aviso">Aviso de privacidad</h2>
  ${notice.short.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n  ')}
  <p><a href="${escapeHtml(fullUrl)}">Lea el aviso de privacidad integral</a> (versión ${escapeHtml(notice.version)}).</p>
</section>`;
}

/** The full privacy notice, when the institution does not publish it elsewhere (PRIVACY_NOTICE_URL). */
export function privacyNoticePage(notice: PrivacyNotice): string {
  return layout(
    'Aviso de privacidad integral',
    `
<h1>Aviso de privacidad integral</h1>
<section class="card">
  ${notice.full.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n  ')}
  <p>Versión ${escapeHtml(notice.version)} · huella SHA-256 <code class="digest">${escapeHtml(notice.sha256)}</code></p>
</section>`,
  );
}

export function signingPage(
  link: OpenLink,
  token: string,
  notice: PrivacyNotice = privacyNotice({}),
  noticeUrl: string = PRIVACY_NOTICE_PATH,
): string {
  const { state, role } = link;
  const signer = state.signers[role];
  const letter = letterOf(state);
  const documentUrl = `/api/v1/signing/${token}/document`;
  const pades = signsInPdf(link);
  // The institute countersigns the letter as the municipality signed it (PAdES): show that PDF.
  const signedSoFar = state.signedDocument
    ? `<p><a href="/api/v1/signing/${token}/signed-document" download="carta-firmada.pdf">Descargar la carta con la firma de la presidencia municipal</a> (su firma se agregará a este PDF).</p>`
    : '';
  const deadline = deadlineText(state);
  return layout(
    `Firma de la manifestación — ${state.input.municipality}`,
    `
<h1>Manifestación expresa de la intención de participar — ${escapeHtml(state.input.municipality)}</h1>
<section class="card" aria-labelledby="quien">
  <h2 id="quien">Quién firma</h2>
  <dl class="facts">
    <dt>Firma como</dt><dd>${escapeHtml(signerHeading(role))}</dd>
    <dt>Persona firmante</dt><dd>${escapeHtml(signer.name)}</dd>
    <dt>RFC esperado</dt><dd>${escapeHtml(signer.rfc ?? 'no indicado')}</dd>
    <dt>Municipio</dt><dd>${escapeHtml(state.input.municipality)} (clave INEGI ${escapeHtml(state.input.inegiCode)})</dd>
    <dt>Etapa</dt><dd id="etapa">${escapeHtml(STAGE_LABEL[state.stage])}</dd>
    <dt>Fecha límite</dt><dd id="fecha-limite">${escapeHtml(deadline)}</dd>
    <dt>Huella SHA-256 de la carta enviada</dt><dd><code class="digest">${escapeHtml(state.document?.sha256 ?? '')}</code></dd>
  </dl>
</section>

<section class="card" aria-labelledby="carta">
  <h2 id="carta">La carta que va a firmar</h2>
  <p><a href="${documentUrl}" download="${escapeHtml(state.document?.fileName ?? 'carta.pdf')}">Descargar la carta en PDF</a>${pades ? ' (su firma quedará dentro de este PDF, visible en su recuadro de firma).' : ' (es exactamente lo que se firma).'}</p>
  ${signedSoFar}
  <article class="letter" aria-label="Texto de la carta" tabindex="0">
    <p class="right">${escapeHtml(letter.placeAndDate)}</p>
    <p class="subject"><strong>${escapeHtml(letter.subject)}</strong></p>
    <p><strong>${letter.addressees.map(escapeHtml).join('<br>')}</strong></p>
    ${letter.body.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n    ')}
    <p><strong>${escapeHtml(letter.recognitionsTitle)}</strong></p>
    <ul class="recognitions">${letter.recognitions.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>
    <p class="center"><strong>${escapeHtml(letter.closing)}</strong></p>
  </article>
</section>

<div id="avisos" class="notice" role="status" aria-live="polite"></div>

${noticeCard(notice, noticeUrl)}

<section class="card" aria-labelledby="efirma" id="seccion-efirma"
  data-token="${escapeHtml(token)}" data-expected-rfc="${escapeHtml(signer.rfc ?? '')}" data-expected-name="${escapeHtml(signer.name)}"
  data-identity="${signer.rfc || signer.curp ? 'rfc' : signer.acceptAnySigner ? 'any' : 'name'}"
  data-sha256="${escapeHtml(state.document?.sha256 ?? '')}" data-pades="${pades ? 'true' : 'false'}">
  <h2 id="efirma">Firmar con su e.firma en este navegador</h2>
  <form id="form-efirma" novalidate>
    <div class="field"><label for="cer">Certificado (.cer)</label><input id="cer" name="cer" type="file" accept=".cer,.crt,.pem" required></div>
    <div class="field"><label for="key">Llave privada (.key)</label><input id="key" name="key" type="file" accept=".key,.pem" required></div>
    <div class="field"><label for="password">Contraseña de la llave privada</label><input id="password" name="password" type="password" autocomplete="off" required></div>
    <button type="button" id="revisar">Revisar certificado</button>
    <div id="certificado" class="cert" hidden></div>
    <button type="submit" id="firmar" disabled>Firmar la carta</button>
  </form>
</section>

<section class="card" aria-labelledby="p7s">
  <h2 id="p7s">O subir una firma .p7s hecha con otra herramienta</h2>
  <form id="form-p7s" novalidate>
    <div class="field"><label for="archivo-p7s">Firma desprendida (.p7s) de la carta en PDF</label><input id="archivo-p7s" name="p7s" type="file" accept=".p7s,.p7m,.pem" required></div>
    <button type="submit" id="enviar-p7s">Enviar la firma</button>
  </form>
</section>

<section class="card" aria-labelledby="declinar">
  <h2 id="declinar">Declinar</h2>
  <p>Declinar es un acto del gobierno municipal y termina el proceso: se firma con su e.firma, como la carta. Cargue arriba su certificado (.cer), su llave privada (.key) y su contraseña y pulse «Revisar certificado»; luego escriba el motivo.</p>
  <form id="form-declinar" novalidate>
    <div class="field"><label for="motivo">Motivo por el que declina</label><textarea id="motivo" name="motivo" rows="3" maxlength="2000" required></textarea></div>
    <button type="button" id="revisar-declinacion" class="secondary">Revisar el texto de la declinación</button>
    <div id="texto-declinacion" class="cert" hidden>
      <p>Va a firmar con su e.firma exactamente este texto:</p>
      <pre id="declinacion-texto" tabindex="0"></pre>
    </div>
    <button type="submit" id="enviar-declinar" class="secondary" disabled>Firmar y declinar</button>
  </form>
</section>

<section id="confirmacion" class="card done" hidden tabindex="-1" aria-labelledby="confirmacion-titulo"></section>
<script src="/assets/forge.min.js"></script>
<script src="/assets/sat-rules.js"></script>
<script src="/assets/signing.js"></script>`,
  );
}

export function errorPage(code: ErrorCode): string {
  const next: Partial<Record<ErrorCode, string>> = {
    LINK_INVALID:
      'Si copió el enlace a mano, revise que esté completo. Si el problema continúa, pida un enlace nuevo a la coordinación.',
    LINK_EXPIRED: 'Pida a la coordinación del Secretariado Técnico Local que le envíe un enlace nuevo.',
    LINK_SUPERSEDED: 'Busque en su correo el mensaje más reciente sobre esta firma y use su enlace.',
    ALREADY_SIGNED: 'No necesita hacer nada más. Recibirá un correo cuando el proceso avance.',
    WRONG_STAGE:
      'El proceso ya no espera esta firma (pudo concluir, retirarse o vencer). Consulte a la coordinación.',
  };
  return layout(
    'No se puede usar este enlace',
    `<h1>No se puede usar este enlace</h1>
<section class="card error" role="alert">
  <p><strong>${escapeHtml(ERROR_CODES[code].message)}</strong></p>
  <p>${escapeHtml(next[code] ?? 'Intente de nuevo más tarde o comuníquese con la coordinación.')}</p>
  <p class="code">Código: ${escapeHtml(code)}</p>
</section>`,
  );
}

/** The current stage's deadline as the page says it, or a dash once there is none. */
export function deadlineText(state: ProcessState): string {
  return state.deadline
    ? `${spanishDeadline(state.deadline)}${state.plan?.businessDays ? ', plazo contado en días hábiles' : ''}`
    : '—';
}
