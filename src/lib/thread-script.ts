/**
 * Where a thread pool (piscina) finds a thread's script: beside the pool's own module, plain
 * JavaScript from dist/; from src/ (tests, tsx) the TypeScript file, loaded through tsx.
 */
import { join } from 'node:path';

const fromSource = __filename.endsWith('.ts');

/** The piscina options that start `name` (without extension) from the folder `dir`. */
export function threadScript(dir: string, name: string): { filename: string; execArgv?: string[] } {
  return {
    filename: join(dir, `${name}.${fromSource ? 'ts' : 'js'}`),
    ...(fromSource ? { execArgv: [...process.execArgv, '--require', require.resolve('tsx/cjs')] } : {}),
  };
}
