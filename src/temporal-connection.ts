/** Connections to Temporal from configuration (plain, mTLS, or Temporal Cloud with an API key). */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { dataConverter } from './codec/data-converter';
import type { TemporalConfig } from './config';

function tlsOption(config: TemporalConfig) {
  if (config.tls === undefined) return {};
  if (config.tls === true) return { tls: true };
  return { tls: { clientCertPair: { crt: config.tls.crt, key: config.tls.key } } };
}

export async function connect(config: TemporalConfig): Promise<Connection> {
  return Connection.connect({
    address: config.address,
    ...tlsOption(config),
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
  });
}

/** A client whose payloads are encrypted with the configured keyring (src/codec). */
export async function connectClient(config: TemporalConfig): Promise<Client> {
  return new Client({
    connection: await connect(config),
    namespace: config.namespace,
    dataConverter: dataConverter(config.keyring),
  });
}

export async function connectWorker(config: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect({
    address: config.address,
    ...tlsOption(config),
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
  });
}
