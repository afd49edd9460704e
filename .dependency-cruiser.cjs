/**
 * The floors of gmemsim (docs/architecture.md): imports point down, never up,
 * and there are no import cycles. `npm run lint` runs this.
 *
 *   0  events, model, scenarios     the vocabulary: log envelope, typed protocol, facts; static domain data; workloads
 *   1  procedures, machines         kernel paths (generators) and owners (statecharts)
 *   2  modes, variants              protocol tables: which paths and owner options a design runs; patches over them
 *   3  runtime, projections, log    the world and scheduler; folds and checkers over facts; log files
 *   4  run                          wiring of one run: factories, runner (world + monitor + sinks)
 *   5  replay, explore              many runs: replay, check, exploration strategies, shrinking
 *   6  cli, index                   the command line and the public entry
 */
const floor = (n, dirs) => dirs.map((d) => ({ n, d }));
const FLOORS = [
  ...floor(0, ['events', 'model', 'scenarios']),
  ...floor(1, ['procedures', 'machines']),
  ...floor(2, ['modes', 'variants']),
  ...floor(3, ['runtime', 'projections', 'log']),
  ...floor(4, ['run']),
  ...floor(5, ['replay', 'explore']),
  ...floor(6, ['cli'])
];
const above = (n) => FLOORS.filter((f) => f.n > n).map((f) => f.d);
const path = (dirs) => `^src/(${dirs.join('|')})/`;

/** One rule per folder: it may not import any folder of a higher floor. */
const upward = FLOORS.filter((f) => above(f.n).length > 0).map((f) => ({
  name: `no-upward-from-${f.d}`,
  comment: `${f.d} (floor ${f.n}) may not import a higher floor: ${above(f.n).join(', ')}`,
  severity: 'error',
  from: { path: `^src/${f.d}/` },
  to: { path: path(above(f.n)) }
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles anywhere in src.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true }
    },
    ...upward,
    {
      name: 'procedures-not-machines',
      comment: 'Kernel paths talk to owners by messages only: procedures do not import machines.',
      severity: 'error',
      from: { path: '^src/procedures/' },
      to: { path: '^src/machines/' }
    },
    {
      name: 'machines-only-the-dsl',
      comment: 'Owners may use the types of the procedure DSL and kernel table (kernel.ts, types.ts) to run threads, but no kernel path.',
      severity: 'error',
      from: { path: '^src/machines/' },
      to: { path: '^src/procedures/', pathNot: '^src/procedures/(kernel|types)\\.ts$' }
    },
    {
      name: 'projections-not-runtime',
      comment: 'Checkers and views read facts only: no runtime, no log files.',
      severity: 'error',
      from: { path: '^src/projections/' },
      to: { path: '^src/(runtime|log)/' }
    },
    {
      name: 'runtime-not-projections',
      comment: 'The world knows nothing of checkers or log files; the run wiring joins them.',
      severity: 'error',
      from: { path: '^src/runtime/' },
      to: { path: '^src/(projections|log)/' }
    },
    {
      name: 'log-only-vocabulary',
      comment: 'Log files read and write entries: they need the vocabulary only.',
      severity: 'error',
      from: { path: '^src/log/' },
      to: { path: '^src/(runtime|projections)/' }
    },
    {
      name: 'nothing-imports-cli',
      comment: 'The command line is the top floor.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli/|index\\.ts$)' },
      to: { path: '^src/(cli/|index\\.ts$)' }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js'] }
  }
};
