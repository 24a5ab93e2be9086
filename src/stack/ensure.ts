/**
 * `npm run stack:ensure`: finds or builds every server of the production-like stack (CI runs it
 * before the tests, so their time is not the build's).
 */
import { resolveStackBinary, STACK_BINARIES, temporalSchemaDir } from './binaries';

const log = (line: string): void => console.log(`[stack] ${line}`);

if (require.main === module) {
  try {
    for (const binary of Object.values(STACK_BINARIES))
      log(`${binary.name}: ${resolveStackBinary(binary, log)}`);
    log(`PostgreSQL schema: ${temporalSchemaDir(log)}`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
