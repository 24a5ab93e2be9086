/**
 * Independent PDF signature validators, as the tests run them: poppler's `pdfsig` (Debian
 * `poppler-utils`, trust from an NSS database made with `certutil`, Debian `libnss3-tools`) and
 * pyHanko (PyPI, in the venv .ci/run makes; see pyhanko-validate.py for the SAT RFC fix).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Party } from './pki';
import { testTsaParties } from './timestamp-tokens';

const scratch = (): string => mkdtempSync(join(tmpdir(), 'manifiesta-validators-'));

function written(pdf: Uint8Array): string {
  const file = join(scratch(), 'signed.pdf');
  writeFileSync(file, pdf);
  return file;
}

/** An NSS database that trusts `anchors` for signing, as pdfsig reads it. */
export function nssDatabase(anchors: readonly Pick<Party, 'certPath'>[]): string {
  const dir = scratch();
  const certutil = (args: string[]): void => {
    const run = spawnSync('certutil', ['-d', `sql:${dir}`, ...args], { encoding: 'utf8' });
    if (run.error) throw new Error('certutil not found: apt-get install -y libnss3-tools');
    assert.equal(run.status, 0, run.stderr);
  };
  certutil(['-N', '--empty-password']);
  anchors.forEach((anchor, i) =>
    certutil(['-A', '-n', `anchor-${i}`, '-t', 'CT,C,C', '-i', anchor.certPath]),
  );
  return dir;
}

/** pdfsig's output for `pdf`. It exits 0 whatever it finds: the verdicts are in the text. */
export function pdfsig(pdf: Uint8Array, nss: string): string {
  return execFileSync('pdfsig', ['-nssdir', `sql:${nss}`, written(pdf)], {
    stdio: ['ignore', 'pipe', 'ignore'],
  }).toString();
}

export interface PdfsigVerdict {
  readonly field: string;
  /** e.g. "Signature is Valid." or "Digest Mismatch." */
  readonly signatureValid: string;
  /** e.g. "Certificate is Trusted." */
  readonly certificateValid: string;
}

/** Each signature's two verdicts, in pdfsig's order, trusting `anchors`; empty fields left out. */
export function pdfsigVerdicts(
  pdf: Uint8Array,
  anchors: readonly Pick<Party, 'certPath'>[],
): PdfsigVerdict[] {
  const out = pdfsig(pdf, nssDatabase(anchors));
  return out
    .split(/^Signature #\d+:$/m)
    .slice(1)
    .filter((block) => !block.includes('The signature form field is not signed.'))
    .map((block) => ({
      field: /Signature Field Name: (.*)/.exec(block)?.[1]?.trim() ?? '(none)',
      signatureValid: /Signature Validation: (.*)/.exec(block)?.[1]?.trim() ?? '(none)',
      certificateValid: /Certificate Validation: (.*)/.exec(block)?.[1]?.trim() ?? '(none)',
    }));
}

/** The Python that has pyHanko: PYHANKO_PYTHON, or the venv .ci/run makes. */
export function pyhankoPython(): string {
  const python =
    process.env.PYHANKO_PYTHON ?? join(homedir(), '.cache', 'manifiesta', 'venv', 'bin', 'python');
  if (!existsSync(python))
    throw new Error(
      `pyHanko not found at ${python}. Set PYHANKO_PYTHON, or install it with:\n` +
        '  python3 -m venv ~/.cache/manifiesta/venv && ~/.cache/manifiesta/venv/bin/pip install pyhanko pyhanko-cli',
    );
  return python;
}

export const PYHANKO_HELPER = join(__dirname, 'pyhanko-validate.py');

/** pyHanko's verdict on every signature (see pyhanko-validate.py), trusting `root`. */
export function pyhankoValidate(
  pdf: Uint8Array,
  root: Pick<Party, 'certPath'>,
): { status: number | null; lines: string[] } {
  // The tests' TSA root too: every signature made through the process carries its time-stamp.
  const roots = `${root.certPath},${testTsaParties().root.certPath}`;
  const run = spawnSync(pyhankoPython(), [PYHANKO_HELPER, roots, written(pdf)], { encoding: 'utf8' });
  return { status: run.status, lines: run.stdout.trim().split('\n') };
}
