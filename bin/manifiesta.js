#!/usr/bin/env -S node --
'use strict';
// The coordinator CLI. `npm install` builds dist/ (the `prepare` script).
// `node --` first: Node looks for its own `--env-file` among every argument up to a `--`, the
// script's too, and would exit 9 ("not found") on a missing file before the CLI could say so in its
// words (nodejs/node#54232); the CLI's `--env-file` is its own (src/cli/env-file.ts).
let cli;
try {
  cli = require('../dist/src/cli/main.js');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && /dist[\\/]src[\\/]cli/.test(String(error.message))) {
    console.error('manifiesta is not built: run `npm install` (or `npm run build`) in the project folder.');
    process.exit(2);
  }
  throw error;
}
cli.run(process.argv);
