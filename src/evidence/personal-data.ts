/**
 * Everything held about one person, for an access request (the A of the ARCO rights): every process
 * where the person is a signer (as the coordinator named them, or as their certificate says), in
 * which role, the signatures and declines their certificate made with what was read from it, the
 * audit entries that concern them, and the mails sent to them; as JSON and as a readable PDF.
 *
 * A person is looked up by RFC, CURP or e-mail (case and spacing aside). Each export is itself
 * recorded (`access/personal-data/…` in the object store, sealed): when, by whom, which kind of
 * key (the key itself only as its SHA-256), and which processes were disclosed, because the
 * institute keeps a record of who read personal data.
 */
import { createHash, randomBytes } from 'node:crypto';
import PDFDocument from 'pdfkit';
import type { Keyring } from '../codec/keyring';
import {
  STAGE_LABEL,
  type DeclinationRecord,
  type ProcessState,
  type Role,
  type SignatureRecord,
} from '../domain/process';
import type { VerificationReport } from '../domain/verification-report';
import { ROLE_TITLE } from '../domain/wording';
import { pdfBytes } from '../pdf/pdfkit';
import type { ObjectStore } from '../storage';
import { seal } from '../storage/sealed';

export type PersonKey = { readonly rfc: string } | { readonly curp: string } | { readonly email: string };

export interface PersonalDataExport {
  readonly exportedAt: string;
  readonly exportedBy: string;
  /** How the person was looked up. */
  readonly lookedUpBy: PersonKey;
  readonly processes: readonly PersonInProcess[];
}

export interface PersonInProcess {
  readonly workflowId: string;
  readonly campaign: string;
  readonly municipality: string;
  readonly inegiCode: string;
  readonly stage: string;
  /** The roles the person holds in it: signer as named by the coordinator (and as signed). */
  readonly roles: readonly {
    readonly role: Role;
    readonly title: string;
    readonly asNamed: {
      readonly name: string;
      readonly email: string;
      readonly rfc: string | null;
      readonly curp: string | null;
    };
  }[];
  /** Signatures and declines made with the person's certificate, with what was read from it. */
  readonly signatures: readonly {
    readonly kind: 'signature' | 'decline';
    readonly role: Role;
    readonly receivedAt: string;
    readonly format: string;
    readonly signer: {
      readonly name: string;
      readonly rfc: string | null;
      readonly curp: string | null;
    } | null;
    readonly certificate: {
      readonly serial: string;
      readonly issuer: string;
      readonly notBefore: string;
      readonly notAfter: string;
    } | null;
    readonly privacyNotice: { readonly version: string; readonly sha256: string } | null;
  }[];
  /** Audit entries by the person's role, or that name their e-mail, name, RFC or CURP. */
  readonly audit: readonly {
    readonly at: string;
    readonly actor: string;
    readonly type: string;
    readonly detail: string;
  }[];
  /** Mails sent to the person (from the audit trail). */
  readonly mails: readonly { readonly at: string; readonly detail: string }[];
}

const normal = (value: string | null | undefined): string => (value ?? '').replace(/\s+/g, '').toUpperCase();

/** What one process holds about the person, or null when it holds nothing. */
export function personInProcess(state: ProcessState, key: PersonKey): PersonInProcess | null {
  const wanted = normal('rfc' in key ? key.rfc : 'curp' in key ? key.curp : key.email);
  const field = 'rfc' in key ? 'rfc' : 'curp' in key ? 'curp' : 'email';
  /** Whether a certificate's holder is the person (an e-mail is not in a certificate). */
  const signedBy = (signer: VerificationReport['signer']): boolean =>
    field !== 'email' && signer !== null && normal(field === 'rfc' ? signer.rfc : signer.curp) === wanted;
  const roles: PersonInProcess['roles'][number][] = [];
  const signatures: PersonInProcess['signatures'][number][] = [];
  for (const role of ['municipal', 'institute'] as const) {
    const named =
      state.signers[role] ?? (role === 'municipal' ? state.input.president : state.input.commissioner);
    const signature = state.signatures[role];
    const signer = signature?.report.signer ?? null;
    const namedMatches = field === 'email' ? normal(named.email) === wanted : normal(named[field]) === wanted;
    if (namedMatches)
      roles.push({
        role,
        title: ROLE_TITLE[role],
        asNamed: { name: named.name, email: named.email, rfc: named.rfc ?? null, curp: named.curp ?? null },
      });
    if (signature && (namedMatches || signedBy(signer))) signatures.push(entry('signature', signature));
  }
  const declination = state.declination;
  if (declination && (roles.some((r) => r.role === declination.role) || signedBy(declination.report.signer)))
    signatures.push(entry('decline', declination));
  if (roles.length === 0 && signatures.length === 0) return null;
  // What names the person: their e-mail, names and identifiers as the process knows them.
  const marks = new Set<string>();
  for (const r of roles)
    for (const v of [r.asNamed.email, r.asNamed.name, r.asNamed.rfc, r.asNamed.curp])
      if (v) marks.add(normal(v));
  for (const s of signatures)
    for (const v of [s.signer?.name, s.signer?.rfc, s.signer?.curp]) if (v) marks.add(normal(v));
  const theirs = new Set<string>([...roles.map((r) => r.role), ...signatures.map((s) => s.role)]);
  const audit = state.audit.filter(
    (e) =>
      theirs.has(e.actor as Role) || [...marks].some((m) => m.length > 3 && normal(e.detail).includes(m)),
  );
  const emails = roles.map((r) => normal(r.asNamed.email));
  const mails = state.audit
    .filter((e) => e.type === 'email-sent' && emails.some((m) => normal(e.detail).includes(m)))
    .map((e) => ({ at: e.at, detail: e.detail }));
  return {
    workflowId: state.workflowId,
    campaign: state.input.campaign,
    municipality: state.input.municipality,
    inegiCode: state.input.inegiCode,
    stage: state.stage,
    roles,
    signatures,
    audit: audit.map(({ at, actor, type, detail }) => ({ at, actor, type, detail })),
    mails,
  };
}

/** The export over every process given (live and archived), processes that hold nothing left out. */
export function personalDataExport(
  states: readonly ProcessState[],
  key: PersonKey,
  exportedBy: string,
  now = new Date(),
): PersonalDataExport {
  const processes = states
    .map((state) => personInProcess(state, key))
    .filter((p): p is PersonInProcess => p !== null)
    .sort((a, b) => a.workflowId.localeCompare(b.workflowId));
  return { exportedAt: now.toISOString(), exportedBy, lookedUpBy: key, processes };
}

/**
 * Records the export in the object store (sealed, written once): who, when, how the person was
 * looked up (the value as its SHA-256 only), and which processes were disclosed.
 */
export async function recordExport(
  objects: ObjectStore,
  keyring: Keyring,
  exported: PersonalDataExport,
): Promise<string> {
  const [kind, value] = Object.entries(exported.lookedUpBy)[0] as [string, string];
  const key = `access/personal-data/${exported.exportedAt.replace(/[:.]/g, '-').toLowerCase()}-${randomBytes(4).toString('hex')}`;
  const record = {
    at: exported.exportedAt,
    by: exported.exportedBy,
    lookedUpBy: { kind, sha256: createHash('sha256').update(normal(value)).digest('hex') },
    processes: exported.processes.map((p) => p.workflowId),
  };
  await objects.putOnce(key, seal(keyring, 'evidence', key, Buffer.from(JSON.stringify(record))));
  return key;
}

/** The export as a readable PDF, in Spanish. */
export async function personalDataPdf(exported: PersonalDataExport): Promise<Buffer> {
  const at = new Date(exported.exportedAt);
  const doc = new PDFDocument({
    size: 'LETTER',
    margins: { top: 56, bottom: 56, left: 64, right: 64 },
    info: {
      Title: 'Datos personales en manifiesta',
      Creator: 'manifiesta',
      Producer: 'manifiesta',
      CreationDate: at,
      ModDate: at,
    },
  });
  const done = pdfBytes(doc);
  const [kind, value] = Object.entries(exported.lookedUpBy)[0] as [string, string];
  doc
    .font('Helvetica-Bold')
    .fontSize(15)
    .text('Datos personales que obran en el sistema de firmas (manifiesta)');
  doc.moveDown(0.5).font('Helvetica').fontSize(10);
  doc.text(`Búsqueda por ${kind === 'email' ? 'correo electrónico' : kind.toUpperCase()}: ${value}`);
  doc.text(
    `Generado el ${exported.exportedAt} por ${exported.exportedBy}. Procesos: ${exported.processes.length}.`,
  );
  if (exported.processes.length === 0) doc.moveDown().text('No se encontraron datos de esta persona.');
  for (const p of exported.processes) {
    doc
      .moveDown()
      .font('Helvetica-Bold')
      .fontSize(12)
      .text(`${p.municipality} (clave INEGI ${p.inegiCode}) — ${p.workflowId}`);
    doc
      .font('Helvetica')
      .fontSize(10)
      .text(`Campaña ${p.campaign}; etapa: ${STAGE_LABEL[p.stage as keyof typeof STAGE_LABEL] ?? p.stage}.`);
    for (const r of p.roles)
      doc.text(
        `Como ${r.title}: ${r.asNamed.name} <${r.asNamed.email}>, RFC ${r.asNamed.rfc ?? '—'}, CURP ${r.asNamed.curp ?? '—'}.`,
      );
    for (const s of p.signatures)
      doc.text(
        `${s.kind === 'decline' ? 'Declinación firmada' : 'Firma'} (${s.role}) recibida el ${s.receivedAt}, ${s.format}: ${s.signer?.name ?? '—'}, RFC ${s.signer?.rfc ?? '—'}, CURP ${s.signer?.curp ?? '—'}; certificado ${s.certificate?.serial ?? '—'} de ${s.certificate?.issuer ?? '—'}${s.privacyNotice ? `; aviso de privacidad versión ${s.privacyNotice.version}` : ''}.`,
      );
    if (p.mails.length > 0) {
      doc.font('Helvetica-Bold').text('Correos enviados:');
      doc.font('Helvetica');
      for (const m of p.mails) doc.text(`${m.at}: ${m.detail}`);
    }
    if (p.audit.length > 0) {
      doc.font('Helvetica-Bold').text('Bitácora:');
      doc.font('Helvetica');
      for (const e of p.audit) doc.text(`${e.at} · ${e.actor} · ${e.type}: ${e.detail}`);
    }
  }
  doc.end();
  return done;
}

/** A signature or a signed decline as the export lists it: what the certificate said, and the notice shown. */
function entry(
  kind: 'signature' | 'decline',
  record: SignatureRecord | DeclinationRecord,
): PersonInProcess['signatures'][number] {
  const cert = record.report.certificate;
  return {
    kind,
    role: record.role,
    receivedAt: record.receivedAt,
    format: record.format,
    signer: record.report.signer,
    certificate: cert
      ? { serial: cert.serial, issuer: cert.issuer, notBefore: cert.notBefore, notAfter: cert.notAfter }
      : null,
    privacyNotice: record.privacyNotice ?? null,
  };
}
