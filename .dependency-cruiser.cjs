/**
 * The layers of src/, bottom to top: a module imports from its own layer or from layers below it,
 * never up, never in a circle. `npm run lint` runs this (and `npm test` runs lint), so a violation
 * fails the build. README's architecture section draws the same picture.
 */
const LAYERS = [
  ['lib', '^src/lib/'],
  ['domain', '^src/domain/'],
  ['signatures', '^src/signatures/'],
  ['timestamps', '^src/timestamps/'],
  ['pdf and campaigns', '^src/(pdf|campaigns)/'],
  ['services', '^src/(codec/(?!main|server)|storage/|links/|revocation/|evidence/)'],
  ['config', '^src/config/'],
  ['activities', '^src/activities/'],
  ['workflows', '^src/workflows/'],
  ['client', '^src/client/'],
  ['wiring', '^src/wiring/'],
  ['entry points', '^src/(worker/|portal/|cli/|codec/(main|server))'],
  ['stack', '^src/stack/'],
  ['dev', '^src/dev/'],
];

/** From each layer, nothing above it (the package entry, src/index.ts, sits on top of all). */
const upward = LAYERS.slice(0, -1).map(([name, path], i) => ({
  name: `no-import-up-from-${name.replace(/ /g, '-')}`,
  comment: `${name} may import only from itself and the layers below it`,
  severity: 'error',
  from: { path },
  to: {
    path: LAYERS.slice(i + 1)
      .map(([, p]) => `(${p})`)
      .join('|'),
  },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-circular',
      comment: 'modules that import each other, directly or through others',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'workflows-import-activities-as-types-only',
      comment: 'workflow code is deterministic: it names activities by their types, never runs their code',
      severity: 'error',
      from: { path: '^src/workflows/' },
      to: { path: '^src/activities/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'entry-points-stand-apart',
      comment:
        'the worker, the portal, the CLI and the codec server share code through the layers below, not through each other',
      severity: 'error',
      from: { path: '^src/(worker/|portal/|cli/|codec/(?=main|server))' },
      to: { path: '^src/(worker/|portal/|cli/|codec/(main|server))', pathNot: '^src/$1' },
    },
    {
      name: 'activities-run-in-the-worker',
      comment: 'the portal, the CLI and the codec server ask the process; they never run its activities',
      severity: 'error',
      from: { path: '^src/(portal|cli|codec)/' },
      to: { path: '^src/activities/' },
    },
    {
      name: 'no-dev-in-production',
      comment: 'src/dev/ is `npm start` on a developer machine: nothing else imports it',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/dev/' },
      to: { path: '^src/dev/' },
    },
    {
      name: 'no-loose-files',
      comment: 'every module lives in the folder of its layer; only the package entry sits in src/',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/[^/]+\\.ts$', pathNot: '^src/index\\.ts$' },
    },
    {
      name: 'src-never-imports-tests',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^src/portal/assets/' },
  },
};
