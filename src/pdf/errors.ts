/**
 * What reading a PDF can fail with. Both are answers about the file, never crashes: the verifier
 * reports them per document with their public codes.
 */

/** A PDF we cannot read unambiguously, or cannot extend. Always `MALFORMED_INPUT`. */
export class PdfStructureError extends Error {
  override readonly name = 'PdfStructureError';
  readonly code = 'MALFORMED_INPUT';
}

/**
 * A PDF that would cost more than its budget to read (values, nesting, decompression, revisions,
 * time): `VERIFICATION_LIMIT_EXCEEDED`, whatever else it might be.
 */
export class PdfLimitError extends Error {
  override readonly name = 'PdfLimitError';
  readonly code = 'VERIFICATION_LIMIT_EXCEEDED';
}
