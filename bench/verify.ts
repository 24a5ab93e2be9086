/**
 * Verifications per second for CMS and PKCS #1, next to their floor: Node's bare `crypto.verify`
 * for the same RSA operations (the signature, plus one per certificate on the path below the
 * anchor) on the same keys. Both are measured in alternating short rounds of one run, so that load
 * on the machine hits both alike; medians of the rounds are printed.
 *
 *   npm run bench:verify [-- --seconds 6 --bits 2048 --document-kib 32]
 */
import { verify as cryptoVerify } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseCertificate, SignatureVerifier, TrustStore } from '../src/signatures';
import { parseCms } from '../src/signatures/cms';
import { TestPki } from '../test/support/pki';
import { opensslCms, opensslPkcs1 } from '../test/support/sign';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '6' },
    bits: { type: 'string', default: '2048' },
    'document-kib': { type: 'string', default: '32' },
  },
});
const seconds = Number(values.seconds);
const bits = Number(values.bits);
const documentKib = Number(values['document-kib']);

const pki = new TestPki(mkdtempSync(join(tmpdir(), 'manifiesta-bench-')));
const root = pki.issue('root', { name: 'AC Raiz Bench' }, null, { bits: 4096, ca: {} });
const intermediate = pki.issue('intermediate', { name: 'AC Intermedia Bench' }, root, {
  bits: 4096,
  ca: { pathLen: 0 },
});
const signer = pki.issue(
  'signer',
  { name: 'FIRMANTE BENCH', rfc: 'BEFI700101AA1', curp: 'BEFI700101HMCNRR01' },
  intermediate,
  { bits },
);
const document = Buffer.alloc(documentKib * 1024, 'Manifestación expresa de la intención de participar. ');
const expectedSigner = { rfc: 'BEFI700101AA1' };

const cms = opensslCms(document, signer, { carry: [intermediate] });
const pkcs1 = opensslPkcs1(document, signer);
const verifier = new SignatureVerifier(TrustStore.fromCertificates([root.certDer]));
// A raw PKCS #1 signature carries no intermediates: the intermediate is configured as an anchor.
const pkcs1Verifier = new SignatureVerifier(TrustStore.fromCertificates([intermediate.certDer]));
const coldVerifier = new SignatureVerifier(TrustStore.fromCertificates([root.certDer]), {
  certificateCacheSize: 0,
});

// The floor's inputs, with keys imported once, as a bare crypto.verify caller would have them.
const signerCert = parseCertificate(signer.certDer);
const intermediateCert = parseCertificate(intermediate.certDer);
const rootCert = parseCertificate(root.certDer);
const { signedAttributes, signature: signatureValue } = parseCms(cms).signer;
const signerLink = (): boolean =>
  cryptoVerify('sha256', signerCert.tbs, intermediateCert.publicKey, signerCert.signature);
const intermediateLink = (): boolean =>
  cryptoVerify('sha256', intermediateCert.tbs, rootCert.publicKey, intermediateCert.signature);

const expectValid = (ok: boolean): void => {
  if (!ok) throw new Error('a benchmark input does not verify');
};

/** Operations per second of `fn` over about `ms` milliseconds. */
function rate(fn: () => void, ms: number): number {
  let count = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(ms * 1e6));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < 10; i++) fn();
    count += 10;
    elapsed = process.hrtime.bigint() - start;
  }
  return count / (Number(elapsed) / 1e9);
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function compare(name: string, rsa: number, full: () => void, floor: () => void): void {
  for (let i = 0; i < 100; i++) {
    full();
    floor();
  }
  const rounds = 15;
  const ms = (seconds * 1000) / rounds / 2;
  const fulls: number[] = [];
  const floors: number[] = [];
  for (let r = 0; r < rounds; r++) {
    fulls.push(rate(full, ms));
    floors.push(rate(floor, ms));
  }
  const [f, b] = [median(fulls), median(floors)];
  console.log(
    `${name.padEnd(38)} ${f.toFixed(0).padStart(6)} verifications/s | floor (${rsa} × crypto.verify) ` +
      `${b.toFixed(0).padStart(6)}/s | ratio ${(b / f).toFixed(2)}×`,
  );
}

console.log(
  `signer RSA-${bits}, intermediate and root RSA-4096, document ${documentKib} KiB, ` +
    `${seconds}s per row in alternating rounds, node ${process.version}`,
);
const cmsFloor = (): void =>
  expectValid(
    cryptoVerify('sha256', signedAttributes!.signedBytes, signerCert.publicKey, signatureValue) &&
      signerLink() &&
      intermediateLink(),
  );
compare(
  'CMS, signed attributes, chain carried',
  3,
  () => expectValid(verifier.verify({ document, signature: cms, expectedSigner }).valid),
  cmsFloor,
);
compare(
  'PKCS#1 v1.5 SHA-256 + certificate',
  2,
  () =>
    expectValid(
      pkcs1Verifier.verify({ document, signature: pkcs1, certificate: signer.certDer, expectedSigner }).valid,
    ),
  () => expectValid(cryptoVerify('sha256', document, signerCert.publicKey, pkcs1) && signerLink()),
);
compare(
  'CMS, cold (certificate cache off)',
  3,
  () => expectValid(coldVerifier.verify({ document, signature: cms, expectedSigner }).valid),
  cmsFloor,
);
