/** `npm run temporal:ensure`: finds or builds the Temporal CLI (see resolveTemporalBinary) and prints its path. */
import { resolveTemporalBinary } from './temporal';

resolveTemporalBinary((line) => console.error(line)).then(
  (path) => console.log(path),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
