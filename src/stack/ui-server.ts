/**
 * The Temporal Web UI server for the stack, pointed at its frontend and at the codec server (the
 * staff's browsers call the codec server themselves, so it is its address as they reach it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterCertificates } from './certificates';
import { ManagedProcess } from './managed-process';

export interface UiServerOptions {
  readonly dir: string;
  readonly port: number;
  readonly binary: string;
  readonly temporalAddress: string;
  readonly codecEndpoint: string;
  /** The frontend's mutual TLS: the UI server connects with its own client certificate. */
  readonly tls: ClusterCertificates;
}

export class UiServer {
  readonly process: ManagedProcess;

  constructor(readonly options: UiServerOptions) {
    const configDir = join(options.dir, 'config');
    mkdirSync(configDir, { recursive: true });
    writeFileSync(
      join(configDir, 'stack.yaml'),
      [
        "# Written by manifiesta's production-like stack; rewritten at each start.",
        `temporalGrpcAddress: ${options.temporalAddress}`,
        'host: 127.0.0.1',
        `port: ${options.port}`,
        'enableUi: true',
        'defaultNamespace: default',
        'disableNewsFetch: true',
        'notifyOnNewVersion: false',
        'cors:',
        '  cookieInsecure: true',
        'codec:',
        `  endpoint: ${options.codecEndpoint}`,
        'auth:',
        '  enabled: false',
        // Its own certificate to the frontend, and the server's verified (host verification is
        // off unless asked for).
        'tls:',
        `  caFile: ${JSON.stringify(options.tls.ca)}`,
        `  certFile: ${JSON.stringify(options.tls.clients['web-ui'].cert)}`,
        `  keyFile: ${JSON.stringify(options.tls.clients['web-ui'].key)}`,
        `  serverName: ${JSON.stringify(options.tls.serverName)}`,
        '  enableHostVerification: true',
        '',
      ].join('\n'),
    );
    this.process = new ManagedProcess({
      name: 'Temporal Web UI',
      command: options.binary,
      args: ['--root', options.dir, '--config', 'config', '--env', 'stack', 'start'],
      logFile: join(options.dir, 'ui-server.log'),
      ready: async () => {
        const response = await fetch(`${this.url}/healthz`);
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
      },
    });
  }

  get url(): string {
    return `http://localhost:${this.options.port}`;
  }
}
