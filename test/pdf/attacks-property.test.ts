/**
 * Random changes to the signed letter's objects, appended as one revision: a dictionary value,
 * an array element, a new key, stream bytes or a drawing, sometimes with the trailer's /Info
 * naming the changed object. Whatever the change, our judge must not accept a letter that poppler
 * draws differently from the one signed.
 *
 * The corpus (attacks.test.ts) holds the attacks someone thought of; this looks for the ones
 * nobody did. A run is a few dozen letters, each judged, and drawn only when our judge accepts it.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PDFArray, PDFDict, PDFRawStream, type PDFObject, type PDFRef } from 'pdf-lib';
import {
  appendRevision,
  entriesText,
  genuineLetter,
  letterObjects,
  ourVerdict,
  ourVerifier,
  renderPages,
  sameRendering,
  stream,
  streamData,
  type LetterObjects,
  type Rendering,
} from '../support/pdf-attacks';
import type { SignatureVerifier } from '../../src/signatures';

/** What a revision does to one object of the signed letter. */
type Change =
  | { readonly kind: 'set'; readonly key: number; readonly value: string }
  | { readonly kind: 'element'; readonly at: number; readonly value: string }
  | { readonly kind: 'add'; readonly value: string }
  | { readonly kind: 'bytes'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'draw' };

interface Mutation {
  /** Index into the signed objects, in object-number order. */
  readonly target: number;
  readonly change: Change;
  /** The trailer's /Info names the changed object. */
  readonly namedInInfo: boolean;
}

const DRAWING = 'q BT /F2 24 Tf 0.8 0 0 rg 72 300 Td (ALTERADO) Tj ET Q';

/** The changed object's new body, and what the change was, in words. */
function changed(
  letter: LetterObjects,
  ref: PDFRef,
  object: PDFObject,
  change: Change,
): [Buffer | string, string] {
  const dict = object instanceof PDFRawStream ? object.dict : object instanceof PDFDict ? object : undefined;
  if (dict === undefined) {
    const value = 'value' in change ? change.value : '(ALTERADO)';
    return [value, `replaced by ${value}`];
  }
  let changes: Record<string, string>;
  let words: string;
  const keys = dict
    .keys()
    .map((k) => k.asString().slice(1))
    .filter((k) => k !== 'Length');
  const arrays = dict.entries().filter(([, v]) => v instanceof PDFArray) as [unknown, PDFArray][];
  if (change.kind === 'set' && keys.length > 0) {
    const key = keys[change.key % keys.length]!;
    changes = { [key]: change.value };
    words = `/${key} set to ${change.value}`;
  } else if (change.kind === 'element' && arrays.length > 0) {
    const [name, array] = arrays[change.at % arrays.length]!;
    const items = array.asArray().map(String);
    const at = items.length === 0 ? 0 : change.at % items.length;
    items[at] = change.value;
    const key = String(name).slice(1);
    changes = { [key]: `[ ${items.join(' ')} ]` };
    words = `/${key}[${at}] set to ${change.value}`;
  } else if ((change.kind === 'bytes' || change.kind === 'draw') && object instanceof PDFRawStream) {
    const data = Buffer.from(streamData(letter, ref));
    if (change.kind === 'draw') words = 'a drawing appended to its stream';
    else {
      Buffer.from(change.bytes).copy(data, change.at % Math.max(1, data.length));
      words = `${change.bytes.length} stream bytes overwritten at ${change.at % Math.max(1, data.length)}`;
    }
    const body = change.kind === 'draw' ? Buffer.concat([data, Buffer.from(`\n${DRAWING}\n`)]) : data;
    return [
      stream(entriesText(dict, { Length: undefined, Filter: undefined, DecodeParms: undefined }), body),
      words,
    ];
  } else {
    const value = 'value' in change ? change.value : '(ALTERADO)';
    changes = { Zz: value };
    words = `new key /Zz ${value}`;
  }
  if (object instanceof PDFRawStream)
    return [
      stream(entriesText(dict, { ...changes, Length: undefined }), Buffer.from(object.contents)),
      words,
    ];
  return [`<< ${entriesText(dict, changes)} >>`, words];
}

describe('PDF judge under random changes to the signed objects (property-based)', function () {
  this.timeout(120_000);
  let letter: Buffer;
  let objects: LetterObjects;
  let signed: [PDFRef, PDFObject][];
  let reference: Rendering;
  let verifier: SignatureVerifier;
  const accepted: string[] = [];

  before(async function () {
    letter = await genuineLetter();
    objects = await letterObjects(letter);
    signed = objects.doc.context
      .enumerateIndirectObjects()
      .sort(([a], [b]) => a.objectNumber - b.objectNumber);
    reference = await renderPages(letter);
    verifier = ourVerifier();
  });

  after(function () {
    console.log(
      `\n  our judge accepted ${accepted.length} of the mutated letters:\n${accepted.join('\n')}\n`,
    );
  });

  it('no appended change both alters what poppler draws and passes our judge', async function () {
    const value = fc.oneof(
      fc.integer({ min: -2000, max: 2000 }).map(String),
      fc.constantFrom(
        '/Courier',
        '/Sig',
        '/Widget',
        '/Page',
        '/FlateDecode',
        'true',
        'null',
        '(ALTERADO)',
        '[ 0 0 612 792 ]',
        '<< >>',
        '[ ]',
      ),
      fc.nat(200).map((i) => String(signed[i % signed.length]![0])),
    );
    const change: fc.Arbitrary<Change> = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.nat(), value }),
      fc.record({ kind: fc.constant('element' as const), at: fc.nat(), value }),
      fc.record({ kind: fc.constant('add' as const), value }),
      fc.record({
        kind: fc.constant('bytes' as const),
        at: fc.nat(),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
      }),
      fc.record({ kind: fc.constant('draw' as const) }),
    );
    const mutation: fc.Arbitrary<Mutation> = fc.record({
      target: fc.nat(),
      change,
      namedInInfo: fc.boolean(),
    });

    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const [ref, object] = signed[m.target % signed.length]!;
        const [body, words] = changed(objects, ref, object, m.change);
        const pdf = appendRevision(letter, {
          objects: [{ num: ref.objectNumber, gen: ref.generationNumber, body }],
          trailer: m.namedInInfo ? { Info: String(ref) } : {},
        });
        const what = `object ${String(ref)} (${object.constructor.name}): ${words}${m.namedInInfo ? '; the trailer’s /Info names it' : ''}`;
        const verdict = await ourVerdict(pdf, verifier);
        if (!verdict.valid) return;
        const drawnAlike = sameRendering(await renderPages(pdf), reference);
        accepted.push(`    ${drawnAlike ? 'drawn alike   ' : 'DRAWN CHANGED '} ${what}`);
        assert.ok(drawnAlike, `our judge accepts a letter poppler draws differently: ${what}`);
      }),
      // No shrinking: every step draws a letter, and the first counter-example says enough.
      { numRuns: 40, endOnFailure: true },
    );
  });
});
