/**
 * The privacy notice used when `PRIVACY_NOTICE_FILE` is not set: a Spanish default, in the form the
 * State of Mexico's data-protection law asks of a public body (who is responsible, what data and
 * why, transfers, how to exercise the ARCO rights, where the full notice is), for the institute
 * that runs the process. The institution's legal team replaces it with its own file.
 */
export const DEFAULT_PRIVACY_NOTICE = `Versión: 2026-12-02 (texto predeterminado de manifiesta)

Aviso de privacidad simplificado. El Instituto de Transparencia, Acceso a la Información Pública y Protección de Datos Personales del Estado de México y Municipios (o la autoridad que asuma sus funciones) es responsable de los datos personales que se recaban en esta página.

Al firmar se leen de su certificado de e.firma su nombre, RFC, CURP, número de serie y vigencia; se registran además su correo electrónico, la dirección de red desde la que firma y la fecha y hora. Se usan sólo para comprobar su identidad, registrar la firma de la manifestación de intención de su municipio en el proceso de Gobierno Abierto, integrar el expediente de evidencia y enviarle los avisos del proceso.

Sus datos no se transfieren a terceros, salvo a la coordinación del proceso y al municipio que representa, y cuando una ley lo ordene. Puede ejercer sus derechos de acceso, rectificación, cancelación y oposición (ARCO) ante la Unidad de Transparencia del responsable o en la Plataforma Nacional de Transparencia. El aviso de privacidad integral está en la dirección indicada abajo.

---

Aviso de privacidad integral.

Responsable. El Instituto de Transparencia, Acceso a la Información Pública y Protección de Datos Personales del Estado de México y Municipios, o la autoridad que asuma sus funciones conforme a la reforma constitucional del Estado de México de 2025, es responsable del tratamiento de los datos personales que se recaban en el proceso de adhesión de los municipios al modelo de Gobierno Abierto.

Datos que se recaban. Nombre, Registro Federal de Contribuyentes (RFC) y Clave Única de Registro de Población (CURP) tal como constan en el certificado de e.firma del firmante; el certificado mismo (número de serie, emisor y vigencia); el correo electrónico al que se envían los enlaces de firma; la dirección de red desde la que se firma, y la fecha y hora de cada actuación. No se recaban datos personales sensibles.

Finalidades. Comprobar la identidad de quien firma; registrar la firma de la manifestación de intención y su contrafirma; integrar, conservar y poner a disposición el expediente de evidencia del proceso; enviar los avisos, recordatorios y constancias del proceso. No se usan para otras finalidades.

Fundamento. Ley General de Protección de Datos Personales en Posesión de Sujetos Obligados y Ley de Protección de Datos Personales en Posesión de Sujetos Obligados del Estado de México y Municipios.

Transferencias. Los datos se comunican a la coordinación del proceso y al municipio que el firmante representa; no se transfieren a terceros salvo las excepciones previstas en la ley o por mandato de autoridad competente.

Conservación y seguridad. Los datos se conservan cifrados mientras el expediente deba conservarse; en los sistemas de terceros que participan en el proceso sólo viajan cifrados.

Derechos ARCO. El titular puede ejercer sus derechos de acceso, rectificación, cancelación y oposición, así como la portabilidad de sus datos, ante la Unidad de Transparencia del responsable o a través de la Plataforma Nacional de Transparencia; la solicitud se atiende en los plazos que fija la ley.

Cambios. Las modificaciones a este aviso se publican en esta misma dirección; cada firma registra la versión y la huella SHA-256 del aviso que se mostró.
`;
