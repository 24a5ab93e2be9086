/**
 * `manifiesta verify --timestamp F.tsr (--document F | --sha256 HEX)`: judges any RFC 3161
 * time-stamp token or NOM-151 constancia (a TimeStampResp or the bare token, DER or base64) over a
 * document, offline. Exit 0 valid, 1 not (the code printed), 2 usage.
 */
import { readFileSync } from 'node:fs';
import { ERROR_CODES } from '../../domain/errors';
import { TrustConfigurationError } from '../../signatures';
import { isInputRejected } from '../../signatures/failure';
import { parseTimeStampResponse } from '../../timestamps/token';
import { timestampTrust } from '../../timestamps/trust';
import { verifyTimestampToken, type TimestampVerdict } from '../../timestamps/verify';
import { UsageError } from '../errors';

export interface TimestampOptions {
  readonly timestamp: string;
  readonly document?: string;
  readonly sha256?: string;
  readonly trustAnchors?: string;
}

export function verifyTimestampFromFiles(options: TimestampOptions): TimestampVerdict {
  if ((options.document === undefined) === (options.sha256 === undefined))
    throw new UsageError(
      '--timestamp necesita el documento sellado: --document ARCHIVO o --sha256 HUELLA (uno de los dos)',
    );
  if (options.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(options.sha256))
    throw new UsageError(
      `--sha256 debe ser una huella SHA-256 de 64 dígitos hexadecimales (recibido: ${options.sha256})`,
    );
  const imprint =
    options.sha256 !== undefined
      ? { algorithm: 'sha256' as const, digest: Buffer.from(options.sha256, 'hex') }
      : { data: read(options.document!, 'el documento') };
  let trust;
  try {
    trust = timestampTrust({
      anchors: options.trustAnchors ?? process.env.TSA_TRUST_ANCHORS,
      pscAnchors: process.env.NOM151_TRUST_ANCHORS,
    });
  } catch (error) {
    if (error instanceof TrustConfigurationError) throw new UsageError(error.message);
    throw error;
  }
  return verifyTimestampToken(tokenIn(read(options.timestamp, 'el sello de tiempo')), { imprint }, trust);
}

/** The token in a TimeStampResp, or the bytes themselves when they are a bare token; DER or base64. */
function tokenIn(bytes: Buffer): Uint8Array {
  const text = bytes.toString('latin1').trim();
  const der = /^[A-Za-z0-9+/=\s]+$/.test(text) && bytes[0] !== 0x30 ? Buffer.from(text, 'base64') : bytes;
  try {
    const response = parseTimeStampResponse(der);
    if (response.token !== null) return response.token;
  } catch (error) {
    if (!isInputRejected(error)) throw error;
  }
  return der;
}

export function describeTimestamp(verdict: TimestampVerdict): string {
  const lines = [
    verdict.valid
      ? `SELLO DE TIEMPO VÁLIDO${verdict.profile === 'psc' ? ' (perfil de PSC, NOM-151)' : ' (RFC 3161)'}`
      : `SELLO DE TIEMPO NO VÁLIDO — ${verdict.code}: ${ERROR_CODES[verdict.code ?? 'TIMESTAMP_INVALID'].message}`,
  ];
  if (verdict.problem) lines.push(`  Problema:    ${verdict.problem}`);
  if (verdict.genTime)
    lines.push(
      `  Momento:     ${verdict.genTime.toISOString()}${verdict.accuracyMs !== null ? ` (± ${verdict.accuracyMs / 1000} s)` : ''}`,
    );
  if (verdict.tsa)
    lines.push(
      `  Autoridad:   ${verdict.tsa.subject}`,
      `               emitida por ${verdict.tsa.issuer}, serie ${verdict.tsa.serial}`,
    );
  if (verdict.policy) lines.push(`  Política:    ${verdict.policy}`);
  if (verdict.serial) lines.push(`  Serie:       ${verdict.serial}`);
  if (verdict.imprint)
    lines.push(`  Sella:       ${verdict.imprint.algorithm.toUpperCase()} ${verdict.imprint.sha}`);
  if (verdict.chain.length > 0) lines.push(`  Cadena:      ${verdict.chain.join(' → ')}`);
  for (const deviation of verdict.deviations) lines.push(`  Desviación tolerada: ${deviation}`);
  return `${lines.join('\n')}\n`;
}

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(
      `no se pudo leer ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}
