/**
 * SAT's rules that the signing page applies as well, in the browser, before anything is sent: one
 * source for both. The portal serves these functions' own text to the page
 * (src/portal/browser-rules.ts), so each function here stands alone: no imports, no names from
 * outside its body, syntax every supported browser runs. test/portal/browser-rules.test.ts runs the
 * served script and holds it to the server's judgement.
 */

/**
 * Whether an issuer's organizationName (O) is SAT's: how SAT's CAs are recognised, and why so.
 * SAT's CAs write SAT's legal name there: the test CAs of the fixtures ("AC UAT" as SERVICIO DE
 * ADMINISTRACION TRIBUTARIA, "A.C. 2 de pruebas(4096)" as "Servicio de Administración
 * Tributaria"), as do the production ones (AC DEL SERVICIO DE ADMINISTRACION TRIBUTARIA). The
 * other candidates are worse: the CN changes with every CA generation; the issuer's
 * x500UniqueIdentifier is SAT's RFC in one CA and a stray "2.5.4.45" in another; the certificates
 * carry no policy OID. The name is no proof (anyone can write it into a CA of their own), and need
 * not be: the CSD rule only refuses, so a look-alike issuer only gets its own signers refused,
 * while a real CSD always names SAT.
 */
export function isSatOrganization(organization: string | null): boolean {
  if (organization === null) return false;
  const comparable = organization
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/\s+/g, ' ')
    .trim();
  return comparable === 'SERVICIO DE ADMINISTRACION TRIBUTARIA';
}

/**
 * A seal certificate for invoices (CSD), not a person's e.firma (DESIGN §3). SAT issues both to the
 * same RFC from the same CA; a CSD has an OU naming the branch and no extended key usage, a FIEL no
 * OU and extended key usage emailProtection + clientAuth. The rule is SAT's, so it applies only to
 * certificates SAT issued: another CA's signer with an OU in its subject (a department, say) and no
 * extended key usage is judged like any other.
 */
export function isSealCertificate(cert: {
  readonly issuedBySat: boolean;
  readonly hasOrganizationalUnit: boolean;
  readonly hasExtendedKeyUsage: boolean;
}): boolean {
  return cert.issuedBySat && cert.hasOrganizationalUnit && !cert.hasExtendedKeyUsage;
}

/**
 * SAT's `A / B` form of x500UniqueIdentifier (RFC) and serialNumber (CURP): a persona moral's value
 * first, its legal representative's second; each part trimmed and upper case, an empty one null.
 */
export function splitSatPair(value: string | null): [string | null, string | null] {
  if (value === null) return [null, null];
  const parts = value.split('/').map((part) => part.trim().toUpperCase());
  return [parts[0] || null, parts[1] || null];
}

/** A person's name as compared: no accents, one case, letters and digits separated by single spaces. */
export function comparableName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
