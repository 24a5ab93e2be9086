/**
 * The real Temporal server (go.temporal.io/server, all four services in one process) on the
 * stack's PostgreSQL: its schema applied with Temporal's own SQL tool (idempotent), its config
 * written from the ports chosen, the `default` namespace registered (the server does not create
 * it) and our search attributes added.
 *
 * History archival: the server uploads the history of every workflow that closes to the stack's
 * object store (its `s3store` archiver, with an account of its own), a few seconds after the close
 * and before the namespace's retention deletes it; the frontend serves a run's history from there
 * once it is gone (`temporal workflow show --workflow-id … --run-id …`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import type { ClusterCertificates } from './certificates';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { TemporalSetupError } from './binaries';
import { registerSearchAttributes } from '../client/namespace';
import { ManagedProcess } from './managed-process';
import type { HistoryArchive } from './object-store-server';
import type { Postgres } from './postgres';

const { ArchivalState } = temporal.api.enums.v1;

/**
 * How long after a workflow closes the server may wait before archiving its history: a random time
 * up to this (Temporal's default is 5 minutes, to spread a surge of closes; the stack's are few).
 */
const ARCHIVE_DELAY = '15s';

export interface TemporalServerOptions {
  readonly dir: string;
  /**
   * The frontend's gRPC port; the other services take the next ports (+1 … +8), which must stay
   * below 32768 (Temporal keeps membership ports in a PostgreSQL smallint).
   */
  readonly port: number;
  readonly server: string;
  readonly sqlTool: string;
  readonly schemaDir: string;
  readonly postgres: Postgres;
  readonly namespace: string;
  readonly log: (line: string) => void;
  /**
   * Mutual TLS on the frontend: only clients with a certificate from this set's CA get in. The
   * server's own system worker (schedules, batch jobs) has its own client certificate.
   */
  readonly tls: ClusterCertificates;
  /** Where the histories of closed workflows are archived (the stack's object store). */
  readonly historyArchive: HistoryArchive;
}

export class TemporalServer {
  readonly process: ManagedProcess;

  constructor(private readonly options: TemporalServerOptions) {
    mkdirSync(options.dir, { recursive: true });
    const configFile = join(options.dir, 'temporal-postgres.yaml');
    writeFileSync(configFile, serverConfig(options), { mode: 0o600 }); // it holds the database password
    writeFileSync(
      join(options.dir, 'dynamicconfig.yaml'),
      `# Dynamic configuration of the stack's Temporal server (re-read every 10 s).
# A closed workflow's history is archived a random time up to this after its close.
history.archivalProcessorArchiveDelay:
  - value: ${JSON.stringify(ARCHIVE_DELAY)}
`,
    );
    this.process = new ManagedProcess({
      name: 'Temporal server',
      command: options.server,
      args: ['--config-file', configFile, '--allow-no-auth', 'start'],
      // The archiver's account on the object store (the AWS SDK reads it from the environment).
      env: options.historyArchive.env,
      logFile: join(options.dir, 'temporal.log'),
      ready: () => this.answers(),
      stopGraceMs: 15_000,
    });
  }

  get address(): string {
    return `127.0.0.1:${this.options.port}`;
  }

  /** Applies (or confirms) the schema of both databases; safe on an existing database. */
  setupSchema(): void {
    const pg = this.options.postgres;
    const [host, port] = pg.address.split(':') as [string, string];
    const env = {
      ...process.env,
      SQL_PLUGIN: 'postgres12',
      SQL_HOST: host,
      SQL_PORT: port,
      SQL_USER: 'temporal',
      SQL_PASSWORD: pg.password,
    };
    for (const [db, schema] of [
      ['temporal', 'temporal'],
      ['temporal_visibility', 'visibility'],
    ] as const) {
      for (const args of [
        ['create-database'],
        ['setup-schema', '-v', '0.0'],
        ['update-schema', '-d', join(this.options.schemaDir, schema, 'versioned')],
      ]) {
        const result = spawnSync(this.options.sqlTool, ['--db', db, ...args], { env, encoding: 'utf8' });
        if (result.status !== 0)
          throw new TemporalSetupError(`temporal-sql-tool --db ${db} ${args.join(' ')}: ${result.stderr}`);
      }
    }
  }

  /** The stack's own connection (its setup and readiness), with the CLI's client certificate. */
  private connect(connectTimeout?: number): Promise<Connection> {
    const { tls } = this.options;
    return Connection.connect({
      address: this.address,
      ...(connectTimeout ? { connectTimeout } : {}),
      tls: {
        serverRootCACertificate: readFileSync(tls.ca),
        serverNameOverride: tls.serverName,
        clientCertPair: { crt: readFileSync(tls.clients.cli.cert), key: readFileSync(tls.clients.cli.key) },
      },
    });
  }

  private async answers(): Promise<void> {
    const connection = await this.connect(2_000);
    try {
      await connection.workflowService.getSystemInfo({});
    } finally {
      await connection.close();
    }
  }

  /**
   * Starts the server, then registers the namespace (once) with history archival, enables it on a
   * namespace registered without it, and adds our search attributes.
   */
  async start(): Promise<void> {
    await this.process.start();
    const connection = await this.connect();
    try {
      const { namespace, historyArchive } = this.options;
      let registered = false;
      try {
        await connection.workflowService.registerNamespace({
          namespace,
          workflowExecutionRetentionPeriod: msToTs('30 days'),
          historyArchivalState: ArchivalState.ARCHIVAL_STATE_ENABLED,
          historyArchivalUri: historyArchive.uri,
        });
        registered = true;
        this.options.log(
          `Temporal namespace ${namespace} registered, its histories archived to ${historyArchive.uri}`,
        );
      } catch (error) {
        if (!/already exists/i.test(String(error))) throw error;
      }
      // The server caches "not found" for a second: wait until the namespace answers.
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          await connection.workflowService.describeNamespace({ namespace });
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
      if (!registered) await this.enableHistoryArchival(connection);
      await registerSearchAttributes(connection, namespace);
    } finally {
      await connection.close();
    }
  }

  /**
   * A namespace registered before the stack archived (or with archival turned off since) gets it:
   * its URI is kept when it has one, as Temporal never changes a namespace's archival URI.
   */
  private async enableHistoryArchival(connection: Connection): Promise<void> {
    const { namespace, historyArchive } = this.options;
    const { config } = await connection.workflowService.describeNamespace({ namespace });
    if (config?.historyArchivalState === ArchivalState.ARCHIVAL_STATE_ENABLED) {
      if (config.historyArchivalUri !== historyArchive.uri)
        this.options.log(
          `Temporal namespace ${namespace} archives its histories to ${config.historyArchivalUri}, not ${historyArchive.uri} (an archival URI cannot be changed)`,
        );
      return;
    }
    await connection.workflowService.updateNamespace({
      namespace,
      config: {
        historyArchivalState: ArchivalState.ARCHIVAL_STATE_ENABLED,
        historyArchivalUri: config?.historyArchivalUri || historyArchive.uri,
      },
    });
    this.options.log(
      `Temporal namespace ${namespace}: history archival enabled, to ${config?.historyArchivalUri || historyArchive.uri}`,
    );
  }
}

function serverConfig(options: TemporalServerOptions): string {
  const p = options.port;
  const { tls, historyArchive } = options;
  const [host, port] = options.postgres.address.split(':') as [string, string];
  const store = (database: string, maxConns: number): string => `      sql:
        pluginName: "postgres12"
        databaseName: "${database}"
        connectAddr: "${host}:${port}"
        connectProtocol: "tcp"
        user: "temporal"
        password: ${JSON.stringify(options.postgres.password)}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
  const service = (grpc: number, membership: number, http?: number) =>
    `    rpc:\n      grpcPort: ${grpc}\n      membershipPort: ${membership}\n      bindOnLocalHost: true${
      http ? `\n      httpPort: ${http}` : ''
    }`;
  return `# Written by manifiesta's production-like stack (npm run stack:production); rewritten at each start.
log:
  stdout: true
  level: warn
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
    postgres-default:
${store('temporal', 20)}
    postgres-visibility:
${store('temporal_visibility', 10)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
  # Mutual TLS: on the frontend (gRPC and HTTP) a client needs a certificate from our CA, and so
  # does anything talking to the history and matching services (internode), so that no one on
  # this machine goes round the frontend. The system worker reaches the frontend like any client,
  # with a certificate of its own (and must name the server).
  tls:
    internode:
      server:
        certFile: ${JSON.stringify(tls.internode.cert)}
        keyFile: ${JSON.stringify(tls.internode.key)}
        requireClientAuth: true
        clientCaFiles:
          - ${JSON.stringify(tls.ca)}
      client:
        serverName: ${JSON.stringify(tls.serverName)}
        rootCaFiles:
          - ${JSON.stringify(tls.ca)}
    frontend:
      server:
        certFile: ${JSON.stringify(tls.server.cert)}
        keyFile: ${JSON.stringify(tls.server.key)}
        requireClientAuth: true
        clientCaFiles:
          - ${JSON.stringify(tls.ca)}
    systemWorker:
      certFile: ${JSON.stringify(tls.clients['temporal-system'].cert)}
      keyFile: ${JSON.stringify(tls.clients['temporal-system'].key)}
      client:
        serverName: ${JSON.stringify(tls.serverName)}
        rootCaFiles:
          - ${JSON.stringify(tls.ca)}
services:
  frontend:
${service(p, p + 5, p + 4)}
  history:
${service(p + 1, p + 6)}
  matching:
${service(p + 2, p + 7)}
  worker:
${service(p + 3, p + 8)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${p}"
      httpAddress: "127.0.0.1:${p + 4}"
dcRedirectionPolicy:
  policy: "noop"
# History archival: the history of each closed workflow goes to the stack's object store (the AWS
# SDK takes the server's account from its environment), and the frontend reads it back from there
# once retention has deleted the run. Visibility archival is off: a run is found by its IDs.
archival:
  history:
    state: "enabled"
    enableRead: true
    provider:
      s3store:
        region: ${JSON.stringify(historyArchive.region)}
        endpoint: ${JSON.stringify(historyArchive.endpoint)}
        s3ForcePathStyle: true
  visibility:
    state: "disabled"
namespaceDefaults:
  archival:
    history:
      state: "enabled"
      URI: ${JSON.stringify(historyArchive.uri)}
dynamicConfigClient:
  filepath: ${JSON.stringify(join(options.dir, 'dynamicconfig.yaml'))}
  pollInterval: "10s"
`;
}
