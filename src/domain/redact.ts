/**
 * Text bound for logs, with the personal data it may carry taken out. Logs are read by operators
 * and kept by other systems; names, e-mail addresses, RFCs and CURPs belong in the encrypted
 * process state and the sealed evidence store only. Failure messages are built without them where
 * we write them; this catches what arrives from elsewhere (an SMTP relay quoting a recipient, a
 * library quoting a value).
 *
 * Pure and sandbox-safe.
 */

const EMAIL = /[^\s<>()[\]{}"',;:]+@[^\s<>()[\]{}"',;:]+\.[A-Za-z]{2,}/g;
const CURP = /\b[A-Z][AEIOUX][A-Z]{2}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d\b/gi;
const RFC = /\b[A-ZÑ&]{3,4}\d{6}[A-Z0-9]{3}\b/gi;

/** `text` with e-mail addresses, CURPs and RFCs replaced by what they are. */
export function redactPersonalData(text: string): string {
  return text.replace(EMAIL, '<correo>').replace(CURP, '<CURP>').replace(RFC, '<RFC>');
}
