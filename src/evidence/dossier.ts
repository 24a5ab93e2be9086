/**
 * The evidence dossier (issue "what a third party can check without trusting us"): the letter as
 * signed, each signature as it arrived, the verification reports, the audit trail, the
 * installation and its minutes, a constancia, instructions, and a SHA-256 manifest that
 * `sha256sum -c` checks. Every file is named in Spanish for the people who will read it.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { EvidenceStore } from '../storage';
import {
  SIGNATURE_FIELD,
  STAGE_LABEL,
  type DossierRecord,
  type ProcessState,
  type Role,
} from '../domain/process';
import { renderConstancia } from './constancia';
import { readEmbeddedSignatures } from '../pdf/embedded';
import { parseCms } from '../signatures/cms';

export interface DossierFile {
  readonly name: string;
  readonly bytes: Buffer;
}

export const ROLE_FILE: Record<Role, string> = { municipal: 'municipal', institute: 'institucional' };

/**
 * The time at which a signature's certificates are judged: its time-stamp's genTime when a TSA
 * stamped it (version 8), else when the process received and verified it, as seconds since 1970 for
 * OpenSSL's `-attime`. An e.firma lasts four years and the evidence much longer: judged at the day
 * of checking, a signature that was valid when made would fail once its certificate expired.
 */
export function signingEpoch(state: ProcessState, role: Role): number {
  return Math.floor(Date.parse(signingTimeOfRecord(state, role)) / 1000);
}

/** A signature's time of record: the TSA's genTime when stamped, else when the process received it. */
export function signingTimeOfRecord(state: ProcessState, role: Role): string {
  const signature = state.signatures[role]!;
  return signature.timestamp?.genTime ?? signature.receivedAt;
}

/** A NOM-151 constancia kept in the dossier: the PSC's answer whole, and what it says. */
export interface DossierConstancia {
  readonly response: Buffer;
  readonly genTime: string;
  readonly psc: string;
}

/**
 * The time-stamp tokens in the signed letter as files of their own, each with the `openssl ts
 * -verify` command that checks it against the SHA-256 it stamps: a signature's token stamps its
 * signature value, an archive time-stamp the byte ranges of its revision. OpenSSL needs only the
 * TSAs' roots (tsa-confianza.pem): the tokens carry the TSA's certificate.
 */
async function timestampFiles(
  state: ProcessState,
  evidence: EvidenceStore,
  letter: DossierFile,
): Promise<{ files: DossierFile[]; commands: string[] }> {
  if (letter.name !== 'carta-firmada.pdf') return { files: [], commands: [] };
  const embedded = readEmbeddedSignatures(letter.bytes);
  const files: DossierFile[] = [];
  const commands: string[] = [];
  const verify = (file: string, digest: Buffer): string =>
    `openssl ts -verify -token_in -in ${file} -digest ${digest.toString('hex')} -CAfile tsa-confianza.pem`;
  for (const role of padesRoles(state)) {
    const timestamp = state.signatures[role]!.timestamp;
    const signature = embedded.find((s) => s.field === SIGNATURE_FIELD[role] && s.kind === 'signature');
    if (!timestamp || !signature) continue;
    const name = `sello-firma-${ROLE_FILE[role]}.tst`;
    files.push({ name, bytes: await stored(evidence, timestamp.tokenSha256, name) });
    const value = parseCms(signature.cms).signer.signature;
    commands.push(verify(name, createHash('sha256').update(value).digest()));
  }
  const archives = embedded.filter((s) => s.kind === 'timestamp');
  for (const [index, record] of (state.archive ?? []).entries()) {
    const revision = archives[index];
    if (!revision) continue;
    const name = `sello-archivo-${index + 1}.tst`;
    files.push({ name, bytes: await stored(evidence, record.tokenSha256, name) });
    commands.push(verify(name, createHash('sha256').update(revision.signedBytes()).digest()));
  }
  return { files, commands };
}

/** The NOM-151 constancia over SHA256SUMS: assembled after the manifest, so not listed in it. */
export const NOM151_MANIFEST_FILE = 'constancia-nom151-expediente.tsr';

/** Asks a PSC for a constancia over some bytes (absent: no PSC is configured). */
export type ConstanciaSource = (data: Buffer) => Promise<DossierConstancia | null>;

/** The signatures made inside the PDF (carta-firmada.pdf), by role. */
function padesRoles(state: ProcessState): Role[] {
  return (['municipal', 'institute'] as const).filter((role) => state.signatures[role]?.format === 'pades');
}

/** The commands a third party runs, per signature (also printed in the constancia and LEEME.txt). */
export function verificationCommands(state: ProcessState): string[] {
  const commands = ['sha256sum -c SHA256SUMS'];
  const inPdf = padesRoles(state);
  if (inPdf.length > 0) {
    // Each judged at its time-stamp's genTime when every one is stamped (a TSA's root is then
    // needed); else all at the later time of record (see signingEpoch). Any PDF validator also works.
    const stamped = inPdf.every((role) => state.signatures[role]!.timestamp !== undefined);
    const at = inPdf
      .map((role) => signingTimeOfRecord(state, role))
      .sort()
      .at(-1)!;
    // Each field bound to whom the process required there, so the command says whose it is.
    const signers = inPdf.flatMap((role) => {
      const { report } = state.signatures[role]!;
      const who =
        report.identityBasis === 'rfc-curp'
          ? (report.signer?.rfc ?? report.signer?.curp)
          : report.identityBasis === 'name'
            ? report.signer?.name
            : undefined;
      return who ? [`--signer ${shellWord(`${SIGNATURE_FIELD[role]}=${who}`)}`] : [];
    });
    commands.push(
      [
        'manifiesta verify --document carta-firmada.pdf --trust-anchors ac-confianza.pem',
        ...signers,
        stamped ? '--tsa-trust-anchors tsa-confianza.pem' : `--at ${at}`,
      ].join(' '),
    );
    commands.push('pdfsig carta-firmada.pdf');
    commands.push(`cmp -n ${state.document!.size} carta.pdf carta-firmada.pdf`);
  }
  const declination = state.declination;
  if (declination) {
    const at = `-attime ${Math.floor(Date.parse(declination.receivedAt) / 1000)}`;
    if (declination.format === 'cms') {
      commands.push(
        `openssl cms -verify -binary -inform DER -in firma-declinacion.p7s -content declinacion.txt -CAfile ac-confianza.pem -purpose any ${at} -out /dev/null`,
      );
    } else {
      commands.push(
        'openssl dgst -sha256 -verify clave-publica-declinacion.pem -signature firma-declinacion.sig declinacion.txt',
      );
      commands.push(
        `openssl verify -partial_chain -CAfile ac-confianza.pem ${at} certificado-declinacion.pem`,
      );
    }
  }
  for (const role of ['municipal', 'institute'] as const) {
    const signature = state.signatures[role];
    if (!signature || signature.format === 'pades') continue;
    const r = ROLE_FILE[role];
    const attime = `-attime ${signingEpoch(state, role)}`;
    if (signature.format === 'cms') {
      commands.push(
        `openssl cms -verify -binary -inform DER -in firma-${r}.p7s -content carta.pdf -CAfile ac-confianza.pem -purpose any ${attime} -out /dev/null`,
      );
    } else {
      commands.push(
        `openssl dgst -sha256 -verify clave-publica-${r}.pem -signature firma-${r}.sig carta.pdf`,
      );
      commands.push(`openssl verify -partial_chain -CAfile ac-confianza.pem ${attime} certificado-${r}.pem`);
    }
  }
  return commands;
}

/** Each privacy notice a signer of this process was shown, with who was shown it and its file's name. */
function noticesShown(
  state: ProcessState,
): { version: string; sha256: string; shownTo: string[]; file: string }[] {
  const byDigest = new Map<string, { version: string; sha256: string; shownTo: string[]; file: string }>();
  const shown = (who: string, notice: { version: string; sha256: string } | undefined): void => {
    if (!notice || !/^[0-9a-f]{64}$/.test(notice.sha256)) return;
    const known = byDigest.get(notice.sha256);
    if (known) known.shownTo.push(who);
    else
      byDigest.set(notice.sha256, {
        ...notice,
        shownTo: [who],
        file: `aviso-de-privacidad-${notice.sha256.slice(0, 12)}.txt`,
      });
  };
  for (const role of ['municipal', 'institute'] as const)
    shown(`firma-${ROLE_FILE[role]}`, state.signatures[role]?.privacyNotice);
  shown('firma-declinacion', state.declination?.privacyNotice);
  return [...byDigest.values()];
}

async function stored(evidence: EvidenceStore, sha256: string, what: string): Promise<Buffer> {
  const bytes = await evidence.get(sha256);
  if (bytes === null) throw new Error(`${what} (${sha256}) is missing from the evidence store`);
  return bytes;
}

const json = (value: unknown): Buffer => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);

/**
 * A certificate as DER and PEM, and its public key: `openssl dgst -verify` takes the key alone; the
 * certificate ties it to the signer.
 */
function certificateFiles(suffix: string, certificate: Buffer): DossierFile[] {
  const pem = `-----BEGIN CERTIFICATE-----\n${certificate
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd()}\n-----END CERTIFICATE-----\n`;
  const publicKey = new X509Certificate(certificate).publicKey.export({ type: 'spki', format: 'pem' });
  return [
    { name: `certificado-${suffix}.cer`, bytes: certificate },
    { name: `certificado-${suffix}.pem`, bytes: Buffer.from(pem) },
    { name: `clave-publica-${suffix}.pem`, bytes: Buffer.from(publicKey) },
  ];
}

/** `render` draws the constancia: in the caller's thread unless a pool is given. */
export async function buildDossier(
  state: ProcessState,
  evidence: EvidenceStore,
  render: { constancia(state: ProcessState, commands: readonly string[]): Promise<Buffer> } = {
    constancia: renderConstancia,
  },
  nom151: ConstanciaSource = async () => null,
): Promise<DossierFile[]> {
  if (!state.document) throw new Error('the process has no letter yet');
  const files: DossierFile[] = [
    { name: 'carta.pdf', bytes: await stored(evidence, state.document.sha256, 'the letter') },
  ];
  if (state.signedDocument) {
    files.push({
      name: 'carta-firmada.pdf',
      bytes: await stored(evidence, state.signedDocument.sha256, 'the signed letter'),
    });
  }
  for (const role of ['municipal', 'institute'] as const) {
    const signature = state.signatures[role];
    if (!signature) continue;
    const r = ROLE_FILE[role];
    if (signature.format === 'cms') {
      files.push({
        name: `firma-${r}.p7s`,
        bytes: await stored(evidence, signature.signatureSha256, `the ${role} signature`),
      });
    } else {
      // PAdES: the signature is inside carta-firmada.pdf; the certificate, for reading.
      if (signature.format === 'pkcs1-sha256')
        files.push({
          name: `firma-${r}.sig`,
          bytes: await stored(evidence, signature.signatureSha256, `the ${role} signature`),
        });
      const certificate = await stored(evidence, signature.certificateSha256!, `the ${role} certificate`);
      files.push(...certificateFiles(r, certificate));
    }
    files.push({ name: `reporte-verificacion-${r}.json`, bytes: json(signature.report) });
    // The OCSP answers that said the certificate was not revoked, as the responder sent them.
    for (const [index, answer] of (signature.report.ocsp ?? []).entries()) {
      const name = `ocsp-${r}${index === 0 ? '' : `-${index + 1}`}.der`;
      files.push({ name, bytes: await stored(evidence, answer.sha256, name) });
    }
  }
  // A signed decline (version 7): what was signed, the signature, the certificate, the report.
  const declination = state.declination;
  if (declination) {
    files.push({
      name: 'declinacion.txt',
      bytes: await stored(evidence, declination.documentSha256, 'the declination'),
    });
    const signature = await stored(evidence, declination.signatureSha256, 'the declination’s signature');
    if (declination.format === 'cms') {
      files.push({ name: 'firma-declinacion.p7s', bytes: signature });
    } else {
      files.push({ name: 'firma-declinacion.sig', bytes: signature });
      const certificate = await stored(
        evidence,
        declination.certificateSha256!,
        'the declination’s certificate',
      );
      files.push(...certificateFiles('declinacion', certificate));
    }
    files.push({ name: 'reporte-verificacion-declinacion.json', bytes: json(declination.report) });
  }
  // The privacy notice each signer was shown, when its text is in the store (the portal keeps it).
  for (const notice of noticesShown(state)) {
    const bytes = await evidence.get(notice.sha256).catch(() => null);
    if (bytes !== null) files.push({ name: notice.file, bytes });
  }
  files.push({ name: 'bitacora.json', bytes: json(state.audit) });
  if (state.installation) {
    files.push({ name: 'instalacion.json', bytes: json(state.installation) });
    files.push({
      name: 'acta-instalacion.pdf',
      bytes: await stored(evidence, state.installation.minutes.sha256, 'the minutes'),
    });
  }
  files.push({
    name: 'proceso.json',
    bytes: json({
      workflowId: state.workflowId,
      stage: state.stage,
      input: state.input,
      signers: state.signers,
      document: state.document,
    }),
  });
  // NOM-151: a PSC's constancia de conservación over the letter as signed, named in LEEME and the
  // constancia; then one over the manifest, which lists every file (and so covers them all).
  const letter = files.find((f) => f.name === 'carta-firmada.pdf') ?? files[0]!;
  const stamps = await timestampFiles(state, evidence, letter);
  files.push(...stamps.files);
  const constancia = await nom151(letter.bytes);
  const commands = [
    ...verificationCommands(state),
    ...stamps.commands,
    ...(constancia
      ? [
          `manifiesta verify --timestamp constancia-nom151.tsr --document ${letter.name} --trust-anchors psc-confianza.pem`,
          `manifiesta verify --timestamp constancia-nom151-expediente.tsr --document SHA256SUMS --trust-anchors psc-confianza.pem`,
        ]
      : []),
  ];
  if (constancia) files.push({ name: 'constancia-nom151.tsr', bytes: constancia.response });
  files.push({ name: 'constancia.pdf', bytes: await render.constancia(state, commands) });
  files.push({
    name: 'LEEME.txt',
    bytes: Buffer.from(readme(state, commands, constancia && { ...constancia, over: letter.name })),
  });
  const manifest = files
    .map((f) => `${createHash('sha256').update(f.bytes).digest('hex')}  ${f.name}`)
    .join('\n');
  files.push({ name: 'SHA256SUMS', bytes: Buffer.from(`${manifest}\n`) });
  if (constancia) {
    const overManifest = await nom151(files.at(-1)!.bytes);
    if (overManifest) files.push({ name: NOM151_MANIFEST_FILE, bytes: overManifest.response });
  }
  return files;
}

function readme(
  state: ProcessState,
  commands: readonly string[],
  constancia: (DossierConstancia & { readonly over: string }) | null,
): string {
  const stamped = (['municipal', 'institute'] as const).filter((role) => state.signatures[role]?.timestamp);
  const notices = noticesShown(state);
  const ocspAnswered = (['municipal', 'institute'] as const)
    .filter((role) => state.signatures[role]?.report.ocsp?.length)
    .map((role) => ROLE_FILE[role]);
  return [
    `Expediente de evidencia del proceso ${state.workflowId} (${state.input.municipality}, clave INEGI ${state.input.inegiCode}).`,
    '',
    'Para comprobarlo sin confiar en quien lo entrega, obtenga del SAT los certificados de sus',
    'autoridades certificadoras de e.firma, júntelos en ac-confianza.pem y ejecute en esta carpeta:',
    '',
    ...commands.map((c) => `  ${c}`),
    '',
    'SHA256SUMS lista la huella SHA-256 de cada archivo; carta.pdf es exactamente lo que se firmó.',
    ...(state.declination
      ? [
          'declinacion.txt es exactamente lo que se firmó para declinar: nombra el proceso, la huella',
          'SHA-256 de la carta y el motivo; la firma y el certificado de quien declinó lo acompañan.',
        ]
      : []),
    ...(state.signedDocument
      ? [
          'carta-firmada.pdf es la misma carta con las firmas dentro del PDF (PAdES): sus primeros',
          `${state.document!.size} bytes son carta.pdf (lo comprueba cmp) y cada firma se agregó después sin`,
          'tocarlos. Ábralo en Adobe Acrobat Reader o compruébelo con pdfsig (poppler) o pyHanko.',
        ]
      : []),
    ...(stamped.length > 0
      ? [
          '',
          'Cada firma con sello de tiempo lleva dentro el de una autoridad de sellado de tiempo (RFC 3161):',
          ...stamped.map(
            (role) =>
              `  firma-${ROLE_FILE[role]}: ${state.signatures[role]!.timestamp!.genTime}, por ${state.signatures[role]!.timestamp!.tsa}`,
          ),
          'Ese momento, y no el reloj del servidor, es el de la firma: los certificados se juzgan en él.',
          'sello-firma-*.tst son esos sellos; openssl ts -verify comprueba cada uno contra la huella que',
          'sella (la del valor de la firma), y sello-archivo-*.tst el sello de archivo de la carta (PAdES',
          'B-LTA), que cubre la carta completa y los datos de validación de sus certificados.',
          'tsa-confianza.pem son los certificados raíz de esas autoridades; obténgalos de ellas.',
        ]
      : []),
    ...(constancia
      ? [
          '',
          `constancia-nom151.tsr es la constancia de conservación (NOM-151-SCFI-2016) de ${constancia.over},`,
          `emitida por ${constancia.psc} el ${constancia.genTime}; constancia-nom151-expediente.tsr, la de`,
          'SHA256SUMS. psc-confianza.pem es la raíz de la Secretaría de Economía (ACR2-SE). Algunos PSC',
          'emiten constancias que openssl ts -verify rechaza (sin uso extendido timeStamping, ESS que no',
          'corresponde): manifiesta verify --timestamp las acepta con esa raíz y lista cada desviación.',
        ]
      : []),
    ...((state.transfers ?? []).length > 0
      ? [
          '',
          'La institución que contrafirma cambió mientras el proceso corría:',
          ...(state.transfers ?? []).map(
            (t) =>
              `  ${t.at}: de ${t.from} a ${t.to} (contrafirma ${t.countersigner.before} → ${t.countersigner.after}), en la etapa «${STAGE_LABEL[t.stage]}»; motivo: ${t.reason}`,
          ),
        ]
      : []),
    ...(notices.length > 0
      ? [
          '',
          'Aviso de privacidad que la página de firma mostró a cada firmante (versión y huella SHA-256 del texto):',
          ...notices.map(
            (n) => `  ${n.shownTo.join(', ')}: versión ${n.version}, SHA-256 ${n.sha256} (${n.file})`,
          ),
        ]
      : []),
    ...(ocspAnswered.length > 0
      ? [
          '',
          'ocsp-*.der son las respuestas OCSP (RFC 6960) que dijeron que cada certificado no estaba revocado,',
          'tal como las firmó quien respondía; reporte-verificacion-*.json dice de quién, cuándo y qué se',
          'aceptó en ellas (por ejemplo SHA-1). Para leer una:',
          ...ocspAnswered.map((r) => `  openssl ocsp -respin ocsp-${r}.der -resp_text -noverify`),
        ]
      : []),
    '',
    'El número tras -attime es el momento de cada firma (el de su sello de tiempo o, sin él, cuando',
    'el proceso la recibió y verificó), en segundos desde el 1 de enero de 1970 (UTC):',
    ...(['municipal', 'institute'] as const)
      .filter((role) => state.signatures[role])
      .map(
        (role) =>
          `  firma-${ROLE_FILE[role]}: ${signingEpoch(state, role)} = ${signingTimeOfRecord(state, role)}`,
      ),
    ...(state.declination
      ? [
          `  firma-declinacion: ${Math.floor(Date.parse(state.declination.receivedAt) / 1000)} = ${state.declination.receivedAt}`,
        ]
      : []),
    'Con él, OpenSSL juzga la vigencia de los certificados en ese momento y no en el día en que se',
    'comprueba: una e.firma vence a los cuatro años, y la firma que era válida al hacerse lo sigue siendo.',
  ].join('\n');
}

/** A word as a POSIX shell reads it: as is when plain, else in single quotes. */
function shellWord(word: string): string {
  return /^[\w.=@/+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * A dossier as the process assembled it (its files by the manifest, and the constancia over the
 * manifest), from the evidence store.
 * @throws Error when a file is missing
 */
export async function storedDossier(record: DossierRecord, evidence: EvidenceStore): Promise<DossierFile[]> {
  const manifest = await stored(evidence, record.manifestSha256, 'the manifest');
  const files: DossierFile[] = [];
  for (const line of manifest.toString('utf8').trim().split('\n')) {
    const match = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!match) throw new Error(`the manifest has a line that is not "digest  name": ${line.slice(0, 80)}`);
    files.push({ name: match[2]!, bytes: await stored(evidence, match[1]!, match[2]!) });
  }
  files.push({ name: 'SHA256SUMS', bytes: manifest });
  if (record.nom151Sha256)
    files.push({
      name: NOM151_MANIFEST_FILE,
      bytes: await stored(evidence, record.nom151Sha256, NOM151_MANIFEST_FILE),
    });
  return files;
}
