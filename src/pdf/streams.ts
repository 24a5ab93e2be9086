/**
 * Decoding the streams the reader itself must read: cross-reference streams and object streams
 * (ISO 32000-1 §7.5.7–7.5.8), Flate-compressed with or without a PNG or TIFF predictor (§7.4.4.4).
 * Page content is never decoded: the judge compares streams as written.
 */
import { inflateSync } from 'node:zlib';
import { PdfLimitError, PdfStructureError } from './errors';
import { isArray, isDict, isInteger, isName, type PdfStream, type PdfValue, type ReadBudget } from './syntax';

/** Largest single decoded stream the reader accepts (a cross-reference stream of ~1M objects). */
const MAX_STREAM_BYTES = 32 * 1024 * 1024;

/** The decoded bytes of `stream`; `what` names it in errors. */
export function decodeStream(stream: PdfStream, budget: ReadBudget, what: string): Buffer {
  const filter = stream.dict.get('Filter');
  const filters = filter === undefined ? [] : isArray(filter) ? filter : [filter];
  const parms = stream.dict.get('DecodeParms');
  if (filters.length > 1 || (filters.length === 1 && !isName(filters[0], 'FlateDecode')))
    throw new PdfStructureError(`${what}: only FlateDecode is supported here`);
  const raw = Buffer.from(stream.raw());
  if (filters.length === 0) {
    budget.decode(raw.length);
    return raw;
  }
  const limit = Math.min(MAX_STREAM_BYTES, budget.decodeAllowance);
  let inflated: Buffer;
  try {
    inflated = inflateSync(raw, { maxOutputLength: Math.max(1, limit) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new PdfLimitError(`${what} decompresses to more than ${limit} bytes`);
    throw new PdfStructureError(`${what}: the Flate data cannot be decompressed`, { cause: error });
  }
  budget.decode(inflated.length);
  const p = isArray(parms) ? parms[0] : parms;
  return isDict(p)
    ? unpredict(
        inflated,
        p.get('Predictor'),
        p.get('Columns'),
        p.get('Colors'),
        p.get('BitsPerComponent'),
        what,
      )
    : inflated;
}

/** Reverses a predictor (§7.4.4.4 Table 8): 1 none, 2 TIFF, 10–15 PNG (per-row filter byte). */
function unpredict(
  data: Buffer,
  predictor: PdfValue | undefined,
  columns: PdfValue | undefined,
  colors: PdfValue | undefined,
  bits: PdfValue | undefined,
  what: string,
): Buffer {
  const p = predictor === undefined ? 1 : predictor;
  if (p === 1) return data;
  const cols = columns === undefined ? 1 : columns;
  const comps = colors === undefined ? 1 : colors;
  const bpc = bits === undefined ? 8 : bits;
  if (!isInteger(p) || !isInteger(cols) || !isInteger(comps) || !isInteger(bpc) || cols < 1 || cols > 1 << 20)
    throw new PdfStructureError(`${what}: bad predictor parameters`);
  if (bpc !== 8 || comps < 1 || comps > 4)
    throw new PdfStructureError(`${what}: only 8-bit predictors are supported here`);
  const bpp = comps;
  const rowLength = cols * comps;
  if (p === 2) {
    const out = Buffer.from(data);
    for (let row = 0; row + rowLength <= out.length; row += rowLength)
      for (let i = bpp; i < rowLength; i++) out[row + i] = (out[row + i]! + out[row + i - bpp]!) & 0xff;
    return out;
  }
  if (p < 10 || p > 15) throw new PdfStructureError(`${what}: unknown predictor ${p}`);
  const stride = rowLength + 1;
  if (data.length % stride !== 0) throw new PdfStructureError(`${what}: predicted rows do not fit the data`);
  const rows = data.length / stride;
  const out = Buffer.alloc(rows * rowLength);
  for (let r = 0; r < rows; r++) {
    const type = data[r * stride]!;
    const src = r * stride + 1;
    const dst = r * rowLength;
    for (let i = 0; i < rowLength; i++) {
      const x = data[src + i]!;
      const a = i >= bpp ? out[dst + i - bpp]! : 0;
      const b = r > 0 ? out[dst - rowLength + i]! : 0;
      const c = r > 0 && i >= bpp ? out[dst - rowLength + i - bpp]! : 0;
      let value: number;
      switch (type) {
        case 0:
          value = x;
          break;
        case 1:
          value = x + a;
          break;
        case 2:
          value = x + b;
          break;
        case 3:
          value = x + ((a + b) >> 1);
          break;
        case 4: {
          const pa = Math.abs(b - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + b - 2 * c);
          value = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default:
          throw new PdfStructureError(`${what}: unknown PNG row filter ${type}`);
      }
      out[dst + i] = value & 0xff;
    }
  }
  return out;
}
