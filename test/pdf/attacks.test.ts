/**
 * The attack corpus (test/support/pdf-attacks.ts) against our judge, with pyHanko and poppler
 * beside it: every tampered letter refused, every legitimate one accepted (two of them only as a
 * policy says), each in under 2 s, and nothing thrown but the two typed refusals.
 *
 * The table printed before the assertions is the point of the file: which attacks poppler
 * really draws, which ones each judge lets through, and what each costs.
 */
import assert from 'node:assert/strict';
import { signingFixtures } from '../support/fixtures';
import {
  buildCorpus,
  ourVerdict,
  ourVerdictInChild,
  ourVerifier,
  pyhankoVerdicts,
  type CorpusCase,
  type OurVerdict,
  type PyhankoVerdict,
} from '../support/pdf-attacks';

/** The budget of one verification. */
const LIMIT_MS = 2000;
/** A cost case's child process is killed after this: enough to see the cost, not to wait it out. */
const CHILD_SECONDS = 8;
/** pyHanko's time per file in its batch. */
const PYHANKO_SECONDS = 5;

interface Row {
  readonly c: CorpusCase;
  readonly ours: OurVerdict;
  readonly pyhanko: PyhankoVerdict;
}

const short = (code: string | null): string =>
  code === 'DOCUMENT_MODIFIED_AFTER_SIGNING'
    ? 'MODIFIED'
    : code === 'MALFORMED_INPUT'
      ? 'MALFORMED'
      : (code ?? '?');

function oursCell(v: OurVerdict): string {
  if (v.killedAfterS !== undefined) return `killed after ${v.killedAfterS} s`;
  if (v.threw !== null) return `throws ${v.threw.split(':')[0]}`;
  const each = v.signatures.map((s) => (s.valid ? 'ok' : short(s.code))).join(', ');
  return `${v.valid ? 'VALID' : 'refused'} (${each || 'no signature'})`;
}

function pyhankoCell(v: PyhankoVerdict): string {
  if (v.error !== null) return v.error === 'timeout' ? 'timeout' : `error ${v.error.split(':')[0]}`;
  const each = v.signatures
    .map((s) =>
      s.valid
        ? 'ok'
        : s.summary.includes('ILLEGAL_MODIFICATIONS')
          ? 'ILLEGAL'
          : (s.summary.split(/[,:]/)[0] ?? s.summary),
    )
    .join(', ');
  return `${v.valid ? 'VALID' : 'refused'} (${each || 'no signature'})`;
}

/** A tampered letter is refused when no signature in it is valid; a legitimate one when not valid. */
const refusedEntirely = (v: { valid: boolean; signatures: readonly { valid: boolean }[] }): boolean =>
  !v.valid && v.signatures.every((s) => !s.valid);
/** For our judge, a case with an `expect` is right when refused (by default policy, or over budget). */
const rightFor = (
  c: CorpusCase,
  v: { valid: boolean; signatures: readonly { valid: boolean }[] },
  ours = false,
): boolean => (c.tampered ? refusedEntirely(v) : ours && c.expect !== undefined ? !v.valid : v.valid);

function table(rows: readonly Row[], baseline: OurVerdict): string {
  const lines = [
    '| case | class | poppler shows change | ours | pyHanko | ours ms | ours right? | pyHanko right? |',
    '| --- | --- | --- | --- | --- | ---: | --- | --- |',
  ];
  for (const { c, ours, pyhanko } of rows)
    lines.push(
      `| ${c.name} | ${c.attackClass} | ${c.popplerShowsChange ? 'yes' : 'no'} | ${oursCell(ours)} | ${pyhankoCell(pyhanko)} | ${ours.ms.toFixed(0)} | ${rightFor(c, ours, true) ? 'yes' : 'NO'}${c.expect ? ` (${c.expect})` : ''} | ${rightFor(c, pyhanko) ? 'yes' : 'NO'} |`,
    );
  lines.push(
    '',
    'Our first reason per case (a /Sig problem, else the first modification not allowed, else the error):',
  );
  for (const { c, ours } of rows) {
    const reason = ours.threw ?? ours.signatures.map((s) => s.detail).find((d) => d !== null) ?? '—';
    lines.push(`- ${c.name} (${c.tampered ? 'tampered' : 'legitimate'}): ${reason}`);
  }
  const cost = rows.filter((r) => r.c.cost);
  const genuine = rows.find((r) => r.c.name === 'genuine-letter')!;
  lines.push(
    '',
    '| cost case | size | ours ms | ours peak RSS (child) | pyHanko ms |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| (genuine letter, same child) | ${(genuine.c.pdf.length / 1e6).toFixed(2)} MB | ${baseline.ms.toFixed(0)} | ${baseline.peakRssMb?.toFixed(0) ?? '?'} MB | ${genuine.pyhanko.ms} |`,
  );
  for (const { c, ours, pyhanko } of cost)
    lines.push(
      `| ${c.name} | ${(c.pdf.length / 1e6).toFixed(2)} MB | ${ours.killedAfterS !== undefined ? `> ${ours.killedAfterS * 1000}` : ours.ms.toFixed(0)} | ${ours.peakRssMb?.toFixed(0) ?? '?'} MB | ${pyhanko.ms} |`,
    );
  return lines.join('\n');
}

describe('PDF attack corpus: tampered letters refused, legitimate ones accepted', function () {
  this.timeout(180_000);
  let rows: Row[];

  before(async function () {
    const seconds = (since: number): string => ((Date.now() - since) / 1000).toFixed(1);
    let started = Date.now();
    const corpus = await buildCorpus();
    const phases = [`corpus of ${corpus.length} built and drawn in ${seconds(started)} s`];
    started = Date.now();
    const verifier = ourVerifier();
    const ours = new Map<string, OurVerdict>();
    for (const c of corpus.filter((c) => !c.cost)) ours.set(c.name, await ourVerdict(c.pdf, verifier));
    phases.push(`ours in ${seconds(started)} s`);
    // One at a time and alone, so that their time and memory are theirs (the machine has two
    // cores); the baseline is the genuine letter in the same kind of child.
    started = Date.now();
    for (const c of corpus.filter((c) => c.cost))
      ours.set(c.name, await ourVerdictInChild(c.pdf, CHILD_SECONDS));
    const genuine = corpus.find((c) => c.name === 'genuine-letter')!;
    const baseline = await ourVerdictInChild(genuine.pdf, CHILD_SECONDS);
    phases.push(`cost cases in ${seconds(started)} s`);
    started = Date.now();
    const pyhanko = await pyhankoVerdicts(corpus, signingFixtures().root, PYHANKO_SECONDS);
    phases.push(`pyHanko in ${seconds(started)} s`);
    rows = corpus.map((c) => ({ c, ours: ours.get(c.name)!, pyhanko: pyhanko.get(c.name)! }));
    console.log(`\n${table(rows, baseline)}\n\n${phases.join('; ')}\n`);
  });

  const list = (selected: readonly Row[]): string =>
    selected.map(({ c, ours }) => `${c.name}: ${oursCell(ours)}`).join('\n');

  it('the genuine letters (controls) are valid for us, and the letter for pyHanko', function () {
    const controls = rows.filter((r) =>
      ['genuine-letter', 'shadow-letter', 'three-field-letter', 'undefined-ref-letter'].includes(r.c.name),
    );
    assert.equal(controls.length, 4);
    assert.deepEqual(list(controls.filter((r) => !r.ours.valid)), '');
    assert.equal(rows.find((r) => r.c.name === 'genuine-letter')!.pyhanko.valid, true);
  });

  it('no tampered letter is reported valid, nor any signature in it', function () {
    assert.equal(list(rows.filter((r) => r.c.tampered && !refusedEntirely(r.ours))), '');
  });

  it('every legitimate letter is valid', function () {
    assert.equal(list(rows.filter((r) => !r.c.tampered && r.c.expect === undefined && !r.ours.valid)), '');
  });

  it('a visible signature field added after signing is a modification, unless the policy allows new fields', async function () {
    const cases = rows.filter((r) => r.c.expect === 'new-signature-fields');
    assert.ok(cases.length > 0);
    for (const { c, ours } of cases) {
      assert.equal(ours.valid, false, c.name);
      assert.ok(
        ours.signatures.some(
          (s) =>
            s.code === 'DOCUMENT_MODIFIED_AFTER_SIGNING' && /signature field .* added/.test(s.detail ?? ''),
        ),
        `${c.name}: ${oursCell(ours)}`,
      );
      const allowed = await ourVerdict(c.pdf, ourVerifier(), { allowNewSignatureFields: true });
      assert.equal(allowed.valid, true, `${c.name} with the policy: ${oursCell(allowed)}`);
    }
  });

  it('a letter beyond the reading budget is refused with VERIFICATION_LIMIT_EXCEEDED', function () {
    const cases = rows.filter((r) => r.c.expect === 'over-budget');
    assert.ok(cases.length > 0);
    for (const { c, ours } of cases) assert.match(ours.threw ?? '', /^PdfLimitError/, c.name);
  });

  it('nothing throws but PdfStructureError (MALFORMED_INPUT) or PdfLimitError (VERIFICATION_LIMIT_EXCEEDED)', function () {
    assert.equal(list(rows.filter((r) => r.ours.threw !== null && !r.ours.structureError)), '');
  });

  it(`every letter is judged in under ${LIMIT_MS} ms`, function () {
    const slow = rows.filter((r) => r.ours.ms >= LIMIT_MS);
    assert.equal(slow.map((r) => `${r.c.name}: ${r.ours.ms.toFixed(0)} ms`).join('\n'), '');
  });
});
