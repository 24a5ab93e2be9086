/**
 * The parts of a document the judge reasons about, as of one revision: the catalog, the page tree
 * with each page's annotations, and the interactive form's fields with their widgets (ISO 32000-1
 * §7.7.2–7.7.3, §12.5, §12.7). Every walk is bounded and cycle-safe: the structure comes from
 * untrusted bytes.
 */
import type { PdfFile } from './document';
import { PdfStructureError } from './errors';
import {
  isArray,
  isDict,
  isName,
  numberOf,
  type PdfDict,
  PdfRef,
  PdfString,
  type PdfArray,
  type PdfValue,
} from './syntax';

/** `N G` of a reference, as a key. */
export const refKey = (ref: PdfRef): string => `${ref.num} ${ref.gen}`;

/** A widget annotation (§12.5.6.19) and where it is drawn. */
export interface Widget {
  readonly ref: PdfRef | undefined;
  readonly dict: PdfDict;
}

/** A terminal field of the interactive form (§12.7.3.1). */
export interface Field {
  /** Fully qualified name (§12.7.3.2): the partial names /T of its ancestors and its own, dot-joined. */
  readonly name: string;
  /** The field dictionary's reference; undefined for a (non-conforming) direct dictionary. */
  readonly ref: PdfRef | undefined;
  readonly dict: PdfDict;
  /** /FT, inherited through /Parent (§12.7.3.1 Table 220). */
  readonly type: string | undefined;
  /** /V as written (a reference for a signature field that is signed). */
  readonly value: PdfValue | undefined;
  /** Its widgets: itself when field and widget are merged, and/or its kids without /T. */
  readonly widgets: readonly Widget[];
}

export interface Page {
  readonly ref: PdfRef;
  readonly dict: PdfDict;
  /** 1-based. */
  readonly number: number;
}

/** The document's structure as of one revision. */
export class DocumentStructure {
  readonly catalogRef: PdfRef;
  readonly catalog: PdfDict;
  /** The AcroForm dictionary and, when it is an indirect object, its reference. */
  readonly acroForm: PdfDict | undefined;
  readonly acroFormRef: PdfRef | undefined;
  readonly pages: readonly Page[];
  readonly fields: readonly Field[];
  /** Every field-tree node's reference (terminal or not), for telling a field from anything else. */
  readonly fieldNodes: ReadonlySet<string>;
  /** The /Kids arrays of field-tree nodes that are indirect objects, by the array's number. */
  readonly kidsArrays: ReadonlySet<number>;
  private readonly pagesByRef: ReadonlyMap<string, Page>;
  private readonly widgetOwner: ReadonlyMap<string, Field>;
  private readonly fieldsByRef: ReadonlyMap<string, Field>;

  constructor(
    readonly file: PdfFile,
    readonly revision: number,
  ) {
    const root = file.revisions[revision]!.trailer.get('Root') as PdfRef;
    const catalog = file.resolve(root, revision);
    if (!isDict(catalog)) throw new PdfStructureError(`the catalog (${root.toString()}) is not a dictionary`);
    this.catalogRef = root;
    this.catalog = catalog;
    const form = catalog.get('AcroForm');
    this.acroFormRef = form instanceof PdfRef ? form : undefined;
    const formDict = file.resolve(form, revision);
    this.acroForm = isDict(formDict) ? formDict : undefined;
    this.pages = this.walkPages();
    this.pagesByRef = new Map(this.pages.map((p) => [refKey(p.ref), p]));
    const nodes = new Set<string>();
    const kidsArrays = new Set<number>();
    this.fields = this.walkFields(nodes, kidsArrays);
    this.fieldNodes = nodes;
    this.kidsArrays = kidsArrays;
    const owners = new Map<string, Field>();
    for (const field of this.fields)
      for (const widget of field.widgets) if (widget.ref) owners.set(refKey(widget.ref), field);
    this.widgetOwner = owners;
    this.fieldsByRef = new Map(this.fields.flatMap((f) => (f.ref ? [[refKey(f.ref), f] as const] : [])));
  }

  resolve(value: PdfValue | undefined): PdfValue | undefined {
    return this.file.resolve(value, this.revision);
  }

  /** An array given directly or by reference; [] when absent, undefined when not an array. */
  array(value: PdfValue | undefined): PdfArray | undefined {
    if (value === undefined) return [];
    const resolved = this.resolve(value);
    return isArray(resolved) ? resolved : undefined;
  }

  page(ref: PdfRef): Page | undefined {
    return this.pagesByRef.get(refKey(ref));
  }

  /** The field a widget (by reference) belongs to. */
  fieldOfWidget(ref: PdfRef): Field | undefined {
    return this.widgetOwner.get(refKey(ref));
  }

  field(ref: PdfRef): Field | undefined {
    return this.fieldsByRef.get(refKey(ref));
  }

  get signatureFields(): readonly Field[] {
    return this.fields.filter((f) => f.type === 'Sig');
  }

  /** §7.7.3: the page tree's leaves in order, each page once (a repeated or cyclic node is skipped). */
  private walkPages(): Page[] {
    const pages: Page[] = [];
    const seen = new Set<string>();
    const stack: { node: PdfValue | undefined; depth: number }[] = [
      { node: this.catalog.get('Pages'), depth: 0 },
    ];
    while (stack.length > 0) {
      const { node, depth } = stack.pop()!;
      if (!(node instanceof PdfRef) || seen.has(refKey(node)) || depth > 64) continue;
      seen.add(refKey(node));
      const dict = this.resolve(node);
      if (!isDict(dict)) continue;
      const kids = dict.get('Kids');
      if (isName(dict.get('Type'), 'Pages') || kids !== undefined) {
        const list = this.array(kids) ?? [];
        for (let i = list.length - 1; i >= 0; i--) stack.push({ node: list[i], depth: depth + 1 });
      } else pages.push({ ref: node, dict, number: pages.length + 1 });
    }
    return pages;
  }

  /**
   * §12.7.3.1: the field tree from /Fields. A kid with /T is a field of its own; a kid without /T
   * is a widget of its parent (a field with several widgets, e.g. on several pages). Each indirect
   * node is walked once, an indirect /Kids array belongs to one node (one that holds itself twice
   * over is malformed, not 2^33 fields), and every step is charged to the budget.
   */
  private walkFields(nodes: Set<string>, kidsArrays: Set<number>): Field[] {
    const found: Field[] = [];
    const top = this.array(this.acroForm?.get('Fields')) ?? [];
    const visit = (
      item: PdfValue,
      parentName: string,
      parentType: string | undefined,
      depth: number,
    ): void => {
      if (depth > 32) return;
      this.file.budget.value();
      if (item instanceof PdfRef) {
        if (nodes.has(refKey(item))) return;
        nodes.add(refKey(item));
      }
      const dict = this.resolve(item);
      if (!isDict(dict)) return;
      const partial = textOf(dict.get('T'));
      const name = partial === undefined ? parentName : parentName ? `${parentName}.${partial}` : partial;
      const ft = dict.get('FT');
      const type = isName(ft) ? ft.value : parentType;
      const kidsValue = dict.get('Kids');
      if (kidsValue instanceof PdfRef) {
        if (kidsArrays.has(kidsValue.num))
          throw new PdfStructureError(`two field nodes share the /Kids array ${kidsValue.toString()}`);
        kidsArrays.add(kidsValue.num);
      }
      const kids = this.array(kidsValue) ?? [];
      const childFields: PdfValue[] = [];
      const widgets: Widget[] = [];
      for (const kid of kids) {
        this.file.budget.value();
        const kidDict = this.resolve(kid);
        if (!isDict(kidDict)) continue;
        if (kidDict.has('T')) childFields.push(kid);
        else {
          // A kid without /T is one of this field's widgets, and only a widget annotation can be.
          if (kid instanceof PdfRef) nodes.add(refKey(kid));
          if (isName(kidDict.get('Subtype'), 'Widget'))
            widgets.push({ ref: kid instanceof PdfRef ? kid : undefined, dict: kidDict });
        }
      }
      if (childFields.length > 0) {
        for (const child of childFields) visit(child, name, type, depth + 1);
        return;
      }
      if (isName(dict.get('Subtype'), 'Widget'))
        widgets.unshift({ ref: item instanceof PdfRef ? item : undefined, dict });
      found.push({
        name,
        ref: item instanceof PdfRef ? item : undefined,
        dict,
        type,
        value: dict.get('V'),
        widgets,
      });
    };
    for (const item of top) visit(item, '', undefined, 0);
    return found;
  }
}

/** The text of a string value, or undefined. */
export function textOf(value: PdfValue | undefined): string | undefined {
  return value instanceof PdfString ? value.text() : undefined;
}

/**
 * Drawn nowhere: a zero-area /Rect (§12.5.5: the appearance is fitted to the annotation's
 * rectangle). The Hidden flag is not enough: a script, or a viewer's option, can show the field.
 */
export function isInvisible(widget: PdfDict): boolean {
  const rect = widget.get('Rect');
  const corners = isArray(rect) ? rect.map(numberOf) : [];
  if (corners.length !== 4 || corners.some((n) => n === undefined)) return false;
  const [x1, y1, x2, y2] = corners as number[];
  return x1 === x2 || y1 === y2;
}
