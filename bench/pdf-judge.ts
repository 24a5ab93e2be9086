/**
 * What judging a signed PDF costs: our letter signed twice (read, judge every revision, bind every
 * signature; and the whole verification with the CMS checks), p50 and p95; then hostile files,
 * each once in a process of its own, with the time to its answer and the process's peak memory
 * (the letter itself first, for the baseline).
 *
 *   npm run bench:pdf-judge [-- --iterations 200]
 */
import { spawnSync } from 'node:child_process';
import { sign } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { renderLetterPdf } from '../src/activities/letter';
import { SIGNATURE_FIELD } from '../src/domain/process';
import { PdfFile } from '../src/pdf/document';
import { readEmbeddedSignatures } from '../src/pdf/embedded';
import { embedSignature, prepareSignature } from '../src/pdf/pades';
import { judgeDocument, verifyPdfSignatures } from '../src/pdf/verify-pdf';
import { SignatureVerifier, TrustStore } from '../src/signatures';
import { TestPki, type Party } from '../test/support/pki';
import { HUIXQUILUCAN } from '../test/support/letters';

const { values } = parseArgs({
  options: { iterations: { type: 'string', default: '200' }, case: { type: 'string' } },
});
const iterations = Number(values.iterations);

const pki = new TestPki(mkdtempSync(join(tmpdir(), 'manifiesta-bench-judge-')));
const root = pki.issue('root', { name: 'AC Raiz Bench' }, null, { bits: 4096, ca: {} });
const intermediate = pki.issue('intermediate', { name: 'AC Intermedia Bench' }, root, {
  bits: 4096,
  ca: { pathLen: 0 },
});
const president = pki.issue(
  'municipal',
  { name: 'ROMINA CONTRERAS CARRASCO', rfc: 'COCR800101AB1' },
  intermediate,
);
const commissioner = pki.issue(
  'institute',
  { name: 'JOSE MARTINEZ VILCHIS', rfc: 'MAVJ650101CD2' },
  intermediate,
);
const verifier = new SignatureVerifier(TrustStore.fromCertificates([root.certDer, intermediate.certDer]));

async function signField(pdf: Buffer, field: string, party: Party): Promise<Buffer> {
  const prepared = await prepareSignature(pdf, {
    field,
    certificate: party.certDer,
    signer: { name: party.identity.name, rfc: party.identity.rfc ?? null, role: 'Bench' },
    signingTime: new Date(),
  });
  return embedSignature(prepared, {
    signature: sign('sha256', prepared.toBeSigned, party.keyPem),
    certificate: party.certDer,
    chain: [intermediate.certDer, root.certDer],
  });
}

/** `bodies` appended as one revision of new objects, or `revisions` revisions of one object each. */
function appended(pdf: Buffer, revisions: readonly (readonly string[])[]): Buffer {
  let out = pdf;
  for (const bodies of revisions) {
    const file = PdfFile.read(out, {
      maxRevisions: 100_000,
      maxValues: Number.MAX_SAFE_INTEGER,
      maxMilliseconds: 600_000,
    });
    const newest = file.revisions[file.newest]!;
    const size = newest.trailer.get('Size') as number;
    const rootRef = newest.trailer.get('Root') as { num: number; gen: number };
    const parts: string[] = [];
    let offset = out.length;
    const offsets: number[] = [];
    bodies.forEach((body, i) => {
      offsets.push(offset);
      const text = `${size + i} 0 obj\n${body}\nendobj\n`;
      parts.push(text);
      offset += Buffer.byteLength(text, 'latin1');
    });
    const xref = `xref\n${size} ${bodies.length}\n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
    const trailer = `trailer\n<< /Size ${size + bodies.length} /Root ${rootRef.num} ${rootRef.gen} R /Prev ${newest.xrefOffset} >>\nstartxref\n${offset}\n%%EOF\n`;
    out = Buffer.concat([out, Buffer.from(parts.join('') + xref + trailer, 'latin1')]);
  }
  return out;
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

function timed(name: string, run: () => unknown): void {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    run();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(44)} p50 ${percentile(samples, 50).toFixed(2).padStart(7)} ms   p95 ${percentile(samples, 95).toFixed(2).padStart(7)} ms   (n=${iterations})`,
  );
}

/** One hostile file, judged in this process: its answer, time and the process's peak memory, as JSON. */
function judgeOnce(pdf: Buffer): void {
  const started = performance.now();
  let answer: string;
  try {
    const result = verifyPdfSignatures(pdf, verifier);
    answer = result.valid ? 'valid' : result.signatures.map((s) => s.code ?? 'valid').join(', ');
  } catch (error) {
    answer = `${(error as Error).name}: ${(error as Error).message}`;
  }
  const ms = performance.now() - started;
  // VmHWM, not resourceUsage().maxRSS, which Linux carries over from the parent across an exec.
  const peakMb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;
  console.log(JSON.stringify({ size: pdf.length, ms, peakMb, answer }));
}

/** Each hostile file in a process of its own, so that its peak memory is its own. */
function once(name: string): void {
  const child = spawnSync(process.execPath, [...process.execArgv, __filename, '--case', name], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const line = child.stdout.trim().split('\n').at(-1) ?? '';
  try {
    const { size, ms, peakMb, answer } = JSON.parse(line) as {
      size: number;
      ms: number;
      peakMb: number;
      answer: string;
    };
    console.log(
      `${name.padEnd(50)} ${(size / 1e6).toFixed(2).padStart(6)} MB ${ms.toFixed(0).padStart(5)} ms  peak ${peakMb.toFixed(0).padStart(4)} MB  → ${answer.slice(0, 80)}`,
    );
  } catch {
    console.log(`${name}: the child failed (${child.status}): ${child.stderr.slice(-300)}`);
  }
}

const CASES: Record<string, (signed: Buffer) => Buffer> = {
  'the letter itself (the baseline)': (signed) => signed,
  'one array of 15 million zeros': (signed) => appended(signed, [[`[${'0 '.repeat(15_000_000)}]`]]),
  '100,000 arrays nested': (signed) => appended(signed, [['['.repeat(100_000) + ']'.repeat(100_000)]]),
  '200 revisions of one string each (accepted)': (signed) =>
    appended(
      signed,
      Array.from({ length: 200 }, (_, i) => [`(r${i})`]),
    ),
  '300 revisions (over the budget of 256)': (signed) =>
    appended(
      signed,
      Array.from({ length: 300 }, (_, i) => [`(r${i})`]),
    ),
  '50,000 new objects nothing refers to (accepted)': (signed) =>
    appended(signed, [Array.from({ length: 50_000 }, (_, i) => `[${i} ${i} ${i}]`)]),
};

async function main(): Promise<void> {
  const letter = await renderLetterPdf(HUIXQUILUCAN);
  const once1 = await signField(letter, SIGNATURE_FIELD.municipal, president);
  const signed = await signField(once1, SIGNATURE_FIELD.institute, commissioner);
  if (values.case !== undefined) return judgeOnce(CASES[values.case]!(signed));
  console.log(`carta-firmada.pdf: ${signed.length} bytes, 3 revisions, 2 signatures\n`);
  timed('read + judge + bind (structure only)', () => {
    const file = PdfFile.read(signed);
    const judged = judgeDocument(file);
    for (const s of readEmbeddedSignatures(file)) judged.after(s);
  });
  timed('verifyPdfSignatures (structure and both CMS)', () => verifyPdfSignatures(signed, verifier));
  console.log('\nhostile files, each once in a process of its own (its answer, time and peak memory):');
  for (const name of Object.keys(CASES)) once(name);
}

void main();
