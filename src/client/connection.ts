/**
 * Connections to Temporal from configuration (plain, mTLS, or Temporal Cloud with an API key): the
 * one place every part (worker, portal, CLI, `npm start`) makes them, so TEMPORAL_API_KEY and the
 * mTLS settings apply to all alike.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { dataConverter } from '../codec/data-converter';
import type { TemporalConfig } from '../config';

function tlsOption(config: TemporalConfig) {
  if (config.tls === undefined) return {};
  if (config.tls === true) return { tls: true };
  return {
    tls: {
      clientCertPair: { crt: config.tls.crt, key: config.tls.key },
      ...(config.tls.ca ? { serverRootCACertificate: config.tls.ca } : {}),
      ...(config.tls.serverName ? { serverNameOverride: config.tls.serverName } : {}),
    },
  };
}

/**
 * gRPC backs off reconnecting to an unreachable server up to two minutes by default: a server
 * back after a restart would then wait that long for its clients. A few seconds at most.
 */
const RECONNECT = { 'grpc.initial_reconnect_backoff_ms': 250, 'grpc.max_reconnect_backoff_ms': 3_000 };

export async function connect(config: TemporalConfig, connectTimeoutMs?: number): Promise<Connection> {
  return Connection.connect({
    address: config.address,
    channelArgs: RECONNECT,
    ...(connectTimeoutMs !== undefined ? { connectTimeout: connectTimeoutMs } : {}),
    ...tlsOption(config),
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
  });
}

/** A client whose payloads are encrypted with the configured keyring (src/codec). */
export async function connectClient(config: TemporalConfig, connectTimeoutMs?: number): Promise<Client> {
  return clientOver(await connect(config, connectTimeoutMs), config);
}

/** The project's client (namespace, encrypted payloads) over a connection made by {@link connect}. */
export function clientOver(connection: Connection, config: TemporalConfig): Client {
  return new Client({
    connection,
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
