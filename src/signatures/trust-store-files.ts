/** Loading trust anchors and CRLs from files or folders (`TRUST_ANCHORS`, `CRLS`, `--trust-anchors`). */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseCertificate, type Certificate } from './certificate';
import { parseCrl, type RevocationList } from './crl';
import { certificatesIn, crlsIn } from './encoding';
import { isInputRejected } from './failure';
import { TrustStore, type RevocationPolicy } from './trust-store';

/** A trust anchor or CRL file that cannot be used; start-up stops with this message. */
export class TrustConfigurationError extends Error {
  override readonly name = 'TrustConfigurationError';
}

const CERTIFICATE_EXTENSIONS = new Set(['.pem', '.crt', '.cer', '.der']);
const CRL_EXTENSIONS = new Set(['.crl', '.pem', '.der']);

/**
 * Splits a list of paths (comma-separated, as in `TRUST_ANCHORS=/etc/sat/ac4.cer,/etc/sat/roots`)
 * and expands folders into the files in them with one of `extensions`.
 */
export function expandPaths(list: string | readonly string[], extensions: ReadonlySet<string>): string[] {
  const entries = (typeof list === 'string' ? list.split(',') : list).map((p) => p.trim()).filter(Boolean);
  const files: string[] = [];
  for (const entry of entries) {
    let stats;
    try {
      stats = statSync(entry);
    } catch {
      throw new TrustConfigurationError(`${entry}: no existe ese archivo o carpeta`);
    }
    if (stats.isDirectory()) {
      for (const name of readdirSync(entry).sort()) {
        if (extensions.has(extname(name).toLowerCase())) files.push(join(entry, name));
      }
    } else {
      files.push(entry);
    }
  }
  return files;
}

export interface TrustFiles {
  /** Files or folders of PEM/DER certificates. */
  readonly anchors?: string | readonly string[] | undefined;
  /** Files or folders of PEM/DER CRLs. */
  readonly crls?: string | readonly string[] | undefined;
  /** CRLs read elsewhere (from the evidence store, fetched from `CRL_URLS`). */
  readonly moreCrls?: readonly RevocationList[];
  /** What to do when revocation cannot be established (default `best-effort`). */
  readonly revocationPolicy?: RevocationPolicy;
  /** Files or folders of OCSP responder certificates trusted by configuration (`OCSP_RESPONDERS`). */
  readonly ocspResponders?: string | readonly string[] | undefined;
}

/** Reads anchors and CRLs; any file that is not what it should be stops with its name. */
export function loadTrustStore(files: TrustFiles): TrustStore {
  const anchors = loadCertificates(files.anchors ?? []);
  const crls: RevocationList[] = expandPaths(files.crls ?? [], CRL_EXTENSIONS).flatMap((file) => {
    const ders = crlsIn(readFileSync(file));
    if (ders.length === 0) throw new TrustConfigurationError(`${file}: el archivo no contiene ninguna CRL`);
    return ders.map((der) => {
      try {
        return parseCrl(der, file);
      } catch (error) {
        throw new TrustConfigurationError(`${file}: no es una CRL (${(error as Error).message})`);
      }
    });
  });
  return new TrustStore(
    anchors,
    [...crls, ...(files.moreCrls ?? [])],
    files.revocationPolicy,
    loadCertificates(files.ocspResponders ?? []),
  );
}

/** The certificates in files or folders (PEM or DER); any file without one stops with its name. */
export function loadCertificates(list: string | readonly string[]): Certificate[] {
  return expandPaths(list, CERTIFICATE_EXTENSIONS).flatMap((file) => {
    const ders = certificatesIn(readFileSync(file));
    if (ders.length === 0)
      throw new TrustConfigurationError(`${file}: el archivo no contiene ningún certificado`);
    return ders.map((der) => {
      try {
        return parseCertificate(der);
      } catch (error) {
        const reason = isInputRejected(error) ? error.message : String(error);
        throw new TrustConfigurationError(`${file}: no es un certificado utilizable (${reason})`);
      }
    });
  });
}
