/**
 * The EU DSS lab: proof that test/support/eu-dss.ts runs DSS offline and that it reads the PAdES
 * baseline levels as ETSI means them, on files that pyHanko (eu-dss-lab.py) signs with a test PKI
 * made here with OpenSSL: a root CA, a signer (valid one year) and a TSA (ten years,
 * extendedKeyUsage critical timeStamping) that pyHanko's in-process DummyTimeStamper signs with,
 * and a CRL from `openssl ca -gencrl`, issued after the signature time-stamp, which pyHanko embeds
 * (no fetching) in the /DSS with a /VRI entry.
 *
 * - B-B: PAdES-BASELINE-B, and INDETERMINATE (no revocation data offline, no proof of existence).
 * - B-T + /DSS + document time-stamp: PAdES-BASELINE-LTA, TOTAL_PASSED; still so a year and more
 *   later, after the signer's certificate has expired, while the last time-stamp's TSA is valid.
 * - The same without the CRL: DSS falls back to PAdES-BASELINE-T and says why.
 *
 * EU_DSS_LAB_KEEP=1 keeps the scratch folder (PKI, PDFs and DSS's JSON reports) and prints its path.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureEuDss, euDssValidate, type EuDssReport, type EuDssSignature } from './eu-dss';
import { pyhankoPython } from './pdf-validators';

const LAB = join(__dirname, 'eu-dss-lab.py');
const DAY = 86_400_000;

const CA_CONFIG = `
[ca]
default_ca = lab
[lab]
dir = .
database = $dir/index.txt
new_certs_dir = $dir/issued
serial = $dir/serial
crlnumber = $dir/crlnumber
certificate = $dir/root.pem
private_key = $dir/root.key
default_md = sha256
default_crl_days = 7
policy = anything
unique_subject = no
crl_extensions = crl_ext
[anything]
commonName = supplied
organizationName = optional
countryName = optional
[req]
distinguished_name = dn
prompt = no
[dn]
CN = replaced by -subj
[root_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[signer_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = caIssuers;URI:http://127.0.0.1:9/lab-root.crt
crlDistributionPoints = URI:http://127.0.0.1:9/lab-root.crl
[tsa_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = caIssuers;URI:http://127.0.0.1:9/lab-root.crt
crlDistributionPoints = URI:http://127.0.0.1:9/lab-root.crl
[crl_ext]
authorityKeyIdentifier = keyid
`;

/** OpenSSL's time format for `openssl ca -startdate`. */
const asn1Time = (at: Date): string => at.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';

describe('EU DSS lab: offline PAdES levels from pyHanko files', function () {
  this.timeout(120_000);
  let dir: string;
  const pdfs = new Map<string, Uint8Array>();
  let root: string;

  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  };
  const lab = (...args: string[]): void => {
    try {
      execFileSync(pyhankoPython(), [LAB, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      throw new Error(`eu-dss-lab.py ${args[0]} failed: ${String((error as { stderr?: unknown }).stderr)}`, {
        cause: error,
      });
    }
  };
  /** DSS's report on one of the lab's files, kept beside it with EU_DSS_LAB_KEEP. */
  const validate = async (name: string, at?: Date): Promise<EuDssReport> => {
    const pdf = pdfs.get(name);
    assert.ok(pdf, `no ${name}.pdf`);
    const report = await euDssValidate(pdf, [root], at);
    if (process.env.EU_DSS_LAB_KEEP)
      writeFileSync(join(dir, `${name}${at ? '-at-' + at.toISOString() : ''}.json`), JSON.stringify(report));
    return report;
  };
  const only = (report: EuDssReport): EuDssSignature => {
    assert.equal(report.signatures.length, 1, JSON.stringify(report));
    return report.signatures[0]!;
  };

  before(async function () {
    this.timeout(900_000);
    ensureEuDss(); // a cold Maven repository takes a minute
    dir = mkdtempSync(join(tmpdir(), 'manifiesta-eu-dss-lab-'));
    mkdirSync(join(dir, 'issued'));
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '1000\n');
    writeFileSync(join(dir, 'crlnumber'), '01\n');
    writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG);
    for (const key of ['root', 'signer', 'tsa'])
      openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', `${key}.key`);
    openssl(
      'req',
      '-x509',
      '-new',
      '-config',
      'ca.cnf',
      '-key',
      'root.key',
      '-subj',
      '/C=MX/O=Manifiesta Lab/CN=Lab Root CA',
      '-days',
      '7300',
      '-extensions',
      'root_ext',
      '-out',
      'root.pem',
    );
    root = join(dir, 'root.pem');
    const start = asn1Time(new Date(Date.now() - DAY));
    const issue = (name: string, cn: string, days: number, extensions: string): void => {
      openssl(
        'req',
        '-new',
        '-config',
        'ca.cnf',
        '-key',
        `${name}.key`,
        '-subj',
        `/C=MX/O=Manifiesta Lab/CN=${cn}`,
        '-out',
        `${name}.csr`,
      );
      openssl(
        'ca',
        '-config',
        'ca.cnf',
        '-batch',
        '-notext',
        '-startdate',
        start,
        '-enddate',
        asn1Time(new Date(Date.now() + days * DAY)),
        '-extensions',
        extensions,
        '-in',
        `${name}.csr`,
        '-out',
        `${name}.pem`,
      );
    };
    issue('signer', 'Lab Signer', 365, 'signer_ext');
    issue('tsa', 'Lab TSA', 3650, 'tsa_ext');

    lab('sign', 'root.pem', 'signer.pem', 'signer.key', 'b.pdf');
    lab('sign', 'root.pem', 'signer.pem', 'signer.key', 't.pdf', '--tsa', 'tsa.pem', 'tsa.key');
    // The CRL after the signature time-stamp, to the second: revocation data issued after the
    // best-signature-time, as ETSI EN 319 102-1 prefers it.
    await sleep(1_100);
    openssl('ca', '-config', 'ca.cnf', '-gencrl', '-out', 'root.crl');
    lab('lta', 'root.pem', 'root.crl', 'tsa.pem', 'tsa.key', 't.pdf', 'lta.pdf');
    lab('lta', 'root.pem', 'root.crl', 'tsa.pem', 'tsa.key', 't.pdf', 'lta-no-crl.pdf', '--no-crl');
    for (const name of ['b', 't', 'lta', 'lta-no-crl'])
      pdfs.set(name, readFileSync(join(dir, `${name}.pdf`)));
  });

  after(() => {
    if (!dir) return;
    if (process.env.EU_DSS_LAB_KEEP) console.log(`EU DSS lab kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });

  it('reads a PAdES B-B signature as PAdES-BASELINE-B, INDETERMINATE offline', async () => {
    const report = await validate('b');
    const signature = only(report);
    assert.equal(signature.signatureFormat, 'PAdES-BASELINE-B');
    assert.equal(signature.signedBy, 'Lab Signer');
    assert.deepEqual(signature.timestamps, []);
    assert.deepEqual(report.timestamps, []);
    // No revocation data in the file and none fetched: the chain cannot be concluded.
    assert.equal(signature.indication, 'INDETERMINATE');
    assert.equal(signature.subIndication, 'CERTIFICATE_CHAIN_GENERAL_FAILURE');
    assert.ok(
      signature.errors.includes('No revocation data found for the certificate!'),
      signature.errors.join('\n'),
    );
    // No time-stamp: the best signature time is the validation time.
    assert.equal(signature.bestSignatureTime, report.validationTime);
  });

  it('reads a signature time-stamp, a /DSS with the CRL and a document time-stamp as PAdES-BASELINE-LTA', async () => {
    const report = await validate('lta');
    const signature = only(report);
    assert.equal(signature.signatureFormat, 'PAdES-BASELINE-LTA');
    assert.equal(signature.indication, 'TOTAL_PASSED', JSON.stringify(signature));
    assert.equal(signature.subIndication, null);
    assert.deepEqual(signature.errors, []);
    assert.deepEqual(signature.warnings, []);
    assert.deepEqual(
      signature.timestamps.map((t) => [t.type, t.indication, t.producedBy]),
      [
        ['SIGNATURE_TIMESTAMP', 'PASSED', 'Lab TSA'],
        ['DOCUMENT_TIMESTAMP', 'PASSED', 'Lab TSA'],
      ],
    );
    // The best signature time is the signature time-stamp's.
    assert.equal(signature.bestSignatureTime, signature.timestamps[0]!.productionTime);
    // The document time-stamp is reported on its own too.
    assert.deepEqual(
      report.timestamps.map((t) => t.type),
      ['SIGNATURE_TIMESTAMP', 'DOCUMENT_TIMESTAMP'],
    );
  });

  it('keeps the LTA signature TOTAL_PASSED after the signer certificate expired', async () => {
    const report = await validate('lta', new Date(Date.now() + 400 * DAY));
    const signature = only(report);
    assert.equal(signature.signatureFormat, 'PAdES-BASELINE-LTA');
    assert.equal(signature.indication, 'TOTAL_PASSED', JSON.stringify(signature));
    assert.equal(signature.bestSignatureTime, signature.timestamps[0]!.productionTime);
    assert.deepEqual(
      signature.timestamps.map((t) => t.indication),
      ['PASSED', 'PASSED'],
    );
  });

  it('reads the same file without revocation data as PAdES-BASELINE-T, INDETERMINATE', async () => {
    const signature = only(await validate('lta-no-crl'));
    assert.equal(signature.signatureFormat, 'PAdES-BASELINE-T');
    assert.equal(signature.indication, 'INDETERMINATE');
    assert.equal(signature.subIndication, 'CERTIFICATE_CHAIN_GENERAL_FAILURE');
    assert.ok(
      signature.errors.includes('No revocation data found for the certificate!'),
      signature.errors.join('\n'),
    );
    assert.deepEqual(
      signature.timestamps.map((t) => [t.type, t.indication]),
      [
        ['SIGNATURE_TIMESTAMP', 'INDETERMINATE'],
        ['DOCUMENT_TIMESTAMP', 'INDETERMINATE'],
      ],
    );
  });
});
