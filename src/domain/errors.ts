/**
 * The error codes of the public contract (DESIGN §3), with the Spanish message a signer or
 * coordinator reads and whether the same request may succeed later (`retryable`: a part out of
 * reach, a limit that resets). A code is never reused for another meaning; new codes are added at
 * the end of their group. A refusal travels as one class, CodedError (./coded-error.ts); how each
 * transport says it sits beside it: the HTTP status in src/portal/http-status.ts, the CLI's exit
 * code in src/cli/errors.ts.
 *
 * Pure data: imported by workflows, activities, the portal and the CLI alike.
 */
export const ERROR_CODES = {
  LINK_INVALID: {
    retryable: false,
    message:
      'El enlace no es válido. Revise que lo haya copiado completo o pida a la coordinación uno nuevo.',
  },
  LINK_EXPIRED: {
    retryable: false,
    message: 'El enlace ha vencido. Pida a la coordinación que le envíe uno nuevo.',
  },
  LINK_SUPERSEDED: {
    retryable: false,
    message: 'Este enlace fue reemplazado por uno más reciente. Use el último correo que recibió.',
  },
  WRONG_STAGE: {
    retryable: false,
    message: 'El proceso no está esperando esta acción en su etapa actual.',
  },
  ALREADY_SIGNED: {
    retryable: false,
    message: 'Este documento ya fue firmado; no es necesario volver a firmarlo.',
  },
  MALFORMED_INPUT: {
    retryable: false,
    message: 'Los datos enviados no tienen un formato válido. Revise el archivo e intente de nuevo.',
  },
  PAYLOAD_TOO_LARGE: {
    retryable: false,
    message: 'El archivo enviado es demasiado grande.',
  },
  SIGNATURE_INVALID: {
    retryable: false,
    message:
      'La firma no es válida: no corresponde al certificado o fue alterada. Firme de nuevo el documento.',
  },
  DOCUMENT_MISMATCH: {
    retryable: false,
    message:
      'La firma corresponde a otro documento. Descargue el documento de esta página y fírmelo de nuevo.',
  },
  CERTIFICATE_UNTRUSTED: {
    retryable: false,
    message: 'El certificado no fue emitido por una autoridad de confianza. Use su e.firma vigente del SAT.',
  },
  CERTIFICATE_EXPIRED: {
    retryable: false,
    message: 'El certificado no estaba vigente en el momento de la firma. Use una e.firma vigente.',
  },
  CERTIFICATE_REVOKED: {
    retryable: false,
    message: 'El certificado fue revocado por su emisor. Use una e.firma vigente.',
  },
  CERTIFICATE_NOT_FOR_SIGNING: {
    retryable: false,
    message:
      'Este certificado no sirve para firmar documentos (por ejemplo, un sello digital CSD). Use su e.firma (FIEL).',
  },
  SIGNER_MISMATCH: {
    retryable: false,
    message:
      'El certificado no pertenece a la persona que debe firmar. Firme con la e.firma de la persona indicada.',
  },
  UNSUPPORTED_ALGORITHM: {
    retryable: false,
    message:
      'La firma usa un algoritmo no admitido. Se aceptan RSA de 2048 a 4096 bits y, en firmas CMS, ECDSA con curvas P-256, P-384 o P-521; con SHA-256, SHA-384 o SHA-512.',
  },
  DOCUMENT_MODIFIED_AFTER_SIGNING: {
    retryable: false,
    message:
      'El documento fue modificado después de firmarse con algo más que otra firma. La firma ya no ampara lo que hoy se ve en el documento.',
  },
  VERIFICATION_LIMIT_EXCEEDED: {
    retryable: false,
    message:
      'Verificarlo exige un esfuerzo mayor que el razonable: la firma trae demasiados certificados o certificados que no forman una cadena verificable, o el documento es demasiado complejo (demasiadas revisiones u objetos). Firme con su e.firma del SAT sin añadir otros certificados, sobre el documento tal como se le envió.',
  },
  SIGNATURE_IN_PROGRESS: {
    retryable: true,
    message: 'Ya se está verificando una firma para este paso. Espere el resultado antes de enviar otra.',
  },
  VERIFICATION_TIMEOUT: {
    retryable: true,
    message: 'La verificación de la firma no pudo completarse a tiempo. Intente de nuevo en unos minutos.',
  },
  PROCESS_NOT_FOUND: {
    retryable: false,
    message: 'No existe un proceso con ese identificador.',
  },
  PROCESS_ALREADY_RUNNING: {
    retryable: false,
    message: 'Ya hay un proceso en curso para este municipio y campaña.',
  },
  TEMPORAL_UNAVAILABLE: {
    retryable: true,
    message: 'El servicio no está disponible en este momento. Intente de nuevo en unos minutos.',
  },
  ORIGIN_REJECTED: {
    retryable: false,
    message: 'La solicitud no vino de la página de firma. Abra el enlace de su correo e intente de nuevo.',
  },
  EVIDENCE_MISSING: {
    retryable: false,
    message: 'Falta en el almacén de evidencias un archivo del proceso.',
  },
  EVIDENCE_UNAVAILABLE: {
    retryable: true,
    message:
      'El almacén de documentos no está disponible en este momento. Intente de nuevo en unos minutos; lo enviado no se pierde.',
  },
  RATE_LIMITED: {
    retryable: true,
    message: 'Demasiados intentos en poco tiempo. Espere un momento e intente de nuevo.',
  },
  SIGNATURE_REQUIRED: {
    retryable: false,
    message:
      'La declinación es un acto del gobierno municipal: fírmela con su e.firma en la página del enlace antes de enviarla.',
  },
  REVOCATION_UNAVAILABLE: {
    retryable: true,
    message:
      'En este momento no se puede comprobar que su certificado no esté revocado, así que la firma no se registró. La coordinación fue avisada; intente de nuevo más tarde.',
  },
  TIMESTAMP_INVALID: {
    retryable: false,
    message:
      'El sello de tiempo no es válido: no ampara este documento o esta firma, su firma no corresponde, o no proviene de una autoridad de sellado de tiempo de confianza.',
  },
  TIMESTAMP_UNAVAILABLE: {
    retryable: true,
    message:
      'La autoridad de sellado de tiempo no respondió. La firma se conserva y el sello se pedirá de nuevo automáticamente.',
  },
  NOT_FOUND: {
    retryable: false,
    message: 'La dirección solicitada no existe.',
  },
  INTERNAL_ERROR: {
    retryable: false,
    message:
      'Ocurrió un error inesperado y no se registró nada. Intente de nuevo; si el problema continúa, comuníquese con la coordinación.',
  },
} as const satisfies Record<string, { retryable: boolean; message: string }>;

/** One of the public error codes. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The signature-verification subset of {@link ErrorCode}: what a verification report can say. */
export type VerificationErrorCode = Extract<
  ErrorCode,
  | 'MALFORMED_INPUT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_ALGORITHM'
  | 'SIGNATURE_INVALID'
  | 'DOCUMENT_MISMATCH'
  | 'CERTIFICATE_NOT_FOR_SIGNING'
  | 'CERTIFICATE_UNTRUSTED'
  | 'CERTIFICATE_EXPIRED'
  | 'CERTIFICATE_REVOKED'
  | 'SIGNER_MISMATCH'
  | 'DOCUMENT_MODIFIED_AFTER_SIGNING'
  | 'VERIFICATION_LIMIT_EXCEEDED'
  | 'VERIFICATION_TIMEOUT'
  | 'REVOCATION_UNAVAILABLE'
  | 'TIMESTAMP_INVALID'
>;

/** Type guard for strings that arrive from outside (JSON, failure details). */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
