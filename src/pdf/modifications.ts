/**
 * What changed after a signature, and whether it was allowed.
 *
 * A signature covers one revision; the letter's second signature is appended after the first,
 * so "the bytes are unchanged" cannot be the rule. ISO 32000-1 §12.8.2.2 (DocMDP, level 2) and
 * pyHanko's default diff policy allow later revisions to fill in and sign form fields; this is
 * that rule for a document without form fields other than signatures:
 *
 * - an empty signature field gains /V (a signature dictionary) and /AP (its appearance);
 * - a new signature field is added: to a page's /Annots and the AcroForm's /Fields, nothing else;
 * - the AcroForm's /SigFlags, /DR and /DA, the catalog's /DSS (validation data, PAdES B-LT) and
 *   the document information dictionary (/Info: producer, dates) may change;
 * - new objects must hang from those changes (signature dictionaries, appearance streams, fonts,
 *   DSS streams).
 *
 * Anything else (a page's content or resources, another kind of annotation, other catalog
 * entries, a deleted object) is not allowed. Each revision is compared object by object with the
 * one before it, as their cross-reference sections define them (revisions.ts).
 */
import {
  PDFArray,
  PDFDict,
  PDFHexString,
  PDFName,
  PDFRawStream,
  PDFRef,
  PDFString,
  type PDFContext,
  type PDFObject,
} from 'pdf-lib';
import type { EmbeddedSignature } from './embedded';
import { serialize } from './incremental';
import { loadRevision, readingPdf, readRevisions, type Revision } from './revisions';

export interface Modifications {
  /** False when any later revision made a change that is not signing. */
  readonly allowed: boolean;
  /** One line per change, in English, e.g. `revision 4: not allowed: page 2 changed /Contents`. */
  readonly details: readonly string[];
}

/** Judges every revision after the one `signature` covers. @throws PdfStructureError */
export function modificationsAfter(pdf: Uint8Array, signature: EmbeddedSignature): Modifications {
  if (signature.revision === null)
    return {
      allowed: false,
      details: [`the signed bytes end at ${signature.revisionEnd}, not at a revision's end`],
    };
  const revisions = readRevisions(pdf);
  const contexts: PDFContext[] = [];
  const at = (i: number): PDFContext => (contexts[i] ??= loadRevision(pdf, revisions, i));
  const details: string[] = [];
  let allowed = true;
  for (let i = signature.revision; i < revisions.length; i++) {
    const judged = readingPdf(() => new RevisionJudge(at(i - 1), at(i)).judge(revisions[i]!));
    details.push(...judged.map(([ok, text]) => `revision ${i + 1}: ${ok ? '' : 'not allowed: '}${text}`));
    allowed &&= judged.every(([ok]) => ok);
  }
  return { allowed, details };
}

type Verdict = [allowed: boolean, detail: string];

const name = (key: string): PDFName => PDFName.of(key);
const same = (a: PDFObject | undefined, b: PDFObject | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && serialize(a).equals(serialize(b)));

/** Keys whose values differ (for a stream, its dictionary's, plus `stream data`). */
function changedKeys(before: PDFObject, after: PDFObject): string[] {
  const dictOf = (o: PDFObject): PDFDict | undefined =>
    o instanceof PDFDict ? o : o instanceof PDFRawStream ? o.dict : undefined;
  const [old, now] = [dictOf(before), dictOf(after)];
  if (old === undefined || now === undefined || before.constructor !== after.constructor)
    return same(before, after) ? [] : ['(whole object)'];
  const keys = new Set([...old.keys(), ...now.keys()].map((k) => k.decodeText()));
  const changed = [...keys].filter((k) => !same(old.get(name(k)), now.get(name(k)))).map((k) => `/${k}`);
  if (
    before instanceof PDFRawStream &&
    !Buffer.from(before.contents).equals((after as PDFRawStream).contents)
  )
    changed.push('stream data');
  return changed;
}

const only = (keys: readonly string[], allowed: readonly string[]): boolean =>
  keys.every((k) => allowed.includes(k));
const resolve = (context: PDFContext, object: PDFObject | undefined): PDFObject | undefined =>
  object instanceof PDFRef ? context.lookup(object) : object;

/** The elements of an array given directly or by reference; none for an absent one. */
function elements(context: PDFContext, object: PDFObject | undefined): PDFObject[] | undefined {
  const array = resolve(context, object);
  return object === undefined ? [] : array instanceof PDFArray ? array.asArray() : undefined;
}

/** A signature field: /FT /Sig on the dictionary or inherited from its /Parent (§12.7.3.1). */
function isSignatureField(context: PDFContext, object: PDFObject | undefined, depth = 0): boolean {
  const dict = resolve(context, object);
  if (!(dict instanceof PDFDict) || depth > 32) return false;
  const type = dict.get(name('FT'));
  return type === undefined
    ? isSignatureField(context, dict.get(name('Parent')), depth + 1)
    : type === name('Sig');
}

/** Page numbers (1-based) by page object, walking the page tree (§7.7.3). */
function pageNumbers(context: PDFContext): Map<string, number> {
  const pages = new Map<string, number>();
  const walk = (node: PDFObject | undefined, depth: number): void => {
    const dict = node instanceof PDFRef ? context.lookup(node) : undefined;
    if (!(dict instanceof PDFDict) || depth > 64 || pages.has(String(node))) return;
    const kids = dict.lookupMaybe(name('Kids'), PDFArray);
    if (kids === undefined) pages.set(String(node), pages.size + 1);
    else for (const kid of kids.asArray()) walk(kid, depth + 1);
  };
  walk(context.lookupMaybe(context.trailerInfo.Root, PDFDict)?.get(name('Pages')), 0);
  return pages;
}

/** One revision against the one before it. */
class RevisionJudge {
  private readonly verdicts: Verdict[] = [];
  /** What the allowed changes point to: every new object must hang from these. */
  private readonly roots: PDFObject[] = [];
  private readonly added = new Map<number, PDFObject>();
  private readonly pages: Map<string, number>;
  private readonly catalog: string;

  constructor(
    private readonly before: PDFContext,
    private readonly after: PDFContext,
  ) {
    this.pages = pageNumbers(after);
    this.catalog = String(after.trailerInfo.Root);
  }

  judge(revision: Revision): Verdict[] {
    const { before, after } = this;
    if (this.catalog !== String(before.trailerInfo.Root))
      this.say(false, 'the trailer names another catalog');
    this.root(after.trailerInfo.Info); // metadata: nothing under /Info is displayed
    for (const entry of revision.entries) {
      const ref = PDFRef.of(entry.objectNumber, entry.kind === 'offset' ? entry.generation : 0);
      const [old, now] = [before.lookup(ref), after.lookup(ref)];
      if (entry.kind === 'free' || now === undefined) {
        if (old !== undefined) this.say(false, `object ${entry.objectNumber} deleted`);
      } else if (old === undefined) {
        this.added.set(entry.objectNumber, now);
      } else {
        const keys = changedKeys(old, now);
        if (keys.length > 0) this.judgeChange(ref, old, now, keys);
      }
    }
    this.judgeNewObjects();
    return this.verdicts;
  }

  private judgeChange(ref: PDFRef, old: PDFObject, now: PDFObject, keys: string[]): void {
    const { after } = this;
    const list = keys.join(', ');
    const acroForm = after.lookupMaybe(after.trailerInfo.Root, PDFDict)?.get(name('AcroForm'));
    if (
      now instanceof PDFDict &&
      old instanceof PDFDict &&
      isSignatureField(after, now) &&
      only(keys, ['/V', '/AP'])
    ) {
      const field =
        now.lookupMaybe(name('T'), PDFString, PDFHexString)?.decodeText() ?? `object ${ref.objectNumber}`;
      const type = now.lookupMaybe(name('V'), PDFDict)?.get(name('Type'));
      const signs =
        old.get(name('V')) === undefined && (type === name('Sig') || type === name('DocTimeStamp'));
      this.root(now.get(name('V')), now.get(name('AP')));
      this.say(signs, signs ? `signature field ${field} signed` : `signature field ${field} changed ${list}`);
    } else if (String(ref) === this.catalog && now instanceof PDFDict && old instanceof PDFDict) {
      this.root(now.get(name('DSS')));
      const formOk =
        !keys.includes('/AcroForm') ||
        this.judgeAcroForm(old.get(name('AcroForm')), now.get(name('AcroForm')));
      this.say(only(keys, ['/DSS', '/AcroForm']) && formOk, `the catalog changed ${list}`);
    } else if (String(ref) === String(acroForm)) {
      this.say(this.judgeAcroForm(old, now), `the AcroForm changed ${list}`);
    } else if (this.pages.has(String(ref)) && now instanceof PDFDict && old instanceof PDFDict) {
      const ok =
        only(keys, ['/Annots']) &&
        this.gainedSignatureFields(old.get(name('Annots')), now.get(name('Annots')));
      this.say(
        ok,
        `page ${this.pages.get(String(ref))} changed ${list}${ok ? ': signature field added' : ''}`,
      );
    } else if (String(ref) === String(after.trailerInfo.Info)) {
      this.say(true, `document information changed ${list}`);
    } else if (old instanceof PDFArray && this.gainedSignatureFields(old, now)) {
      this.say(true, `object ${ref.objectNumber}: signature field added`);
    } else {
      this.say(false, `object ${ref.objectNumber} changed ${list}`);
    }
  }

  /** The AcroForm (§12.7.2) may gain signature fields and set /SigFlags, /DR and /DA. */
  private judgeAcroForm(old: PDFObject | undefined, now: PDFObject | undefined): boolean {
    const [was, is] = [resolve(this.before, old), resolve(this.after, now)];
    if (!(was instanceof PDFDict) || !(is instanceof PDFDict)) return false;
    const keys = changedKeys(was, is);
    this.root(is.get(name('DR')));
    const fields =
      !keys.includes('/Fields') ||
      this.gainedSignatureFields(was.get(name('Fields')), is.get(name('Fields')));
    return only(keys, ['/Fields', '/SigFlags', '/DR', '/DA']) && fields;
  }

  /** True when an array (or a reference to one) only gained signature fields; they become roots. */
  private gainedSignatureFields(old: PDFObject | undefined, now: PDFObject | undefined): boolean {
    const [was, is] = [elements(this.before, old), elements(this.after, now)];
    if (was === undefined || is === undefined) return false;
    const previous = new Set(was.map(String));
    const current = new Set(is.map(String));
    const gained = is.filter((o) => !previous.has(String(o)));
    if ([...previous].some((o) => !current.has(o))) return false;
    if (!gained.every((o) => o instanceof PDFRef && isSignatureField(this.after, o))) return false;
    this.root(...gained);
    return true;
  }

  /** New objects are allowed only when reachable from the allowed changes, through new objects. */
  private judgeNewObjects(): void {
    const reached = new Set<number>();
    const queue = [...this.roots];
    for (let item = queue.pop(); item !== undefined; item = queue.pop()) {
      if (item instanceof PDFRef) {
        const object = this.added.get(item.objectNumber);
        if (object === undefined || reached.has(item.objectNumber)) continue;
        reached.add(item.objectNumber);
        queue.push(object);
      } else if (item instanceof PDFDict) queue.push(...item.values());
      else if (item instanceof PDFArray) queue.push(...item.asArray());
      else if (item instanceof PDFRawStream) queue.push(item.dict);
    }
    for (const [number, object] of this.added) {
      if (reached.has(number)) continue;
      const dict =
        object instanceof PDFRawStream ? object.dict : object instanceof PDFDict ? object : undefined;
      const types = [dict?.get(name('Type')), dict?.get(name('Subtype'))].filter((t) => t !== undefined);
      const kind = types.join(' ') || (object instanceof PDFRawStream ? 'stream' : object.constructor.name);
      this.say(false, `new object ${number} (${kind}) is not part of a signature`);
    }
  }

  private root(...objects: (PDFObject | undefined)[]): void {
    for (const object of objects) if (object !== undefined) this.roots.push(object);
  }

  private say(allowed: boolean, detail: string): void {
    this.verdicts.push([allowed, detail]);
  }
}
