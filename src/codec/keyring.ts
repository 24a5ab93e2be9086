/**
 * The payload keyring (`PAYLOAD_KEYS`, `PAYLOAD_KEY_ID`): key id → 256-bit master key. One key
 * encrypts; every key decrypts, so a new key can encrypt from today while what older ones wrote (in
 * running processes' histories, in the evidence store) still reads. Keys are never logged or echoed.
 *
 * A master key never encrypts anything itself: each purpose (Temporal's payloads, the evidence
 * store, the mail ledger) gets its own AES key derived from it with HKDF (RFC 5869), so a
 * ciphertext made for one purpose can never be taken for another's, and what one key protects is
 * separated by more than additional data. (Payloads and objects written before derivation existed
 * were encrypted with the master key itself, and still read: see `legacyKey`.)
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Keyring {
  /** The key that encrypts new payloads. */
  readonly currentKeyId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

/** What a derived key encrypts. Each is a separate key; a new purpose is a new name here. */
export type KeyPurpose = 'temporal-payloads' | 'evidence' | 'mail-ledger';

/** HKDF's salt: fixed, naming the scheme (RFC 5869 §3.1 allows a non-secret constant). */
const DERIVATION_SALT = Buffer.from('manifiesta keyring v1');
const derivedKeys = new WeakMap<Buffer, Map<KeyPurpose, Buffer>>();

/**
 * The AES-256 key for `purpose` under master key `keyId` (HKDF-SHA256), or undefined when the
 * keyring lacks that key id. Derived once per key and purpose.
 */
export function purposeKey(keyring: Keyring, keyId: string, purpose: KeyPurpose): Buffer | undefined {
  const master = keyring.keys.get(keyId);
  if (master === undefined) return undefined;
  let byPurpose = derivedKeys.get(master);
  if (byPurpose === undefined) {
    byPurpose = new Map();
    derivedKeys.set(master, byPurpose);
  }
  let key = byPurpose.get(purpose);
  if (key === undefined) {
    key = Buffer.from(hkdfSync('sha256', master, DERIVATION_SALT, Buffer.from(purpose), 32));
    byPurpose.set(purpose, key);
  }
  return key;
}

/** The master key itself, which encrypted payloads and objects before keys were derived (read only). */
export function legacyKey(keyring: Keyring, keyId: string): Buffer | undefined {
  return keyring.keys.get(keyId);
}

export class KeyringError extends Error {
  override readonly name = 'KeyringError';
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Reads a keyring from `PAYLOAD_KEYS`'s forms: JSON (`{"2026-11": "<base64 of 32 bytes>"}`) or the
 * path of a file holding that JSON. `currentKeyId` may be omitted when there is one key.
 */
export function parseKeyring(value: string, currentKeyId?: string): Keyring {
  const text = value.trim().startsWith('{') ? value : readKeyFile(value.trim());
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KeyringError(
      'PAYLOAD_KEYS debe ser JSON {"id de llave": "base64 de 32 bytes", …} o la ruta de un archivo así',
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new KeyringError('PAYLOAD_KEYS debe ser un objeto JSON de id de llave → llave en base64');
  const keys = new Map<string, Buffer>();
  for (const [id, encoded] of Object.entries(parsed as Record<string, unknown>)) {
    if (!KEY_ID.test(id))
      throw new KeyringError(
        `PAYLOAD_KEYS: el id de llave "${id.slice(0, 64)}" debe tener de 1 a 64 letras, dígitos, ".", "_" o "-"`,
      );
    const key = typeof encoded === 'string' ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
    if (key.length !== 32 || typeof encoded !== 'string' || key.toString('base64') !== encoded.trim())
      throw new KeyringError(
        `PAYLOAD_KEYS: la llave "${id}" debe ser de 32 bytes en base64 (p. ej. \`openssl rand -base64 32\`)`,
      );
    keys.set(id, key);
  }
  if (keys.size === 0) throw new KeyringError('PAYLOAD_KEYS no contiene ninguna llave');
  const current = currentKeyId?.trim() || (keys.size === 1 ? [...keys.keys()][0]! : undefined);
  if (current === undefined)
    throw new KeyringError('PAYLOAD_KEY_ID debe nombrar la llave que cifra: PAYLOAD_KEYS contiene varias');
  if (!keys.has(current)) throw new KeyringError(`PAYLOAD_KEY_ID "${current}" no está en PAYLOAD_KEYS`);
  return { currentKeyId: current, keys };
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new KeyringError(`PAYLOAD_KEYS: no se pudo leer el archivo de llaves ${path}`);
  }
}

/**
 * The local keyring `npm start` keeps in DATA_DIR: created once with one random key (file mode
 * 0600), then reused, as the link secret is.
 */
export function localKeyring(file: string, today: Date = new Date()): Keyring {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    const id = `local-${today.toISOString().slice(0, 10)}`;
    writeFileSync(file, `${JSON.stringify({ [id]: randomBytes(32).toString('base64') }, null, 2)}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
  }
  return parseKeyring(file);
}
