/**
 * The evidence dossier (issue "what a third party can check without trusting us"): the letter as
 * signed, each signature as it arrived, the verification reports, the audit trail, the
 * installation and its minutes, a constancia, instructions, and a SHA-256 manifest that
 * `sha256sum -c` checks. Every file is named in Spanish for the people who will read it.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { EvidenceStore } from '../storage';
import { SIGNATURE_FIELD, type ProcessState, type Role } from '../domain/process';
import { renderConstancia } from './constancia';

export interface DossierFile {
  readonly name: string;
  readonly bytes: Buffer;
}

export const ROLE_FILE: Record<Role, string> = { municipal: 'municipal', institute: 'institucional' };

/**
 * The time at which a signature's certificates are judged: when the process received and verified
 * it (the report's `verifiedAt`), as seconds since 1970 for OpenSSL's `-attime`. An e.firma lasts
 * four years and the evidence much longer: judged at the day of checking, a signature that was
 * valid when made would fail once its certificate expired.
 */
export function signingEpoch(state: ProcessState, role: Role): number {
  return Math.floor(Date.parse(state.signatures[role]!.receivedAt) / 1000);
}

/** The signatures made inside the PDF (carta-firmada.pdf), by role. */
function padesRoles(state: ProcessState): Role[] {
  return (['municipal', 'institute'] as const).filter((role) => state.signatures[role]?.format === 'pades');
}

/** The commands a third party runs, per signature (also printed in the constancia and LEEME.txt). */
export function verificationCommands(state: ProcessState): string[] {
  const commands = ['sha256sum -c SHA256SUMS'];
  const inPdf = padesRoles(state);
  if (inPdf.length > 0) {
    // Judged when the later of them was received (see signingEpoch): any PDF validator also works.
    const at = inPdf
      .map((role) => state.signatures[role]!.receivedAt)
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
        `--at ${at}`,
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
  files.push({ name: 'constancia.pdf', bytes: await render.constancia(state, verificationCommands(state)) });
  files.push({ name: 'LEEME.txt', bytes: Buffer.from(readme(state)) });
  const manifest = files
    .map((f) => `${createHash('sha256').update(f.bytes).digest('hex')}  ${f.name}`)
    .join('\n');
  files.push({ name: 'SHA256SUMS', bytes: Buffer.from(`${manifest}\n`) });
  return files;
}

function readme(state: ProcessState): string {
  return [
    `Expediente de evidencia del proceso ${state.workflowId} (${state.input.municipality}, clave INEGI ${state.input.inegiCode}).`,
    '',
    'Para comprobarlo sin confiar en quien lo entrega, obtenga del SAT los certificados de sus',
    'autoridades certificadoras de e.firma, júntelos en ac-confianza.pem y ejecute en esta carpeta:',
    '',
    ...verificationCommands(state).map((c) => `  ${c}`),
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
    '',
    'El número tras -attime es el momento en que el proceso recibió y verificó cada firma, en',
    'segundos desde el 1 de enero de 1970 (UTC):',
    ...(['municipal', 'institute'] as const)
      .filter((role) => state.signatures[role])
      .map(
        (role) =>
          `  firma-${ROLE_FILE[role]}: ${signingEpoch(state, role)} = ${state.signatures[role]!.receivedAt}`,
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
