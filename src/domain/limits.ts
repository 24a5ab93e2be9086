/**
 * The limits of the public contract, in one place: the sizes the process, the portal and the
 * verifier accept, and what one signing link may cost the process. Pure and sandbox-safe.
 */

/* Sizes, in decoded bytes. */

/** Largest signature (a CMS or a raw PKCS #1 signature). */
export const MAX_SIGNATURE_BYTES = 1024 * 1024;
/** Largest certificate (a real e.firma certificate is about 2 KB). */
export const MAX_CERTIFICATE_BYTES = 64 * 1024;
/** Largest minutes file (a scanned acta de instalación), checked before it is uploaded. */
export const MAX_MINUTES_BYTES = 25 * 1024 * 1024;
/** Largest PDF the judge reads (a signed letter is well under 1 MB); checked before reading. */
export const MAX_PDF_BYTES = 32 * 1024 * 1024;
/** Largest CRL fetched from `CRL_URLS` (SAT's are a few MB), abandoned past it as it arrives. */
export const MAX_CRL_BYTES = 64 * 1024 * 1024;
/** Largest set of attachments one mail carries; past it the mail says where the files are instead. */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** Longest reason a signer or a coordinator writes (a decline, an extension, a replacement). */
export const MAX_REASON_LENGTH = 2000;

/*
 * What one signing link may cost the process. Anyone holding a link (the signer, and whoever they
 * forward a message to) can send requests with it; each request the process admits is history,
 * state and, for a PAdES preparation, stored objects, and Temporal admits a bounded number of
 * updates per run. So the process holds each link version to a few of each; a new link (resend,
 * extend, replace-signer: coordinator actions) starts afresh. docs/portal.md#what-a-link-may-cost states them.
 * The workflow's validators enforce these; the portal answers early with them.
 */

/**
 * PAdES preparations (`prepareSignature` updates) admitted per link version. A signer prepares
 * once per certificate; the portal answers a repeated preparation for the same certificate from
 * the process's state without asking the process.
 */
export const MAX_PREPARATIONS_PER_LINK = 5;

/**
 * Signatures and declines the process refused after verifying them, per link version. The portal
 * verifies first and refuses most bad input itself; what reaches the process and is refused there
 * (a verdict that changed meanwhile, a revocation answer missing) counts here.
 */
export const MAX_REFUSALS_PER_LINK = 10;
