import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The package version, read from the package.json above this file (in src/ or in dist/src/). */
export function packageVersion(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === 'manifiesta' && manifest.version) return manifest.version;
    } catch {
      // not here; keep walking up
    }
  }
  return 'unknown';
}
