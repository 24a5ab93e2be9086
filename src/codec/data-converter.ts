/**
 * The data converter every client and worker of the project uses: payloads encrypted by the
 * keyring's current key, failure messages encoded with them.
 */
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import type { Keyring } from './keyring';

export function dataConverter(keyring: Keyring): DataConverter {
  return {
    payloadCodecs: [new EncryptionCodec(keyring)],
    failureConverterPath: require.resolve('./failure-converter'),
  };
}
