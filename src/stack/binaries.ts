/**
 * The servers of the production-like stack, found or built from their Go modules the way the
 * Temporal CLI is (DESIGN §4): an explicit path, then PATH, then the project's cache, then
 * `go install` into the cache (minutes the first time, cached afterwards). Never committed.
 *
 * Temporal v1.32.2's modules need a newer Go than many machines have: `GOTOOLCHAIN=go1.27.3` makes
 * the go command fetch that toolchain from the module proxy. The Temporal UI server is built
 * through a small wrapper module, because two versions its go.mod pins are not served by the
 * module proxy (403); the wrapper requires the next patch releases of those two, and Go's minimal
 * version selection takes them.
 */
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Temporal, or a server of the stack, could not be found, built or started. */
export class TemporalSetupError extends Error {
  override readonly name = 'TemporalSetupError';
}

/** Where the project keeps the binary it downloaded or built: outside the clone, so it is reused. */
export function temporalCacheDir(): string {
  return (
    process.env.MANIFIESTA_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'manifiesta', 'bin')
  );
}

/** Whether `path` is a file this process may execute. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export const TEMPORAL_SERVER_VERSION = 'v1.32.2';
export const GO_TOOLCHAIN = 'go1.27.3';

export interface StackBinary {
  /** The file name in the cache (and on PATH). */
  readonly name: string;
  /** The environment variable that names an existing binary. */
  readonly env: string;
  /** How to build it. */
  readonly build: (out: string, log: (line: string) => void) => void;
}

const goInstall =
  (module: string, installedAs: string) =>
  (out: string, log: (line: string) => void): void => {
    const bin = mkdtempSync(join(tmpdir(), 'manifiesta-gobin-'));
    try {
      go(['install', module], { GOBIN: bin }, log);
      renameSync(join(bin, installedAs), out);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  };

/** The UI server through a wrapper module (see the file comment). */
function buildUiServer(out: string, log: (line: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'manifiesta-ui-build-'));
  try {
    writeFileSync(
      join(dir, 'go.mod'),
      'module manifiesta.local/uibuild\n\ngo 1.26.10\n\nrequire github.com/temporalio/ui-server/v2 v2.58.1\n',
    );
    writeFileSync(
      join(dir, 'tools.go'),
      '//go:build tools\n\npackage tools\n\nimport _ "github.com/temporalio/ui-server/v2/cmd/server"\n',
    );
    go(['get', 'go.temporal.io/api@v1.64.3', 'github.com/labstack/echo/v4@v4.16.4'], {}, log, dir);
    go(['mod', 'tidy'], {}, log, dir);
    go(['build', '-trimpath', '-o', out, 'github.com/temporalio/ui-server/v2/cmd/server'], {}, log, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const STACK_BINARIES = {
  server: {
    name: 'temporal-server',
    env: 'TEMPORAL_SERVER_PATH',
    build: goInstall(`go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`, 'server'),
  },
  sqlTool: {
    name: 'temporal-sql-tool',
    env: 'TEMPORAL_SQL_TOOL_PATH',
    build: goInstall(`go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`, 'sql'),
  },
  objectStore: {
    name: 'versitygw',
    env: 'VERSITYGW_PATH',
    build: goInstall('github.com/versity/versitygw/cmd/versitygw@v1.8.0', 'versitygw'),
  },
  ui: { name: 'temporal-ui-server', env: 'TEMPORAL_UI_SERVER_PATH', build: buildUiServer },
} as const satisfies Record<string, StackBinary>;

function go(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  cwd?: string,
): void {
  log(`go ${args.join(' ')}`);
  const result = spawnSync('go', args, {
    cwd,
    env: {
      ...process.env,
      GOTOOLCHAIN: process.env.GOTOOLCHAIN || GO_TOOLCHAIN,
      GOFLAGS: '-mod=mod',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0)
    throw new TemporalSetupError(`go ${args.join(' ')} failed (exit ${result.status})`);
}

/** The binary: `$<env>`, PATH, the cache, else built into the cache (with Go). */
export function resolveStackBinary(binary: StackBinary, log: (line: string) => void = () => {}): string {
  const explicit = process.env[binary.env];
  if (explicit) {
    if (!isExecutable(explicit))
      throw new TemporalSetupError(`${binary.env}=${explicit} is not an executable file`);
    return explicit;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, binary.name))) return join(dir, binary.name);
  }
  const cached = join(temporalCacheDir(), binary.name);
  if (isExecutable(cached)) return cached;
  mkdirSync(temporalCacheDir(), { recursive: true });
  log(
    `building ${binary.name} with Go (the first build takes minutes; it is cached in ${temporalCacheDir()})`,
  );
  const started = Date.now();
  binary.build(cached, log);
  if (!isExecutable(cached)) throw new TemporalSetupError(`building ${binary.name} produced no binary`);
  log(`built ${binary.name} in ${Math.round((Date.now() - started) / 1000)} s`);
  return cached;
}

/** The PostgreSQL schema of Temporal's SQL tool, as shipped in the server's module. */
export function temporalSchemaDir(log: (line: string) => void = () => {}): string {
  const result = spawnSync(
    'go',
    ['mod', 'download', '-json', `go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`],
    {
      env: { ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN || GO_TOOLCHAIN, GOFLAGS: '-mod=mod' },
      cwd: tmpdir(),
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) {
    log(result.stderr);
    throw new TemporalSetupError(`go mod download go.temporal.io/server@${TEMPORAL_SERVER_VERSION} failed`);
  }
  return join((JSON.parse(result.stdout) as { Dir: string }).Dir, 'schema', 'postgresql', 'v12');
}
