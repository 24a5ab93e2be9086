/** Debian's chromium, driven by playwright-core, with the flags this machine's closed network needs. */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`Debian's chromium is needed at ${CHROMIUM} (.ci/run installs it)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // No background networking: without it chromium keeps trying hosts it cannot reach.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Where browser tests put their screenshots: a temporary folder, unless asked to refresh the
 * ones the docs show (`MANIFIESTA_UPDATE_SCREENSHOTS=1 npm test`), so that a test run never rewrites
 * tracked files.
 */
export function screenshotsDir(): string {
  const dir =
    process.env.MANIFIESTA_UPDATE_SCREENSHOTS === '1'
      ? join(__dirname, '..', '..', 'docs', 'screenshots')
      : (screenshots ??= mkdtempSync(join(tmpdir(), 'manifiesta-screenshots-')));
  mkdirSync(dir, { recursive: true });
  return dir;
}
let screenshots: string | undefined;
