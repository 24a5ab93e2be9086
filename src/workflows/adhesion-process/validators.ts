/**
 * The synchronous checks of the process's updates. They run in update validators, so input they
 * refuse never enters history and never changes state.
 */
import { calendarProblem, type CalendarData } from '../../domain/calendar';
import { refusal } from '../../domain/failures';
import {
  MAX_CERTIFICATE_BYTES,
  MAX_MINUTES_BYTES,
  MAX_SIGNATURE_BYTES,
  type CoordinatorAction,
  type DeclineInput,
  type ExtendDeadlineInput,
  type FileReference,
  type RecordInstallationInput,
  type SubmitSignatureInput,
  type TransferInstitutionInput,
} from '../../domain/messages';
import { MAX_REASON_LENGTH } from '../../domain/limits';
import {
  isTerminal,
  personProblems,
  ROLES,
  SECTORS,
  Stage,
  STAGE_LABEL,
  type Role,
} from '../../domain/process';

export function requireText(value: unknown, what: string, max = MAX_REASON_LENGTH): void {
  if (typeof value !== 'string' || value.trim().length === 0)
    throw refusal('MALFORMED_INPUT', `falta ${what}`);
  if (value.length > max) throw refusal('MALFORMED_INPUT', `${what} excede ${max} caracteres`);
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function checkBase64(value: unknown, what: string, maxBytes: number): void {
  if (typeof value !== 'string' || value.length === 0 || value.length % 4 !== 0 || !BASE64.test(value)) {
    throw refusal('MALFORMED_INPUT', `${what} no es base64 válido`);
  }
  if ((value.length / 4) * 3 > maxBytes + 2)
    throw refusal('PAYLOAD_TOO_LARGE', `${what} excede ${maxBytes} bytes`);
}

export function validateSignature(
  request: SubmitSignatureInput,
  checkLink: (role: Role, version: number, run: string | undefined) => void,
): void {
  if (!request || !ROLES.includes(request.role)) throw refusal('MALFORMED_INPUT', 'rol desconocido');
  requireRun(request.run);
  checkLink(request.role, request.linkVersion, request.run);
  if (request.format !== undefined && !['cms', 'pkcs1-sha256', 'pades'].includes(request.format)) {
    throw refusal('MALFORMED_INPUT', 'formato desconocido');
  }
  checkBase64(request.signature, 'la firma', MAX_SIGNATURE_BYTES);
  if (request.certificate !== undefined)
    checkBase64(request.certificate, 'el certificado', MAX_CERTIFICATE_BYTES);
  if (
    (request.format === 'pkcs1-sha256' || request.format === 'pades') &&
    request.certificate === undefined
  ) {
    throw refusal('MALFORMED_INPUT', 'una firma PKCS#1 o PAdES necesita el certificado');
  }
}

/**
 * A decline's signature (version 7): present, in a known format, within the limits. Refused here,
 * an unsigned decline never enters history, whenever the process began.
 */
export function validateDeclineSignature(request: DeclineInput): void {
  if (request.signature === undefined || request.signature === '')
    throw refusal('SIGNATURE_REQUIRED', 'firme la declinación con su e.firma');
  if (request.format !== undefined && !['cms', 'pkcs1-sha256'].includes(request.format))
    throw refusal('MALFORMED_INPUT', 'formato desconocido');
  checkBase64(request.signature, 'la firma', MAX_SIGNATURE_BYTES);
  if (request.certificate !== undefined)
    checkBase64(request.certificate, 'el certificado', MAX_CERTIFICATE_BYTES);
  if (request.format === 'pkcs1-sha256' && request.certificate === undefined)
    throw refusal('MALFORMED_INPUT', 'una firma PKCS#1 necesita el certificado');
}

/**
 * A signer's update names the run its link was issued by (version 2). Version-1 updates did not;
 * handlers tolerate that for their replays, validators refuse it for new requests.
 */
export function requireRun(run: unknown): void {
  if (typeof run !== 'string' || run.length === 0 || run.length > 100)
    throw refusal('MALFORMED_INPUT', 'falta la ejecución del proceso a la que pertenece el enlace');
}

export function validateExtension(request: ExtendDeadlineInput, legacy: boolean): void {
  const { days, businessDays } = request;
  if ((days === undefined) === (businessDays === undefined))
    throw refusal('MALFORMED_INPUT', 'indique días naturales o días hábiles, uno de los dos');
  if (days !== undefined && (typeof days !== 'number' || !(days > 0) || days > 365))
    throw refusal('MALFORMED_INPUT', 'los días deben ser un número mayor que 0 y hasta 365');
  if (businessDays !== undefined) {
    if (!Number.isInteger(businessDays) || businessDays < 1 || businessDays > 250)
      throw refusal('MALFORMED_INPUT', 'los días hábiles deben ser un número entero de 1 a 250');
    if (legacy)
      throw refusal(
        'MALFORMED_INPUT',
        'este proceso se inició con plazos en días naturales: extiéndalo en días naturales',
      );
  }
}

/** The días inhábiles of a re-plan: real dates, each once, with a reason. */
export function validateCalendar(calendar: CalendarData | undefined): void {
  const problem = calendarProblem(calendar);
  if (problem !== null) throw refusal('MALFORMED_INPUT', problem);
}

export function validateCoordinatorAction(request: CoordinatorAction, stage: Stage): void {
  if (isTerminal(stage)) throw refusal('WRONG_STAGE', `el proceso ya terminó (${STAGE_LABEL[stage]})`);
  requireText(request?.reason, 'el motivo');
}

/** A transfer of the countersigning authority: to a process still awaiting a signature, well formed. */
export function validateTransfer(request: TransferInstitutionInput, stage: Stage): void {
  validateCoordinatorAction(request, stage);
  if (stage !== Stage.AwaitingMunicipalSignature && stage !== Stage.AwaitingInstituteCountersignature)
    throw refusal('WRONG_STAGE', `etapa actual: ${STAGE_LABEL[stage]}: las firmas ya están completas`);
  const institution = request.institution;
  for (const field of [
    'name',
    'shortName',
    'state',
    'commissionerTitle',
    'presidentTitle',
    'commitment',
  ] as const)
    requireText(institution?.[field], `institution.${field}`);
  if (institution.article !== undefined && institution.article !== 'el' && institution.article !== 'la')
    throw refusal('MALFORMED_INPUT', 'institution.article debe ser "el" o "la"');
  const problems = personProblems(request.countersigner, 'quien contrafirma');
  if (problems.length > 0) throw refusal('MALFORMED_INPUT', problems.join('; '));
}

export function validateInstallation(request: RecordInstallationInput, stage: Stage, now: Date): void {
  if (stage !== Stage.AwaitingSecretariatInstallation) {
    throw refusal('WRONG_STAGE', `etapa actual: ${STAGE_LABEL[stage]}`);
  }
  if (!request || typeof request.date !== 'string' || !/^\d{4}-\d\d-\d\d$/.test(request.date)) {
    throw refusal('MALFORMED_INPUT', 'la fecha debe ser AAAA-MM-DD');
  }
  const date = new Date(`${request.date}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== request.date) {
    throw refusal('MALFORMED_INPUT', 'la fecha no existe');
  }
  if (date.getTime() > now.getTime())
    throw refusal('MALFORMED_INPUT', 'la fecha de instalación está en el futuro');
  if (!Array.isArray(request.members) || request.members.length === 0) {
    throw refusal('MALFORMED_INPUT', 'indique al menos un integrante');
  }
  for (const member of request.members) {
    requireText(member?.name, 'el nombre del integrante', 200);
    requireText(member?.position, 'el cargo del integrante', 200);
    if (!SECTORS.includes(member.sector)) {
      throw refusal(
        'MALFORMED_INPUT',
        `sector «${String(member.sector)}» desconocido (${SECTORS.join(', ')})`,
      );
    }
  }
  const minutes = request.minutes as Partial<FileReference> & { contentBase64?: unknown };
  if (minutes?.contentBase64 !== undefined)
    throw refusal(
      'MALFORMED_INPUT',
      'el acta se envía por referencia al almacén de evidencias, no dentro del mensaje',
    );
  requireText(minutes?.fileName, 'el nombre del acta', 255);
  if (typeof minutes.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(minutes.sha256))
    throw refusal('MALFORMED_INPUT', 'la huella SHA-256 del acta no es válida');
  if (minutes.mediaType !== 'application/pdf') throw refusal('MALFORMED_INPUT', 'el acta debe ser un PDF');
  if (typeof minutes.size !== 'number' || !Number.isInteger(minutes.size) || minutes.size < 1)
    throw refusal('MALFORMED_INPUT', 'el tamaño del acta no es válido');
  if (minutes.size > MAX_MINUTES_BYTES)
    throw refusal('PAYLOAD_TOO_LARGE', `el acta excede ${MAX_MINUTES_BYTES / 1024 / 1024} MiB`);
}
