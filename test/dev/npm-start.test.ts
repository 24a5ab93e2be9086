/**
 * `npm start -- --demo` as a newcomer runs it: everything comes up and prints its URLs, the demo
 * signer signs with the files the demo wrote, Ctrl-C stops everything, and the state is still
 * there on the next start.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { freePort } from '../../src/dev/temporal';
import { processEnv } from '../support/process-env';
import { runCliAsync } from '../support/cli';

const START = join(__dirname, '..', '..', 'dist', 'src', 'dev', 'start.js');

describe('npm start', function () {
  this.timeout(300_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'manifiesta-data-'));
  let ports: Record<string, number>;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    // The test run's own server resolves (and, if needed, builds) the temporal binary first.
    const shared = await processEnv();
    ports = {
      TEMPORAL_PORT: await freePort(),
      TEMPORAL_UI_PORT: await freePort(),
      SMTP_PORT: await freePort(),
      OUTBOX_PORT: await freePort(),
      PORTAL_PORT: await freePort(),
      CODEC_PORT: await freePort(),
    };
    const inherited = { ...process.env };
    for (const name of [
      'TEMPORAL_ADDRESS',
      'SMTP_URL',
      'LINK_SECRET',
      'EVIDENCE_DIR',
      'TRUST_ANCHORS',
      'PORTAL_BASE_URL',
      'PAYLOAD_KEYS',
      'PAYLOAD_KEY_ID',
    ])
      delete inherited[name];
    env = {
      ...inherited,
      DATA_DIR: dataDir,
      TEMPORAL_CLI_PATH: shared.temporalBinary,
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    };
  });

  function launch(args: string[]): Promise<{ child: ChildProcess; output: () => string }> {
    const child = spawn(process.execPath, [START, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    return new Promise((resolve, reject) => {
      const timer = setInterval(() => {
        if (output.includes('Ctrl-C stops everything')) {
          clearInterval(timer);
          resolve({ child, output: () => output });
        } else if (child.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(`npm start exited: ${output}`));
        }
      }, 200);
    });
  }

  async function stop(child: ChildProcess): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    return exited;
  }

  it('brings everything up with the demo, the demo signer signs, Ctrl-C stops it, and state persists', async function () {
    const first = await launch(['--demo']);
    const out = first.output();
    const portal = `http://localhost:${ports.PORTAL_PORT}`;
    for (const url of [
      `http://localhost:${ports.TEMPORAL_UI_PORT}`,
      portal,
      `http://localhost:${ports.OUTBOX_PORT}`,
    ]) {
      assert.ok(out.includes(url), `prints ${url}`);
    }
    assert.match(out, /demo: started adhesion-demo-15037/);
    assert.equal((await fetch(`${portal}/healthz`)).status, 200);
    assert.equal(
      (await fetch(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}/`)).status,
      200,
      'the Web UI answers',
    );

    // The newcomer opens the outbox, then the message, then its link.
    let messagePath: string | undefined;
    for (let i = 0; i < 100 && !messagePath; i++) {
      const list = await (await fetch(`http://localhost:${ports.OUTBOX_PORT}/`)).text();
      messagePath = /href="(\/mensajes\/\d+)">Firma requerida/.exec(list)?.[1];
      if (!messagePath) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(messagePath, 'the signing request is in the outbox');
    const message = await (await fetch(`http://localhost:${ports.OUTBOX_PORT}${messagePath}`)).text();
    const link = /href="(http:\/\/localhost:\d+\/firmar\/[^"]+)"/.exec(message)?.[1];
    assert.ok(link && link.startsWith(`${portal}/firmar/`), `a signing link on the portal: ${link}`);
    assert.equal((await fetch(link)).status, 200);

    // Sign as the page does, with the demo's .cer, .key and password.
    const token = link.split('/firmar/')[1]!;
    const demo = join(dataDir, 'demo-firmantes', 'presidenta-municipal');
    const password = readFileSync(join(demo, 'contrasena.txt'), 'utf8').trim();
    const info = forge.pki.decryptPrivateKeyInfo(
      forge.asn1.fromDer(readFileSync(join(demo, 'efirma.key')).toString('binary')),
      password,
    );
    const key = forge.pki.privateKeyFromAsn1(info) as forge.pki.rsa.PrivateKey;
    const letter = Buffer.from(
      await (await fetch(`${portal}/api/v1/signing/${token}/document`)).arrayBuffer(),
    );
    const md = forge.md.sha256.create();
    md.update(letter.toString('binary'));
    const response = await fetch(`${portal}/api/v1/signing/${token}/signature`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        format: 'pkcs1-sha256',
        signature: Buffer.from(key.sign(md), 'binary').toString('base64'),
        certificate: readFileSync(join(demo, 'efirma.cer')).toString('base64'),
      }),
    });
    const accepted = (await response.json()) as { status: string; stage: string };
    assert.equal(accepted.status, 'accepted', JSON.stringify(accepted));

    assert.equal(await stop(first.child), 0, 'Ctrl-C stops everything cleanly');

    // Started again, without --demo: the process and its mail are still there.
    const second = await launch([]);
    try {
      // The CLI finds the payload key npm start keeps in DATA_DIR.
      const status = await runCliAsync(['status', '15037', '--campaign', 'demo', '--json'], {
        TEMPORAL_ADDRESS: `127.0.0.1:${ports.TEMPORAL_PORT}`,
        DATA_DIR: dataDir,
        PAYLOAD_KEYS: '',
      });
      assert.equal(status.status, 0, status.stderr);
      assert.equal(JSON.parse(status.stdout).stage, 'AwaitingInstituteCountersignature');
      const outbox = await (await fetch(`http://localhost:${ports.OUTBOX_PORT}/`)).text();
      assert.match(outbox, /Firma requerida/);
    } finally {
      assert.equal(await stop(second.child), 0);
    }
  });

  it('starts a part again when it dies on its own, and gives up with the reason when it keeps dying', async function () {
    const running = await launch([]);
    const devServerPid = (): number => {
      const found = execFileSync(
        'pgrep',
        ['-f', `temporal server start-dev .*--port ${ports.TEMPORAL_PORT} `],
        {
          encoding: 'utf8',
        },
      );
      return Number(found.trim().split('\n')[0]);
    };
    const until = async (what: string, predicate: () => boolean, ms = 60_000): Promise<void> => {
      const deadline = Date.now() + ms;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${running.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    try {
      process.kill(devServerPid(), 'SIGKILL');
      await until('the restart', () => /the Temporal dev server is running again/.test(running.output()));
      assert.match(
        running.output(),
        /the Temporal dev server stopped \(killed by SIGKILL\); starting it again \(1\/3\)/,
      );
      // Still one system: the CLI reaches the restarted server (state kept in DATA_DIR).
      const status = await runCliAsync(['status', '15037', '--campaign', 'demo', '--json'], {
        TEMPORAL_ADDRESS: `127.0.0.1:${ports.TEMPORAL_PORT}`,
        DATA_DIR: dataDir,
        PAYLOAD_KEYS: '',
      });
      assert.equal(status.status, 0, status.stderr);

      // Killed again and again within the minute: after three restarts npm start gives up.
      for (let restart = 2; restart <= 4; restart++) {
        const exited = running.child.exitCode !== null;
        if (exited) break;
        process.kill(devServerPid(), 'SIGKILL');
        if (restart <= 3)
          await until(`restart ${restart}`, () =>
            new RegExp(`starting it again \\(${restart}/3\\)[\\s\\S]*running again`).test(running.output()),
          );
      }
      const code = await new Promise<number | null>((resolve) =>
        running.child.exitCode !== null
          ? resolve(running.child.exitCode)
          : running.child.once('exit', resolve),
      );
      assert.equal(code, 1);
      assert.match(
        running.output(),
        /the Temporal dev server stopped \(killed by SIGKILL\) 4 times in a row; giving up/,
      );
    } finally {
      if (running.child.exitCode === null) await stop(running.child);
    }
  });
});
