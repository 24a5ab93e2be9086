/**
 * `/assets/sat-rules.js`: the SAT rules the signing page applies before anything is sent, made of
 * the server's own functions (src/signatures/sat-rules.ts), so the page and the verifier cannot
 * drift apart. The script defines one global, `satRules`, with each function under its name.
 */
import * as rules from '../signatures/sat-rules';

export function browserRulesScript(): string {
  const functions = Object.entries(rules).map(([name, rule]) => {
    const source = (rule as (...args: never[]) => unknown).toString();
    if (!source.startsWith(`function ${name}(`))
      throw new Error(`sat-rules: ${name} is not a self-contained function declaration`);
    return { name, source };
  });
  return [
    '/* SAT rules shared with the server (src/signatures/sat-rules.ts). */',
    "'use strict';",
    'var satRules = (function () {',
    ...functions.map(({ source }) => source),
    `  return { ${functions.map(({ name }) => `${name}: ${name}`).join(', ')} };`,
    '})();',
    '',
  ].join('\n');
}
