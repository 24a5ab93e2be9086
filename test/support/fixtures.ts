/** The signing fixtures every signature test shares, generated once per test run. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTrustStore, TrustStore, VerificationPool } from '../../src/signatures';
import { TestPki, type Party } from './pki';

const DAY = 86_400_000;

export interface SigningFixtures {
  readonly pki: TestPki;
  readonly root: Party;
  readonly intermediate: Party;
  /** The municipal president: a persona física FIEL. */
  readonly president: Party;
  /** Infoem's commissioner. */
  readonly commissioner: Party;
  /** A persona moral e.firma: `RFC_MORAL / RFC_REPRESENTANTE`. */
  readonly moral: Party;
  readonly signer4096: Party;
  readonly expired: Party;
  readonly notYetValid: Party;
  readonly revoked: Party;
  readonly revokedLater: Party;
  readonly wrongUsage: Party;
  readonly serverAuthOnly: Party;
  readonly csdLike: Party;
  readonly weak1024: Party;
  readonly untrustedRoot: Party;
  readonly untrustedSigner: Party;
  /** Issued by the president's (non-CA) certificate: the basicConstraints bypass. */
  readonly issuedByLeaf: Party;
  readonly subCa: Party;
  /** Under subCa, below an intermediate whose pathLenConstraint is 0. */
  readonly pathLenViolator: Party;
  /** The intermediate's CRL (revoked, revokedLater), current for 30 days from now. */
  readonly crlPath: string;
  /** The root's CRL, revoking nothing, current for 30 days from now. */
  readonly rootCrlPath: string;
  /** A CRL naming the intermediate as issuer, signed by an impostor key. */
  readonly forgedCrlPath: string;
  readonly revokedAt: Date;
  readonly revokedLaterAt: Date;
}

let cached: SigningFixtures | undefined;

export function signingFixtures(): SigningFixtures {
  cached ??= build();
  return cached;
}

function build(): SigningFixtures {
  const pki = new TestPki(mkdtempSync(join(tmpdir(), 'manifiesta-pki-')));
  const now = Date.now();
  // The CAs stand for SAT's, and are named as SAT names its CAs (O=SERVICIO DE ADMINISTRACION
  // TRIBUTARIA): what makes the CSD rule apply to the certificates they issue.
  const sat = (name: string) => ({ name, organization: 'SERVICIO DE ADMINISTRACION TRIBUTARIA' });
  const root = pki.issue('root', sat('AC Raiz de Pruebas manifiesta'), null, { bits: 4096, ca: {} });
  const intermediate = pki.issue('intermediate', sat('AC Intermedia de Pruebas manifiesta'), root, {
    ca: { pathLen: 0 },
  });
  const fiel = (label: string, name: string, rfc: string, curp: string, options = {}): Party =>
    pki.issue(label, { name, rfc, curp, email: `${label}@example.mx` }, intermediate, options);

  const president = fiel('president', 'ROMINA CONTRERAS CARRASCO', 'COCR800101AB1', 'COCR800101MMCNRM09');
  const commissioner = fiel('commissioner', 'JOSÉ MARTÍNEZ VILCHIS', 'MAVJ650101CD2', 'MAVJ650101HMCRLS05');
  const moral = pki.issue(
    'moral',
    { name: 'MUNICIPIO DE HUIXQUILUCAN', rfc: 'MHE850101EF3 / COCR800101AB1', curp: ' / COCR800101MMCNRM09' },
    intermediate,
  );
  const signer4096 = fiel('signer4096', 'ANA LÓPEZ RUIZ', 'LORA700101GH4', 'LORA700101MMCPZN01', {
    bits: 4096,
  });
  const expired = fiel('expired', 'PEDRO EXPIRADO', 'EXPE700101AA1', 'EXPE700101HMCXPD01', {
    notBefore: new Date(now - 800 * DAY),
    notAfter: new Date(now - 10 * DAY),
  });
  const notYetValid = fiel('notyet', 'LUCIA FUTURA', 'FULU700101AA1', 'FULU700101MMCTCS01', {
    notBefore: new Date(now + 10 * DAY),
    notAfter: new Date(now + 800 * DAY),
  });
  const revoked = fiel('revoked', 'RAUL REVOCADO', 'RERA700101AA1', 'RERA700101HMCVLL01');
  const revokedLater = fiel('revokedlater', 'IRMA TARDIA', 'TAIR700101AA1', 'TAIR700101MMCRRM01');
  const wrongUsage = fiel('wrongusage', 'CIFRADO SOLAMENTE', 'CISO700101AA1', 'CISO700101HMCFLL01', {
    keyUsage: { keyEncipherment: true },
  });
  const serverAuthOnly = fiel('serverauth', 'SERVIDOR WEB', 'SEWE700101AA1', 'SEWE700101HMCRBR01', {
    extKeyUsage: { serverAuth: true },
  });
  const csdLike = pki.issue(
    'csdlike',
    { name: 'ROMINA CONTRERAS CARRASCO', rfc: 'COCR800101AB1', curp: 'COCR800101MMCNRM09', ou: 'SUCURSAL 1' },
    intermediate,
    { keyUsage: { digitalSignature: true, nonRepudiation: true }, extKeyUsage: null },
  );
  const weak1024 = fiel('weak1024', 'CLAVE CORTA', 'CLCO700101AA1', 'CLCO700101HMCLRT01', { bits: 1024 });
  const untrustedRoot = pki.issue('untrusted-root', { name: 'AC Desconocida' }, null, { ca: {} });
  const untrustedSigner = pki.issue(
    'untrusted-signer',
    { name: 'ROMINA CONTRERAS CARRASCO', rfc: 'COCR800101AB1', curp: 'COCR800101MMCNRM09' },
    untrustedRoot,
  );
  const issuedByLeaf = pki.issue(
    'issued-by-leaf',
    { name: 'FIRMANTE FALSO', rfc: 'FAFI700101AA1', curp: 'FAFI700101HMCLRR01' },
    president,
  );
  const subCa = pki.issue('subca', { name: 'AC Subordinada' }, intermediate, { ca: {} });
  const pathLenViolator = pki.issue(
    'pathlen',
    { name: 'FIRMANTE PROFUNDO', rfc: 'PRFI700101AA1', curp: 'PRFI700101HMCRRR01' },
    subCa,
  );
  const revokedAt = new Date(now - 2 * DAY);
  const revokedLaterAt = new Date(now + 5 * DAY);
  const crlPath = pki.crl('intermediate', intermediate, [
    { party: revoked, at: revokedAt },
    { party: revokedLater, at: revokedLaterAt },
  ]);
  const rootCrlPath = pki.crl('root', root, []);
  const impostor = pki.issue('impostor', sat('AC Intermedia de Pruebas manifiesta'), untrustedRoot, {
    ca: {},
  });
  const forgedCrlPath = pki.crl('forged', impostor, [{ party: president, at: revokedAt }]);

  return {
    pki,
    root,
    intermediate,
    president,
    commissioner,
    moral,
    signer4096,
    expired,
    notYetValid,
    revoked,
    revokedLater,
    wrongUsage,
    serverAuthOnly,
    csdLike,
    weak1024,
    untrustedRoot,
    untrustedSigner,
    issuedByLeaf,
    subCa,
    pathLenViolator,
    crlPath,
    rootCrlPath,
    forgedCrlPath,
    revokedAt,
    revokedLaterAt,
  };
}

let pool: VerificationPool | undefined;
let bestEffortPool: VerificationPool | undefined;

/**
 * The test run's verification threads, as production has them: trusting the root and the
 * intermediate (as production trusts SAT's roots and intermediates: a raw PKCS#1 signature carries
 * no chain), with both CAs' current CRLs, and revocation required.
 */
export function testVerifier(): VerificationPool {
  const f = signingFixtures();
  pool ??= new VerificationPool(
    loadTrustStore({
      anchors: [f.root.certPath, f.intermediate.certPath],
      crls: [f.crlPath, f.rootCrlPath],
      revocationPolicy: 'required',
    }),
    { threads: 2 },
  );
  return pool;
}

/**
 * The same anchors without CRLs, revocation best-effort: for processes judged weeks ahead on the
 * time-skipping server, past any CRL's nextUpdate.
 */
export function bestEffortVerifier(): VerificationPool {
  const f = signingFixtures();
  bestEffortPool ??= new VerificationPool(
    TrustStore.fromCertificates([f.root.certDer, f.intermediate.certDer]),
    { threads: 1 },
  );
  return bestEffortPool;
}
