/**
 * The two server steps of a signature inside the PDF, as the worker runs them (the activities,
 * with the verification pool and a sealed folder evidence store), p50 and p95:
 *
 * - prepare: judge the certificate, append the signer's revision, store it;
 * - embed: check the PKCS #1 signature, write the CMS, verify the embedded signature, store.
 *
 * Each iteration signs the letter twice (municipal, then institute), so both revisions of
 * carta-firmada.pdf are measured; its size is printed. The signer's RSA operation (the browser's
 * part) is outside the timings.
 *
 *   npm run bench:pades [-- --iterations 60]
 */
import { randomBytes, sign } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { padesActivities } from '../src/activities/pades';
import { renderLetterPdf } from '../src/activities/letter';
import { parseKeyring } from '../src/codec/keyring';
import { DEFAULT_INSTITUTION, SIGNATURE_FIELD, type Role } from '../src/domain/process';
import { TrustStore, VerificationPool } from '../src/signatures';
import { openStores, type ContentAddressedStore } from '../src/storage';
import { TestPki, type Party } from '../test/support/pki';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '60' } } });
const iterations = Number(values.iterations);

const pki = new TestPki(mkdtempSync(join(tmpdir(), 'manifiesta-bench-pades-')));
// As SAT's chain: 4096-bit CAs, 2048-bit signers; the CMS carries the intermediate and the root.
const root = pki.issue('root', { name: 'AC Raiz Bench' }, null, { bits: 4096, ca: {} });
const intermediate = pki.issue('intermediate', { name: 'AC Intermedia Bench' }, root, {
  bits: 4096,
  ca: { pathLen: 0 },
});
const signers: Record<Role, Party> = {
  municipal: pki.issue(
    'municipal',
    { name: 'ROMINA CONTRERAS CARRASCO', rfc: 'COCR800101AB1' },
    intermediate,
  ),
  institute: pki.issue('institute', { name: 'JOSE MARTINEZ VILCHIS', rfc: 'MAVJ650101CD2' }, intermediate),
};

const keyring = parseKeyring(JSON.stringify({ bench: randomBytes(32).toString('base64') }));
const { evidence, preparations } = openStores(
  { kind: 'folder', dir: mkdtempSync(join(tmpdir(), 'manifiesta-bench-ev-')) },
  keyring,
);
const verifier = new VerificationPool(TrustStore.fromCertificates([root.certDer, intermediate.certDer]));
const stored = async (
  sha256: string,
  _what: string,
  from: ContentAddressedStore = evidence,
): Promise<Buffer> => (await from.get(sha256))!;
const activities = padesActivities({ evidence, preparations, verifier, stored });

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const line = (name: string, samples: number[]): string => {
  const sorted = [...samples].sort((a, b) => a - b);
  return `${name.padEnd(26)} p50 ${percentile(sorted, 50).toFixed(1).padStart(6)} ms   p95 ${percentile(
    sorted,
    95,
  )
    .toFixed(1)
    .padStart(6)} ms   (n=${sorted.length})`;
};

async function main(): Promise<void> {
  const timings: Record<string, number[]> = {
    'prepare (municipal)': [],
    'embed (municipal)': [],
    'prepare (institute)': [],
    'embed (institute)': [],
  };
  let signedSize = 0;
  let letterSize = 0;
  for (let i = 0; i < iterations + 3; i++) {
    const warm = i < 3; // the first iterations load fonts, threads and caches
    const letter = await renderLetterPdf({
      workflowId: `adhesion-bench-${15000 + i}`,
      municipality: 'Huixquilucan',
      inegiCode: '15037',
      president: { name: signers.municipal.identity.name, email: 'p@example.mx' },
      commissioner: { name: signers.institute.identity.name, email: 'c@example.mx' },
      letterDate: '2022-07-08',
      place: 'Huixquilucan, Estado de México',
      institution: DEFAULT_INSTITUTION,
    });
    letterSize = letter.length;
    let base = await evidence.put(letter);
    for (const role of ['municipal', 'institute'] as const) {
      const party = signers[role];
      const expectedSigner = {
        rfc: party.identity.rfc ?? null,
        curp: null,
        name: party.identity.name,
        acceptAnySigner: false,
      };
      const at = new Date().toISOString();
      let started = performance.now();
      const prepared = await activities.preparePadesSignature({
        baseSha256: base,
        field: SIGNATURE_FIELD[role],
        certificateBase64: party.certDer.toString('base64'),
        signer: { name: party.identity.name, rfc: party.identity.rfc ?? null, role: 'Bench' },
        expectedSigner,
        at,
        documentSha256: base,
        // As version 7 prepares: in the preparation store, discarded once the signature used it.
        supersedes: null,
      });
      if (!warm) timings[`prepare (${role})`]!.push(performance.now() - started);
      if (!prepared.preparation) throw new Error(`prepare refused: ${prepared.report.code}`);
      const signature = sign(
        'sha256',
        Buffer.from(prepared.preparation.toBeSignedBase64, 'base64'),
        party.keyPem,
      );
      started = performance.now();
      const embedded = await activities.embedPadesSignature({
        preparationSha256: prepared.preparation.sha256,
        preparationStore: 'preparations',
        signatureBase64: signature.toString('base64'),
        certificateBase64: party.certDer.toString('base64'),
        expectedSigner,
        at,
      });
      if (!warm) timings[`embed (${role})`]!.push(performance.now() - started);
      if (!embedded.signedDocument) throw new Error(`embed refused: ${embedded.report.code}`);
      base = embedded.signedDocument.sha256;
      signedSize = embedded.signedDocument.size;
    }
  }
  console.log(`PAdES activities, ${iterations} letters signed twice (node ${process.version})`);
  for (const [name, samples] of Object.entries(timings)) console.log(line(name, samples));
  console.log(
    `carta.pdf ${letterSize} bytes; carta-firmada.pdf ${signedSize} bytes (${(signedSize / 1024).toFixed(1)} KiB, two signatures)`,
  );
  await verifier.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
