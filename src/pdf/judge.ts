/**
 * What a revision added after a signature, judged by a whitelist (the way pyHanko's diff analysis
 * and EU DSS do it): every object the revision changed or added must be proven to be one of the
 * allowed kinds, by its place in the document's structure, and anything else (or anything whose
 * kind cannot be proven) is a modification. What a signature vouches for is what a viewer draws;
 * so the question is never "what does this object call itself" but "what can it change on screen".
 *
 * Allowed after a signature (each a kind of change that draws nothing new outside a signature
 * field's box, or nothing at all):
 *
 * - **Signing an existing empty signature field**: the field (listed in the form before) gains
 *   /V, a signature dictionary new in this revision, and its widget its own appearance /AP; its
 *   /Rect and everything else stay. Which signature covers which revision is checked per signature
 *   (embedded.ts): a copied /ByteRange does not make a field signed.
 * - **An invisible signature field** (a PAdES B-LTA document time-stamp, or another signature no
 *   one sees): a new signature field whose widgets have no area, empty or with a new
 *   signature dictionary as /V, added to the form's /Fields and to its page's /Annots. A new
 *   *visible* signature field only when the policy allows it (it could be drawn over the letter).
 * - **Validation data**: the catalog's /DSS and what it holds (certificates, CRLs, OCSP responses,
 *   VRI), each object owned by the DSS alone.
 * - **Metadata**: the same document information dictionary (/Info), with text values only and
 *   referred to by nothing but the trailer; the catalog's XMP /Metadata stream, referred to by the
 *   catalog alone; the catalog's /Extensions and /Version; the AcroForm's /SigFlags.
 *
 * Plus the bookkeeping of an update that draws nothing: object and cross-reference streams no
 * object refers to. A certification signature with DocMDP P=1 forbids signing after it (document
 * time-stamps and validation data are still allowed, as PAdES requires).
 *
 * Every new object must hang from an allowed change, and none may be one the revision before
 * already referred to while it did not exist (an XObject the signed page names, defined later).
 *
 * Why one long file: the whitelist is one reading of one revision. Every rule works on the same
 * diff, the same two structures and the same referrer index, and a rule is only as strong as the
 * rules around it (a structure proven whole, then its objects claimed; a reference proven to
 * exist, then what it names); an auditor reads them together, in this order.
 */
import type { PdfFile } from './document';
import { DocumentStructure, isInvisible, refKey, type Field } from './structure';
import {
  dictOf,
  isArray,
  isDict,
  isInteger,
  isName,
  numberOf,
  PdfDict,
  PdfName,
  PdfReal,
  PdfRef,
  PdfStream,
  PdfString,
  sameValue,
  type PdfArray,
  type PdfValue,
} from './syntax';

export interface JudgePolicy {
  /**
   * Accept revisions that add visible signature fields (signed or empty), as some signing tools
   * do for a signer the document did not plan for. Such a field can be drawn anywhere, over the
   * letter too. @default false
   */
  readonly allowNewSignatureFields: boolean;
}

export const DEFAULT_JUDGE_POLICY: JudgePolicy = { allowNewSignatureFields: false };

/** One change a revision made, and whether it is allowed. `detail` is English. */
export interface Change {
  readonly allowed: boolean;
  readonly detail: string;
}

export interface RevisionJudgement {
  /** 1-based. */
  readonly revision: number;
  readonly allowed: boolean;
  readonly changes: readonly Change[];
  /** Signature fields this revision signed, with the signature dictionary it gave each. */
  readonly signed: readonly { readonly field: string; readonly signature: PdfRef }[];
}

/** Judges revision `index` (0-based, ≥ 1) against the one before it. @throws PdfStructureError */
export function judgeRevision(
  file: PdfFile,
  index: number,
  policy: JudgePolicy = DEFAULT_JUDGE_POLICY,
): RevisionJudgement {
  return new RevisionJudge(file, index, policy).run();
}

const DSS_KEYS = new Set(['Type', 'Certs', 'OCSPs', 'CRLs', 'VRI']);
const VRI_KEYS = new Set(['Type', 'Cert', 'OCSP', 'CRL', 'TU', 'TS']);
/** A data stream's dictionary: nothing that makes it an image, a form or a font. */
const DATA_STREAM_KEYS = new Set(['Length', 'Filter', 'DecodeParms', 'DL']);
const METADATA_STREAM_KEYS = new Set(['Type', 'Subtype', ...DATA_STREAM_KEYS]);
const EXTENSION_KEYS = new Set(['Type', 'BaseVersion', 'ExtensionLevel', 'URL', 'ExtensionRevision']);
/**
 * What signing may change on the signed field (§12.7.3.1 Table 220, §12.5.2 Table 164): its value,
 * its flags (Acrobat locks the field it signs), its default appearance and, when it is its own
 * widget, its appearance and state. Never its /Rect, its name or its kind.
 */
const SIGNING_FIELD_KEYS: ReadonlySet<string> = new Set(['V', 'AP', 'AS', 'F', 'Ff', 'DA', 'Q', 'Type']);
const SIGNING_WIDGET_KEYS: ReadonlySet<string> = new Set(['AP', 'AS', 'F', 'DA', 'Q', 'Type']);

interface Changed {
  readonly before: PdfValue;
  readonly after: PdfValue;
}

class RevisionJudge {
  private readonly changes: Change[] = [];
  private readonly signed: { field: string; signature: PdfRef }[] = [];
  /** Objects that existed and now hold something else. */
  private readonly changed = new Map<number, Changed>();
  /** Objects new in this revision. */
  private readonly added = new Map<number, PdfValue>();
  /** Changed objects already given a verdict (allowed, or refused with a reason of their own). */
  private readonly judged = new Set<number>();
  /** Values new objects may hang from (the allowed changes' new parts). */
  private readonly roots: PdfValue[] = [];
  /** New objects an allowed change claims directly. */
  private readonly claimed = new Set<number>();
  /** Changed objects whose change is allowed: new objects may hang from their new values too. */
  private readonly accepted = new Set<number>();
  private before!: DocumentStructure;
  private after!: DocumentStructure;
  private readonly newFieldVerdicts = new Map<string, boolean>();

  constructor(
    private readonly file: PdfFile,
    private readonly index: number,
    private readonly policy: JudgePolicy,
  ) {}

  run(): RevisionJudgement {
    this.diff();
    this.before = new DocumentStructure(this.file, this.index - 1);
    this.after = new DocumentStructure(this.file, this.index);
    this.judgeTrailer();
    this.judgeCatalog();
    this.judgeAcroFormObject();
    this.judgeFields();
    this.judgePages();
    this.judgeArrays();
    this.judgeOwned('the validation data (/DSS)', this.dssOwned(this.index), this.dssOwned(this.index - 1), {
      catalogKey: 'DSS',
    });
    this.judgeOwned('the document information', this.infoOwned(this.index), this.infoOwned(this.index - 1));
    this.judgeOwned('the XMP metadata', this.metadataOwned(this.index), this.metadataOwned(this.index - 1), {
      catalogKey: 'Metadata',
    });
    this.judgeOwned(
      'the catalog /Extensions',
      this.extensionsOwned(this.index),
      this.extensionsOwned(this.index - 1),
      { catalogKey: 'Extensions' },
    );
    this.judgeReferences();
    for (const [num, { before, after }] of this.changed)
      if (!this.judged.has(num))
        this.refuse(`object ${num} (${kindOf(after)}) changed ${keyList(changedKeys(before, after))}`);
    this.judgeNewObjects();
    return {
      revision: this.index + 1,
      allowed: this.changes.every((c) => c.allowed),
      changes: this.changes,
      signed: this.signed,
    };
  }

  private allow(detail: string): void {
    this.changes.push({ allowed: true, detail });
  }

  private refuse(detail: string): void {
    this.changes.push({ allowed: false, detail });
  }

  /**
   * Which objects the section changed, added or freed, compared by number, generation and value
   * (a rewritten but identical object is no change; a new generation of a number is a different
   * object, whatever the references say).
   */
  private diff(): void {
    const { file, index } = this;
    for (const [num, entry] of file.revisions[index]!.entries) {
      this.file.budget.checkTime();
      const previous = file.entry(num, index - 1);
      const existed = previous !== undefined && previous.kind !== 'free';
      if (entry.kind === 'free') {
        if (existed) this.refuse(`object ${num} deleted`);
        continue;
      }
      if (existed && file.location(previous) === file.location(entry)) continue;
      const after = file.load(entry).value;
      if (!existed) {
        if (entry.gen !== 0 && !(previous?.kind === 'free' && previous.gen === entry.gen))
          this.refuse(`new object ${num} with generation ${entry.gen}`);
        else this.added.set(num, after);
        continue;
      }
      if (previous.gen !== entry.gen) {
        this.refuse(`object ${num} replaced by generation ${entry.gen} of its number`);
        continue;
      }
      const before = file.load(previous).value;
      if (!sameValue(before, after)) this.changed.set(num, { before, after });
    }
  }

  private judgeTrailer(): void {
    const [was, is] = [this.before, this.after];
    if (refKey(was.catalogRef) !== refKey(is.catalogRef)) this.refuse('the trailer names another catalog');
    const before = this.file.revisions[this.index - 1]!.trailer.get('Info');
    const after = this.file.revisions[this.index]!.trailer.get('Info');
    if (after === undefined || sameValue(before, after)) return;
    if (!(after instanceof PdfRef)) return this.refuse('the trailer /Info is not a reference');
    if (before !== undefined) return this.refuse('the trailer names another document information dictionary');
    if (!this.added.has(after.num)) this.refuse('the trailer names an existing object as /Info');
  }

  /** The catalog may change its /DSS, /Extensions, /Version, /Metadata and (judged) /AcroForm. */
  private judgeCatalog(): void {
    const num = this.after.catalogRef.num;
    const change = this.changed.get(num);
    if (change === undefined) return;
    const [was, is] = [dictOf(change.before), dictOf(change.after)];
    if (was === undefined || is === undefined) return this.refuse('the catalog is not a dictionary');
    let ok = true;
    for (const key of changedKeys(was, is)) {
      const [old, now] = [was.get(key), is.get(key)];
      // Their new objects are claimed by judgeOwned, object by object, once the structure is proven.
      if (key === 'DSS' || key === 'Extensions' || key === 'Metadata') continue;
      else if (key === 'Version' && isName(now)) this.allow(`the PDF version declared is now ${now.value}`);
      else if (key === 'AcroForm' && isDict(old) && isDict(now)) ok = this.judgeAcroForm(old, now) && ok;
      else {
        this.refuse(`the catalog changed /${key}`);
        ok = false;
      }
    }
    this.judged.add(num);
    if (ok) this.accepted.add(num);
  }

  private allowRoot(value: PdfValue | undefined): void {
    if (value !== undefined) this.roots.push(value);
  }

  private judgeAcroFormObject(): void {
    const ref = this.after.acroFormRef;
    if (ref === undefined) return;
    const change = this.changed.get(ref.num);
    if (change === undefined) return;
    this.judged.add(ref.num);
    if (this.before.acroFormRef === undefined || refKey(this.before.acroFormRef) !== refKey(ref))
      return this.refuse('the AcroForm was replaced');
    const [was, is] = [dictOf(change.before), dictOf(change.after)];
    if (!was || !is) this.refuse('the AcroForm is not a dictionary');
    else if (this.judgeAcroForm(was, is)) this.accepted.add(ref.num);
  }

  /** The AcroForm may set /SigFlags and gain (judged) signature fields. */
  private judgeAcroForm(was: PdfDict, is: PdfDict): boolean {
    let ok = true;
    for (const key of changedKeys(was, is)) {
      if (key === 'SigFlags' && isInteger(is.get('SigFlags'))) this.allow('the AcroForm /SigFlags set');
      else if (key === 'DR') ok = this.judgeResources(was.get('DR'), is.get('DR')) && ok;
      else if (key === 'Fields') {
        const [old, now] = [this.before.array(was.get('Fields')), this.after.array(is.get('Fields'))];
        ok = old !== undefined && now !== undefined && this.judgeGained('the form', old, now, 'field') && ok;
      } else {
        this.refuse(`the AcroForm changed /${key}`);
        ok = false;
      }
    }
    return ok;
  }

  /**
   * The form's default resources (§12.7.2 Table 218) may gain entries (signing tools add the fonts
   * of their appearances); what they had stays. Nothing is drawn from them but new appearances.
   */
  private judgeResources(old: PdfValue | undefined, now: PdfValue | undefined): boolean {
    const [was, is] = [
      dictOf(this.before.resolve(old)) ?? new PdfDict(new Map()),
      dictOf(this.after.resolve(now)),
    ];
    const kept =
      is !== undefined &&
      [...was.entries].every(([category, entries]) => {
        const [a, b] = [dictOf(this.before.resolve(entries)), dictOf(this.after.resolve(is.get(category)))];
        if (a === undefined || b === undefined) return sameValue(entries, is.get(category));
        return [...a.entries].every(([name, value]) => sameValue(value, b.get(name)));
      });
    if (!kept) {
      this.refuse('the AcroForm default resources (/DR) lost or changed entries');
      return false;
    }
    this.allow('the AcroForm default resources (/DR) gained entries');
    this.allowRoot(now);
    return true;
  }

  /**
   * An array of fields or annotations that may only gain new signature fields the policy allows
   * (their widgets, for /Annots). Everything it had stays, in order.
   */
  private judgeGained(where: string, old: PdfArray, now: PdfArray, what: 'field' | 'annotation'): boolean {
    const kept = old.every((item, i) => sameValue(item, now[i]));
    if (!kept) {
      this.refuse(`${where} lost or reordered entries`);
      return false;
    }
    let ok = true;
    for (const item of now.slice(old.length)) {
      const field =
        item instanceof PdfRef && this.added.has(item.num)
          ? what === 'field'
            ? this.after.field(item)
            : this.after.fieldOfWidget(item)
          : undefined;
      if (field === undefined) {
        const kind =
          item instanceof PdfRef ? kindOf(this.file.object(item.num, this.index)) : 'a direct object';
        this.refuse(`${where} gained ${what === 'field' ? 'a field' : 'an annotation'}: ${kind}`);
        ok = false;
      } else {
        this.claimed.add((item as PdfRef).num);
        ok = this.newSignatureField(field) && ok;
      }
    }
    return ok;
  }

  /** A field new in this revision: a document time-stamp, or (by policy) a signature field. */
  private newSignatureField(field: Field): boolean {
    const key = field.ref ? refKey(field.ref) : field.name;
    const known = this.newFieldVerdicts.get(key);
    if (known !== undefined) return known;
    let verdict: boolean;
    const value = field.value instanceof PdfRef ? this.added.get(field.value.num) : undefined;
    const isTimestamp = isDict(value) && isName(value.get('Type'), 'DocTimeStamp');
    if (field.type !== 'Sig') {
      this.refuse(`a new ${field.type ?? 'untyped'} field ${field.name} was added`);
      verdict = false;
    } else if (field.widgets.some((w) => w.ref === undefined || !this.added.has(w.ref.num))) {
      this.refuse(`new signature field ${field.name} uses an existing annotation`);
      verdict = false;
    } else if (
      field.widgets.every((w) => isInvisible(w.dict)) &&
      (value === undefined ? field.value === undefined : isSignatureDict(value))
    ) {
      // Drawn nowhere: a document time-stamp (PAdES B-LTA), or a signature no one sees.
      this.allow(`${isTimestamp ? 'document time-stamp' : 'invisible signature'} field ${field.name} added`);
      verdict = true;
    } else if (isTimestamp) {
      this.refuse(
        `document time-stamp field ${field.name} added with a visible widget (a time-stamp is no one's signature)`,
      );
      verdict = false;
    } else if (
      this.policy.allowNewSignatureFields &&
      (value === undefined ? field.value === undefined : isSignatureDict(value))
    ) {
      this.allow(`signature field ${field.name} added (the policy allows new signature fields)`);
      verdict = true;
    } else {
      this.refuse(`signature field ${field.name} added after signing (only existing fields may be signed)`);
      verdict = false;
    }
    if (verdict) {
      if (field.value instanceof PdfRef) this.signedField(field, field.value);
      for (const widget of field.widgets) {
        this.claimed.add(widget.ref!.num);
        this.allowRoot(widget.dict.get('AP'));
      }
      if (field.ref) this.claimed.add(field.ref.num);
    }
    this.newFieldVerdicts.set(key, verdict);
    return verdict;
  }

  private signedField(field: Field, signature: PdfRef): void {
    this.signed.push({ field: field.name, signature });
    this.roots.push(signature);
  }

  /**
   * Existing fields: a signature field may be signed. The field gains /V (a new signature
   * dictionary) and may set what signing tools set on it (its flags, its default appearance, the
   * annotation /Type); its widgets get their own appearance (a new one, or their appearance streams
   * rewritten in place when nothing else uses them). Its /Rect and everything else stay.
   */
  private judgeFields(): void {
    const certification = this.docMdp();
    for (const field of this.after.fields) {
      const fieldChange = field.ref ? this.changed.get(field.ref.num) : undefined;
      const widgets = field.widgets.filter((w) => w.ref !== undefined && w.ref.num !== field.ref?.num);
      const widgetChanges = widgets.filter((w) => this.changed.has(w.ref!.num));
      const was = field.ref ? this.before.field(field.ref) : undefined;
      if (was === undefined) continue; // not a field before: judged as whatever it was
      const signs =
        field.type === 'Sig' &&
        was.type === 'Sig' &&
        was.value === undefined &&
        field.value instanceof PdfRef &&
        isSignatureDict(this.added.get(field.value.num)) &&
        was.widgets.every((w) => isName(w.dict.get('Subtype'), 'Widget'));
      if (!signs) {
        if (fieldChange !== undefined) {
          this.judged.add(field.ref!.num);
          const keys = changedKeys(fieldChange.before, fieldChange.after);
          this.refuse(
            was.value !== undefined && was.type === 'Sig' && keys.every((k) => k === 'AP')
              ? `signature field ${field.name}'s appearance replaced after it was signed`
              : `${field.type === 'Sig' ? 'signature field' : 'field'} ${field.name} changed ${keyList(keys)}`,
          );
        }
        continue;
      }
      let ok = true;
      const value = dictOf(this.added.get((field.value as PdfRef).num));
      if (isName(value?.get('Type'), 'DocTimeStamp') && !field.widgets.every((w) => isInvisible(w.dict))) {
        ok = false;
        this.refuse(
          `visible signature field ${field.name} filled with a document time-stamp (a time-stamp is no one's signature, and nothing may be drawn for it)`,
        );
      }
      if (certification === 1) {
        ok = false;
        this.refuse(
          `signature field ${field.name} signed after a certification that allows no changes (DocMDP P=1)`,
        );
      }
      if (fieldChange !== undefined) {
        this.judged.add(field.ref!.num);
        ok = this.signingKeys(`signature field ${field.name}`, fieldChange, SIGNING_FIELD_KEYS) && ok;
      }
      for (const widget of widgetChanges) {
        this.judged.add(widget.ref!.num);
        ok =
          this.signingKeys(
            `the widget of field ${field.name}`,
            this.changed.get(widget.ref!.num)!,
            SIGNING_WIDGET_KEYS,
          ) && ok;
      }
      for (const widget of field.widgets) if (widget.ref) ok = this.judgeAppearance(field, widget.ref) && ok;
      if (ok) {
        this.allow(`signature field ${field.name} signed`);
        this.signedField(field, field.value as PdfRef);
        if (fieldChange !== undefined) this.accepted.add(field.ref!.num);
        for (const widget of widgetChanges) this.accepted.add(widget.ref!.num);
      }
    }
  }

  /** The keys signing may change on a field or widget; /Type only by becoming /Annot. */
  private signingKeys(what: string, change: Changed, allowed: ReadonlySet<string>): boolean {
    const keys = changedKeys(change.before, change.after);
    const wrong = keys.filter(
      (k) => !allowed.has(k) || (k === 'Type' && !isName(dictOf(change.after)?.get('Type'), 'Annot')),
    );
    if (wrong.length > 0) this.refuse(`${what} changed ${keyList(wrong)} when signed`);
    return wrong.length === 0;
  }

  /**
   * A widget's appearance when its field is signed. The new one may be anything (it is drawn in
   * the widget's box, which does not move); its new objects hang from it. The old one, when it was
   * an indirect dictionary, must have been this widget's alone, and streams of it rewritten in place
   * must be used by nothing else: otherwise signing would change what another object draws.
   */
  private judgeAppearance(field: Field, widget: PdfRef): boolean {
    const now = this.appearanceOwned(widget, this.index);
    const then = this.appearanceOwned(widget, this.index - 1);
    this.allowRoot(dictOf(this.file.object(widget.num, this.index))?.get('AP'));
    const oldAp = dictOf(this.file.object(widget.num, this.index - 1))?.get('AP');
    if (oldAp instanceof PdfRef) {
      const shared = this.usesOutside(this.index - 1, oldAp.num, then);
      if (shared.length > 0) {
        this.refuse(
          `the appearance of field ${field.name} (object ${oldAp.num}) is shared with ${shared[0]}`,
        );
        return false;
      }
    }
    const before = this.changes.filter((c) => !c.allowed).length;
    this.judgeOwned(`the appearance of field ${field.name}`, now, then, { announceNew: false });
    return this.changes.filter((c) => !c.allowed).length === before;
  }

  private readonly besidesCache = new Map<string, ReadonlySet<number>>();

  /** The objects `holder` refers to as of `revision` through its keys other than `key`. */
  private referredBesides(revision: number, holder: number, key: string): ReadonlySet<number> {
    const cacheKey = `${revision} ${holder} ${key}`;
    let found = this.besidesCache.get(cacheKey);
    if (found === undefined) {
      const dict = dictOf(this.file.object(holder, revision));
      found = new Set(
        dict === undefined ? [] : [...dict.entries].flatMap(([k, v]) => (k === key ? [] : referencesIn(v))),
      );
      this.besidesCache.set(cacheKey, found);
    }
    return found;
  }

  /** The objects of a widget's appearance (§12.5.5): /AP, its /N /R /D, and their states' streams. */
  private appearanceOwned(widget: PdfRef, revision: number): Owned {
    const owned = new OwnedWalk(this.file, revision, { num: widget.num, key: 'AP' });
    const ap = dictOf(this.file.object(widget.num, revision))?.get('AP');
    if (ap === undefined) return owned.result();
    owned.dict(ap, undefined, (_key, appearance) => {
      const resolved = this.file.resolve(appearance, revision);
      if (resolved instanceof PdfStream) owned.take(appearance);
      else owned.dict(appearance, undefined, (_state, stream) => void owned.take(stream));
    });
    return owned.result();
  }

  /** A page may only gain the widgets of new signature fields the policy allows in its /Annots. */
  private judgePages(): void {
    for (const page of this.after.pages) {
      const change = this.changed.get(page.ref.num);
      if (change === undefined || this.before.page(page.ref) === undefined) continue;
      const [was, is] = [dictOf(change.before), dictOf(change.after)];
      if (!was || !is) continue;
      this.judged.add(page.ref.num);
      const keys = changedKeys(was, is);
      if (keys.some((k) => k !== 'Annots')) {
        this.refuse(`page ${page.number} changed ${keyList(keys)}`);
        continue;
      }
      const [old, now] = [this.before.array(was.get('Annots')), this.after.array(is.get('Annots'))];
      const annots = is.get('Annots');
      if (annots instanceof PdfRef && this.added.has(annots.num)) this.claimed.add(annots.num);
      if (!old || !now) this.refuse(`page ${page.number}'s /Annots is not an array`);
      else if (this.judgeGained(`page ${page.number}`, old, now, 'annotation'))
        this.accepted.add(page.ref.num);
    }
  }

  /** Indirect arrays that changed: the form's /Fields, a page's /Annots or a field's /Kids. */
  private judgeArrays(): void {
    const fieldsRef = this.after.acroForm?.get('Fields');
    for (const [num, { before, after }] of this.changed) {
      if (this.judged.has(num) || !isArray(before) || !isArray(after)) continue;
      let where: string | undefined;
      let what: 'field' | 'annotation' = 'field';
      if (fieldsRef instanceof PdfRef && fieldsRef.num === num) where = 'the form';
      else if (this.after.kidsArrays.has(num)) where = `the kids of a field (object ${num})`;
      else {
        const page = this.after.pages.find((p) => {
          const annots = p.dict.get('Annots');
          return annots instanceof PdfRef && annots.num === num;
        });
        if (page) {
          where = `page ${page.number}`;
          what = 'annotation';
        }
      }
      if (where === undefined) continue;
      this.judged.add(num);
      if (this.judgeGained(where, before, after, what)) this.accepted.add(num);
    }
  }

  /**
   * Objects a metadata-like structure owns (the DSS, /Info, /Metadata, /Extensions) may change or be
   * new when they belong to it in this revision and, if they existed, in the one before, and nothing
   * outside it refers to them: otherwise an object drawn on a page could be rewritten by naming it
   * as, say, the document information.
   */
  private judgeOwned(
    what: string,
    now: Owned,
    then: Owned,
    { announceNew = true, catalogKey }: { announceNew?: boolean; catalogKey?: string } = {},
  ): void {
    const touched = [...now.objects].filter((num) => this.added.has(num) || this.changed.has(num));
    // A structure held directly by the catalog changes with the catalog's entry: what it is must be
    // proven even when it owns no object that changed (a walk stops at the first thing it does not
    // know, so what lies beyond is never taken, claimed or allowed).
    const entryChanged =
      catalogKey !== undefined &&
      !sameValue(this.before.catalog.get(catalogKey), this.after.catalog.get(catalogKey));
    if (touched.length === 0 && !entryChanged) return;
    if (now.invalid !== undefined) return this.refuse(`${what}: ${now.invalid}`);
    if (touched.length === 0) return this.allow(`${what} updated`);
    let ok = true;
    for (const num of touched) {
      const isNew = this.added.has(num);
      if (!isNew) this.judged.add(num);
      if (!isNew && !then.objects.has(num)) {
        this.refuse(
          `${what} now includes object ${num} (${kindOf(this.changed.get(num)!.after)}), which was not part of it`,
        );
        ok = false;
        continue;
      }
      const outside = [
        ...this.usesOutside(this.index, num, now),
        ...(isNew ? [] : this.usesOutside(this.index - 1, num, then)),
      ];
      if (outside.length > 0) {
        this.refuse(`${what} includes object ${num}, which ${outside[0]} also uses`);
        ok = false;
      } else if (isNew) this.claimed.add(num);
      else this.accepted.add(num);
    }
    const rewritten = touched.some((num) => !this.added.has(num));
    if (ok && (rewritten || announceNew)) this.allow(`${what} ${rewritten ? 'updated' : 'added'}`);
  }

  /**
   * Who else refers to object `num` as of `revision`, besides the structure `owned` (its own
   * objects, and its holder through the one key that holds it): an object, or the trailer.
   */
  private usesOutside(revision: number, num: number, owned: Owned): string[] {
    const uses: string[] = [];
    for (const from of this.referrers(revision, num)) {
      if (owned.objects.has(from)) continue;
      if (from === TRAILER) {
        uses.push('the trailer');
        continue;
      }
      const key = owned.holders.get(from);
      if (key !== undefined && !this.referredBesides(revision, from, key).has(num)) continue;
      uses.push(`object ${from}`);
    }
    return uses;
  }

  private dssOwned(revision: number): Owned {
    const structure = revision === this.index ? this.after : this.before;
    const dss = structure.catalog.get('DSS');
    const owned = new OwnedWalk(this.file, revision, { num: structure.catalogRef.num, key: 'DSS' });
    if (dss === undefined) return owned.result();
    owned.dict(dss, DSS_KEYS, (key, value) => {
      if (key === 'Type') return owned.expectName(value, 'DSS');
      if (key === 'VRI')
        return owned.dict(value, undefined, (_hash, entry) =>
          owned.dict(entry, VRI_KEYS, (vriKey, v) => {
            if (vriKey === 'Type') return owned.expectName(v, 'VRI');
            if (vriKey === 'TU') return owned.expectString(v);
            if (vriKey === 'TS') return owned.dataStream(v);
            owned.array(v, (item) => owned.dataStream(item));
          }),
        );
      owned.array(value, (item) => owned.dataStream(item));
    });
    return owned.result();
  }

  private infoOwned(revision: number): Owned {
    const info = this.file.revisions[revision]!.trailer.get('Info');
    const owned = new OwnedWalk(this.file, revision);
    if (info === undefined) return owned.result();
    if (!(info instanceof PdfRef)) return owned.fail('the trailer /Info is not a reference');
    // §14.3.3: text strings, dates and names; nothing another object could be.
    owned.dict(info, undefined, (_key, value) => {
      const text = value instanceof PdfRef ? owned.take(value) : value;
      if (text === SEEN) return;
      if (!(
        text instanceof PdfString ||
        text instanceof PdfName ||
        numberOf(text) !== undefined ||
        typeof text === 'boolean'
      ))
        owned.fail(`/Info holds a ${kindOf(text)}, not text`);
    });
    return owned.result();
  }

  private metadataOwned(revision: number): Owned {
    const structure = revision === this.index ? this.after : this.before;
    const metadata = structure.catalog.get('Metadata');
    const owned = new OwnedWalk(this.file, revision, { num: structure.catalogRef.num, key: 'Metadata' });
    if (metadata === undefined) return owned.result();
    if (!(metadata instanceof PdfRef)) return owned.fail('the catalog /Metadata is not a reference');
    const stream = this.file.resolve(metadata, revision);
    if (
      !(stream instanceof PdfStream) ||
      !isName(stream.dict.get('Type'), 'Metadata') ||
      !isName(stream.dict.get('Subtype'), 'XML')
    )
      return owned.fail('the catalog /Metadata is not an XML metadata stream');
    const unexpected = [...stream.dict.keys()].find((k) => !METADATA_STREAM_KEYS.has(k));
    if (unexpected !== undefined) return owned.fail(`the metadata stream has an unexpected /${unexpected}`);
    owned.objects.add(metadata.num);
    return owned.result();
  }

  private extensionsOwned(revision: number): Owned {
    const structure = revision === this.index ? this.after : this.before;
    const extensions = structure.catalog.get('Extensions');
    const owned = new OwnedWalk(this.file, revision, { num: structure.catalogRef.num, key: 'Extensions' });
    if (extensions === undefined) return owned.result();
    // ISO 32000-1 §7.12: prefix → developer extensions dictionary (ISO 32000-2: or an array of them).
    owned.dict(extensions, undefined, (key, value) => {
      if (key === 'Type') return owned.expectName(value, 'Extensions');
      const one = (item: PdfValue): void =>
        owned.dict(item, EXTENSION_KEYS, (k, v) => {
          if (k === 'Type') owned.expectName(v, 'DeveloperExtensions');
          else if (!(v instanceof PdfName || v instanceof PdfString || isInteger(v)))
            owned.fail(`an extension's /${k} is a ${kindOf(v)}`);
        });
      if (isArray(this.file.resolve(value, revision))) owned.array(value, one);
      else one(value);
    });
    return owned.result();
  }

  /**
   * Every new object hangs from an allowed change (through new objects), or nothing refers to it;
   * none was referred to before it existed.
   */
  private judgeNewObjects(): void {
    const reached = new Set<number>(this.claimed);
    const queue: PdfValue[] = [...this.roots];
    for (const num of this.claimed) queue.push(this.added.get(num) ?? null);
    for (const num of this.accepted) queue.push(this.changed.get(num)!.after);
    for (let item = queue.pop(); item !== undefined; item = queue.pop()) {
      if (item instanceof PdfRef) {
        const object = this.added.get(item.num);
        if (object === undefined || reached.has(item.num)) continue;
        reached.add(item.num);
        queue.push(object);
      } else if (isDict(item)) for (const value of item.entries.values()) queue.push(value);
      else if (isArray(item)) for (const value of item) queue.push(value);
      else if (item instanceof PdfStream) queue.push(item.dict);
    }

    // New objects nothing in use refers to (or only other such objects) draw nothing: pyHanko
    // writes a VRI entry of that kind, and object and cross-reference streams are such.
    const orphans = new Set([...this.added.keys()].filter((num) => !reached.has(num)));
    const used = [...orphans].filter((num) =>
      [...this.referrers(this.index, num)].some((from) => !orphans.has(from)),
    );
    for (let num = used.pop(); num !== undefined; num = used.pop()) {
      if (!orphans.delete(num)) continue;
      for (const to of referencesIn(this.added.get(num) ?? null)) if (orphans.has(to)) used.push(to);
    }
    for (const [num, object] of this.added) {
      if (this.wasDangling(this.index - 1, num))
        this.refuse(
          `object ${num} (${kindOf(object)}) was referred to before it existed, and is defined now`,
        );
      else if (!reached.has(num) && !orphans.has(num))
        this.refuse(`new object ${num} (${kindOf(object)}) is not part of an allowed change`);
    }
  }

  /**
   * What this revision wrote refers only to objects that exist, of that generation. A reference to
   * nothing is the null object for this judge, but a reader that cannot fetch an object rebuilds
   * its table by scanning the whole file for `N G obj` (poppler does), and then text hidden in a
   * stream's data or a comment becomes the page: a missing object is a trigger, never harmless.
   */
  private judgeReferences(): void {
    const check = (from: string, value: PdfValue): void => {
      for (const ref of referenceValuesIn(value)) {
        const entry = this.file.entry(ref.num, this.index);
        if (entry === undefined || entry.kind === 'free' || entry.gen !== ref.gen)
          return this.refuse(`${from} refers to ${ref.toString()}, which does not exist`);
      }
    };
    for (const [num, value] of this.added) check(`new object ${num} (${kindOf(value)})`, value);
    for (const [num, { after }] of this.changed) check(`object ${num} (${kindOf(after)})`, after);
    check('the trailer', this.file.revisions[this.index]!.trailer);
  }

  /** The certification signature's DocMDP permissions (§12.8.2.2), as of the revision before. */
  private docMdp(): number | undefined {
    const perms = dictOf(this.before.resolve(this.before.catalog.get('Perms')));
    const signature = dictOf(this.before.resolve(perms?.get('DocMDP')));
    const references = this.before.array(signature?.get('Reference')) ?? [];
    for (const reference of references) {
      const dict = dictOf(this.before.resolve(reference));
      if (!isName(dict?.get('TransformMethod'), 'DocMDP')) continue;
      const p = dictOf(this.before.resolve(dict?.get('TransformParams')))?.get('P');
      return isInteger(p) ? p : 2;
    }
    return undefined;
  }

  /**
   * Per revision, the referrers of the objects the judge asks about (those this revision added or
   * changed, and any other asked for): one pass over the objects in use, recording only those.
   */
  private readonly referrersCache = new Map<
    number,
    { readonly targets: ReadonlySet<number>; readonly map: ReadonlyMap<number, ReadonlySet<number>> }
  >();

  /**
   * The objects in use at `revision` that refer to object `num`, and {@link TRAILER} when the
   * trailer does by a key of its own (not /Root, /Info, /Encrypt or the section's bookkeeping).
   */
  private referrers(revision: number, num: number): ReadonlySet<number> {
    let cached = this.referrersCache.get(revision);
    if (cached === undefined || !cached.targets.has(num)) {
      const targets = new Set([
        ...this.added.keys(),
        ...this.changed.keys(),
        ...(cached?.targets ?? []),
        num,
      ]);
      const map = new Map<number, Set<number>>();
      const add = (from: number, value: PdfValue): void => {
        for (const to of referencesIn(value)) {
          if (!targets.has(to)) continue;
          let set = map.get(to);
          if (set === undefined) map.set(to, (set = new Set()));
          set.add(from);
        }
      };
      let count = 0;
      for (const [from, entry] of this.file.inUse(revision)) {
        if ((++count & 0x3ff) === 0) this.file.budget.checkTime();
        const value = this.file.load(entry).value;
        // A cross-reference stream's dictionary is a trailer (§7.5.8.2): /Root, /Info are its own.
        if (value instanceof PdfStream && isName(value.dict.get('Type'), 'XRef')) {
          for (const [key, item] of value.dict.entries) if (!TRAILER_OWN_KEYS.has(key)) add(TRAILER, item);
        } else add(from, value);
      }
      for (const [key, value] of this.file.revisions[revision]!.trailer.entries)
        if (!TRAILER_OWN_KEYS.has(key)) add(TRAILER, value);
      this.referrersCache.set(revision, (cached = { targets, map }));
    }
    return cached.map.get(num) ?? EMPTY;
  }

  /** Whether object `num` was referred to at `revision` by an object in use then, while not in use itself. */
  private wasDangling(revision: number, num: number): boolean {
    return !this.file.inUse(revision).has(num) && this.referrers(revision, num).size > 0;
  }
}

const EMPTY: ReadonlySet<number> = new Set();
/** The trailer, as a referrer. */
const TRAILER = -1;
/** Trailer keys whose references are the trailer's own business (§7.5.5, §7.5.8.2). */
const TRAILER_OWN_KEYS = new Set([
  'Root',
  'Info',
  'Encrypt',
  'Prev',
  'XRefStm',
  'Size',
  'ID',
  'Index',
  'W',
  'Length',
  'Filter',
  'DecodeParms',
  'Type',
]);

/** An object a structure walk met before. */
const SEEN = Symbol('seen');

/** What a metadata-like structure owns as of one revision, or why it is not what it claims. */
interface Owned {
  readonly objects: Set<number>;
  /** The object outside the structure that holds it, and the one key it may hold it by. */
  readonly holders: ReadonlyMap<number, string>;
  readonly invalid: string | undefined;
}

/** Walks a structure of a known shape, collecting the indirect objects it is made of. */
class OwnedWalk {
  readonly objects = new Set<number>();
  private invalid: string | undefined;
  private steps = 0;

  readonly holders: ReadonlyMap<number, string>;

  constructor(
    private readonly file: PdfFile,
    private readonly revision: number,
    holder?: { readonly num: number; readonly key: string },
  ) {
    this.holders = new Map(holder === undefined ? [] : [[holder.num, holder.key]]);
  }

  result(): Owned {
    return { objects: this.objects, holders: this.holders, invalid: this.invalid };
  }

  fail(why: string): Owned {
    this.invalid ??= why;
    return this.result();
  }

  /**
   * The value, resolved and recorded as part of the structure; {@link SEEN} for an object already
   * walked (the DSS lists one certificate in /Certs and in each VRI entry that needs it).
   */
  take(value: PdfValue | undefined): PdfValue | undefined | typeof SEEN {
    if (++this.steps > 100_000) {
      this.fail('too large');
      return SEEN;
    }
    if (!(value instanceof PdfRef)) return value;
    if (this.objects.has(value.num)) return SEEN;
    this.objects.add(value.num);
    return this.file.resolve(value, this.revision);
  }

  dict(
    value: PdfValue | undefined,
    keys: ReadonlySet<string> | undefined,
    each: (key: string, value: PdfValue) => void,
  ): void {
    const dict = this.take(value);
    if (dict === SEEN) return;
    if (!isDict(dict)) return void this.fail(`a ${kindOf(dict)} where a dictionary belongs`);
    for (const [key, item] of dict.entries) {
      if (keys !== undefined && !keys.has(key)) return void this.fail(`an unexpected /${key}`);
      each(key, item);
    }
  }

  array(value: PdfValue | undefined, each: (item: PdfValue) => void): void {
    const array = this.take(value);
    if (array === SEEN) return;
    if (!isArray(array)) return void this.fail(`a ${kindOf(array)} where an array belongs`);
    for (const item of array) each(item);
  }

  /** A stream of data (a certificate, a CRL, an OCSP response, a time-stamp): nothing drawable. */
  dataStream(value: PdfValue): void {
    if (!(value instanceof PdfRef)) return void this.fail('a direct object where a stream belongs');
    const stream = this.take(value);
    if (stream === SEEN) return;
    if (!(stream instanceof PdfStream) || [...stream.dict.keys()].some((k) => !DATA_STREAM_KEYS.has(k)))
      this.fail(`object ${value.num} is a ${kindOf(stream)}, not a data stream`);
  }

  expectName(value: PdfValue, name: string): void {
    if (!isName(value, name)) this.fail(`/Type is not /${name}`);
  }

  expectString(value: PdfValue): void {
    if (!(value instanceof PdfString)) this.fail('a date that is not a string');
  }
}

/** A signature dictionary (§12.8.1 Table 252): /Contents and /ByteRange, of type /Sig when typed. */
function isSignatureDict(value: PdfValue | undefined): value is PdfDict {
  if (!isDict(value)) return false;
  const type = value.get('Type');
  return (
    (type === undefined || isName(type, 'Sig') || isName(type, 'DocTimeStamp')) &&
    value.get('Contents') instanceof PdfString &&
    isArray(value.get('ByteRange'))
  );
}

/** Keys whose values differ (for a stream, its dictionary's, plus `stream data`). */
export function changedKeys(before: PdfValue | undefined, after: PdfValue | undefined): string[] {
  const [old, now] = [dictOf(before), dictOf(after)];
  if (old === undefined || now === undefined || before?.constructor !== after?.constructor)
    return sameValue(before, after) ? [] : ['(the whole object)'];
  const keys = new Set([...old.keys(), ...now.keys()]);
  const changed = [...keys].filter((k) => !sameValue(old.get(k), now.get(k)));
  if (
    before instanceof PdfStream &&
    !Buffer.from(before.raw()).equals(Buffer.from((after as PdfStream).raw()))
  )
    changed.push('stream data');
  return changed;
}

/** Keys as PDF writes them: `/Contents, /Resources`. */
function keyList(keys: readonly string[]): string {
  return keys.map((k) => (k.startsWith('(') || k === 'stream data' ? k : `/${k}`)).join(', ');
}

/** A short description of an object for a verdict: its /Type and /Subtype, or what it is. */
export function kindOf(value: PdfValue | undefined): string {
  const dict = dictOf(value);
  const parts = [dict?.get('Type'), dict?.get('Subtype'), dict?.get('FT')]
    .filter((v): v is PdfName => v instanceof PdfName)
    .map((v) => v.value);
  if (parts.length > 0) return parts.join(' ');
  if (value instanceof PdfStream) return 'stream';
  if (isDict(value)) return 'dictionary';
  if (isArray(value)) return 'array';
  if (value instanceof PdfString) return 'string';
  if (value instanceof PdfRef) return 'reference';
  if (value instanceof PdfReal) return 'number';
  return value === undefined ? 'nothing' : value === null ? 'null' : typeof value;
}

/** The object numbers a value refers to, directly or within its containers. */
function referencesIn(value: PdfValue): number[] {
  return referenceValuesIn(value).map((ref) => ref.num);
}

/** The references in a value, directly or within its containers. */
function referenceValuesIn(value: PdfValue): PdfRef[] {
  const found: PdfRef[] = [];
  const stack: PdfValue[] = [value];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (item instanceof PdfRef) found.push(item);
    else if (isDict(item)) for (const v of item.entries.values()) stack.push(v);
    else if (isArray(item)) for (const v of item) stack.push(v);
    else if (item instanceof PdfStream) for (const v of item.dict.entries.values()) stack.push(v);
  }
  return found;
}
