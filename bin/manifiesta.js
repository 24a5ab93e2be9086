#!/usr/bin/env node
'use strict';
// The coordinator CLI. `npm install` builds dist/ (the `prepare` script).
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
