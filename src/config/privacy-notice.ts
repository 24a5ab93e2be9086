/**
 * The privacy notice (aviso de privacidad) shown wherever personal data are collected: the short
 * one on the signing page before anything is read from the certificate, named in every mail's
 * footer, and its version and SHA-256 recorded with each signature. Mexican public-sector
 * data-protection law (the general law, LGPDPPSO, and the State of Mexico's) requires it.
 *
 * It is configuration, one file per institution (`PRIVACY_NOTICE_FILE`, UTF-8 text): a first line
 * `Versión: …`, the short notice, then, after a line `---`, the full notice (which the portal serves
 * at /aviso-de-privacidad unless `PRIVACY_NOTICE_URL` names where the institution publishes it).
 * Without the file the Spanish default below is used: a legal team replaces it with the
 * institution's own text.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, redactUrl } from './parsers';
import { DEFAULT_PRIVACY_NOTICE } from './privacy-notice-default';

export interface PrivacyNotice {
  /** The version its file states. */
  readonly version: string;
  /** SHA-256 (hex) of the file as served: what a signature records it was shown. */
  readonly sha256: string;
  /** The short notice, paragraph by paragraph. */
  readonly short: readonly string[];
  /** The full notice, paragraph by paragraph. */
  readonly full: readonly string[];
  /** Where the full notice is: `PRIVACY_NOTICE_URL`, or null for the portal's own page. */
  readonly url: string | null;
  /** The file's bytes (kept with the evidence, so a dossier can show the notice a signer saw). */
  readonly bytes: Buffer;
}

/** The portal's page of the full notice, when the institution does not publish one elsewhere. */
export const PRIVACY_NOTICE_PATH = '/aviso-de-privacidad';

export function privacyNotice(env: NodeJS.ProcessEnv = process.env): PrivacyNotice {
  const file = env.PRIVACY_NOTICE_FILE?.trim();
  let bytes: Buffer;
  if (file) {
    try {
      bytes = readFileSync(file);
    } catch (error) {
      throw new ConfigError(`PRIVACY_NOTICE_FILE (${file}) no se puede leer: ${(error as Error).message}`);
    }
  } else {
    bytes = Buffer.from(DEFAULT_PRIVACY_NOTICE, 'utf8');
  }
  const text = bytes.toString('utf8').replace(/\r\n/g, '\n');
  const [first, ...rest] = text.split('\n');
  const version = /^Versión:\s*(\S.{0,79})$/i.exec(first?.trim() ?? '')?.[1]?.trim();
  if (!version)
    throw new ConfigError(
      `PRIVACY_NOTICE_FILE (${file}) debe empezar con una línea «Versión: …» y seguir con el aviso corto y, tras una línea «---», el integral`,
    );
  const paragraphs = (block: string): string[] =>
    block
      .split(/\n\s*\n/)
      .map((p) => p.replace(/\s*\n\s*/g, ' ').trim())
      .filter(Boolean);
  const body = rest.join('\n');
  const cut = body.search(/^---\s*$/m);
  const short = paragraphs(cut < 0 ? body : body.slice(0, cut));
  const full = cut < 0 ? short : paragraphs(body.slice(cut).replace(/^---\s*$/m, ''));
  if (short.length === 0) throw new ConfigError(`PRIVACY_NOTICE_FILE (${file}): el aviso corto está vacío`);
  const url = env.PRIVACY_NOTICE_URL?.trim() || null;
  if (url !== null && !/^https?:\/\/[^\s]+$/.test(url))
    throw new ConfigError(
      `PRIVACY_NOTICE_URL debe ser una dirección http(s) (recibido: "${redactUrl(url)}")`,
    );
  return {
    version,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    short,
    full,
    url,
    bytes,
  };
}

/** Where the full notice is read: the institution's URL, or the portal's page. */
export function privacyNoticeUrl(notice: PrivacyNotice, portalBaseUrl: string): string {
  return notice.url ?? `${portalBaseUrl.replace(/\/+$/, '')}${PRIVACY_NOTICE_PATH}`;
}
