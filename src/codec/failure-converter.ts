/**
 * Failure messages and stack traces are moved into an encoded attributes payload (so the codec
 * encrypts them): a refusal or an SMTP error may quote an address or a name. Loaded by path, in
 * the workflow sandbox too, so it imports only @temporalio/common.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
