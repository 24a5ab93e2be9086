/**
 * What a signed field shows on the page (its /AP /N Form XObject, ISO 32000-1 §12.5.5): who
 * signed, their RFC and role, the date and time in Mexico City, and "Firmado electrónicamente con
 * e.firma". It is part of the signing revision, so it is covered by the signature it shows.
 *
 * Fonts are the standard 14 Helvetica and Helvetica-Bold with /WinAnsiEncoding (§9.6.2.2, D.2):
 * every Spanish letter (á é í ó ú ü ñ Ñ ¿ ¡) is one WinAnsi byte, and no font program is
 * embedded, which keeps each signature's update small.
 */
import {
  beginText,
  endText,
  moveText,
  popGraphicsState,
  pushGraphicsState,
  rectangle,
  setFillingGrayscaleColor,
  setFontAndSize,
  setLineWidth,
  setStrokingGrayscaleColor,
  showText,
  StandardFontEmbedder,
  StandardFonts,
  stroke,
  type PDFContext,
  type PDFOperator,
  type PDFRef,
} from 'pdf-lib';

/** What the appearance says. */
export interface AppearanceText {
  readonly name: string;
  /** Omitted from the box when null (a signer without an RFC in the certificate). */
  readonly rfc: string | null;
  /** In Spanish, e.g. "Presidenta Municipal de Huixquilucan". */
  readonly role: string;
  readonly signingTime: Date;
}

export interface SignatureAppearance {
  /** The Form XObject, for the widget's `/AP << /N … >>`. */
  readonly xobject: PDFRef;
  /** Every object the appearance registered in the context (fonts and the XObject): write them all. */
  readonly objects: readonly PDFRef[];
}

const MEXICO_CITY = new Intl.DateTimeFormat('es-MX', {
  timeZone: 'America/Mexico_City',
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/**
 * "27/11/2026 11:42:35": the wall-clock time in Mexico City (central Mexico has kept UTC−06:00
 * all year since 2022; the time zone database knows when it did not).
 */
export function mexicoCityDateTime(date: Date): string {
  return MEXICO_CITY.format(date).replace(',', '');
}

/** pdf-lib's enum and its font package's are the same strings under two types. */
const fontEmbedder = (font: StandardFonts): StandardFontEmbedder =>
  StandardFontEmbedder.for(font as unknown as Parameters<typeof StandardFontEmbedder.for>[0]);

/**
 * Text the font can encode: a character outside WinAnsi (say, "Ő") loses its accent, and if it
 * is still not encodable becomes "?". pdf-lib would otherwise throw at signing time.
 */
function encodable(font: StandardFontEmbedder, text: string): string {
  const fits = (c: string): boolean => {
    try {
      font.encodeText(c);
      return true;
    } catch {
      return false;
    }
  };
  return [...text]
    .map((c) => (fits(c) ? c : [...c.normalize('NFD').replace(/\p{M}/gu, '')].filter(fits).join('') || '?'))
    .join('');
}

/**
 * Registers the appearance of a signature field of `width` × `height` points in `context`. Lines
 * too long for the box are set smaller; the box gets a thin grey frame.
 */
export function buildSignatureAppearance(
  context: PDFContext,
  size: { readonly width: number; readonly height: number },
  text: AppearanceText,
): SignatureAppearance {
  const regular = fontEmbedder(StandardFonts.Helvetica);
  const bold = fontEmbedder(StandardFonts.HelveticaBold);
  const fonts = { F1: regular.embedIntoContext(context), F2: bold.embedIntoContext(context) };
  const lines = [
    { font: bold, key: 'F2', size: 7.5, text: 'Firmado electrónicamente con e.firma' },
    { font: bold, key: 'F2', size: 9, text: text.name },
    ...(text.rfc === null ? [] : [{ font: regular, key: 'F1', size: 8, text: `RFC: ${text.rfc}` }]),
    { font: regular, key: 'F1', size: 8, text: text.role },
    {
      font: regular,
      key: 'F1',
      size: 7,
      text: `${mexicoCityDateTime(text.signingTime)} (hora de la Ciudad de México)`,
    },
  ];

  const { width, height } = size;
  const padding = 4;
  const leading = (height - 2 * padding) / lines.length;
  const operators: PDFOperator[] = [
    pushGraphicsState(),
    setLineWidth(0.5),
    setStrokingGrayscaleColor(0.6),
    rectangle(0.25, 0.25, width - 0.5, height - 0.5),
    stroke(),
    setFillingGrayscaleColor(0),
  ];
  lines.forEach((line, i) => {
    const content = encodable(line.font, line.text);
    const natural = line.font.widthOfTextAtSize(content, line.size);
    const fontSize = Math.min(line.size, (line.size * (width - 2 * padding)) / natural, leading);
    const x = (width - line.font.widthOfTextAtSize(content, fontSize)) / 2;
    // Baseline: the line's slot, from the top, with the glyphs roughly centred in it.
    const y = height - padding - leading * (i + 1) + (leading - fontSize) / 2 + fontSize * 0.2;
    operators.push(
      beginText(),
      setFontAndSize(line.key, fontSize),
      moveText(x, y),
      showText(line.font.encodeText(content)),
      endText(),
    );
  });
  operators.push(popGraphicsState());

  const xobject = context.register(
    context.formXObject(operators, { BBox: [0, 0, width, height], Resources: { Font: fonts } }),
  );
  return { xobject, objects: [fonts.F1, fonts.F2, xobject] };
}
