/**
 * The `gmemsim` command line. Commands, flags, exit codes and the `--json`
 * summary line are a contract: they change only by adding.
 */
import { randomInt } from 'node:crypto';
import { Command, CommanderError, Option } from 'commander';
import { LogExistsError, LogFormatError, LogOpenError } from '../log/logErrors.js';
import { ModelError } from '../runtime/world.js';
import { UnknownVariantError, VariantModeError } from '../variants/index.js';
import { type Catalogue, PluginError, UnknownDesignError } from '../run/catalogue.js';
import { loadPlugins, MissingPluginError } from '../run/plugins.js';
import { ScenarioError } from '../scenarios/load.js';
import { GMEMSIM_VERSION } from '../version.js';
import { exploreCommand } from './commands/explore.js';
import { invariantsCommand, modesCommand, scenariosCommand, variantsCommand } from './commands/list.js';
import { runCommand } from './commands/run.js';
import { checkCommand, replayCommand } from './commands/replay.js';
import { shrinkCommand } from './commands/shrink.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import { collect, parseNat, parsePositive, parseSeconds, UsageError } from './options.js';
import { makeOut, type Out } from './output.js';

/** Wall clock for elapsed times (the CLI may read clocks; the simulation never does). */
const now = (): number => performance.now();

function withErrors(out: Out, fn: () => ExitCode): ExitCode {
  try {
    return fn();
  } catch (e) {
    if (
      e instanceof LogFormatError ||
      e instanceof LogOpenError ||
      e instanceof ScenarioError ||
      e instanceof LogExistsError ||
      e instanceof UsageError ||
      e instanceof UnknownVariantError ||
      e instanceof VariantModeError ||
      e instanceof PluginError ||
      e instanceof MissingPluginError ||
      e instanceof UnknownDesignError
    ) {
      out.error(e.message);
      out.summary({ error: e.message, exitCode: EXIT.badInput });
      return EXIT.badInput;
    }
    if (e instanceof ModelError) {
      out.error(`model error (a gmemsim bug, not a protocol violation): ${e.message}`);
      out.summary({ error: e.message, exitCode: EXIT.internal });
      return EXIT.internal;
    }
    throw e;
  }
}

async function withErrorsAsync(out: Out, fn: () => Promise<ExitCode>): Promise<ExitCode> {
  try {
    return await fn();
  } catch (e) {
    return withErrors(out, () => {
      throw e;
    });
  }
}

const scenarioOption = (): Option => new Option('--scenario <name|file>', 'built-in scenario name or JSON scenario file (default: the built-in default)');
const modeOption = (): Option => new Option('--mode <mode>', "protocol design to model (overrides the scenario's mode)");
const variantOption = (): Option => new Option('--variant <id>', 'reintroduce a catalogued bug (see `gmemsim variants`)');
const jsonOption = (): Option => new Option('--json', 'print one JSON summary object as the last line of stdout');
const pluginOption = (): Option =>
  new Option('--plugin <file>', 'load variants, modes, checkers and scenarios from a .js, .mjs or .ts module (repeatable)').argParser(collect);

/** The catalogue of a command: the built-ins plus its `--plugin` files. */
const catalogueOf = (o: { plugin?: readonly string[] }) => loadPlugins(o.plugin ?? []);

/** Builds the program; `setCode` receives each command's exit code. */
export function buildProgram(setCode: (code: ExitCode) => void): Command {
  const program = new Command('gmemsim')
    .description('Hunts races in Linux KVM guest_memfd memory-conversion protocols (event-sourced actor simulator).')
    .version(GMEMSIM_VERSION)
    .showHelpAfterError()
    .exitOverride();

  program
    .command('run')
    .description('run one schedule of a scenario')
    .addOption(scenarioOption())
    .addOption(modeOption())
    .addOption(variantOption())
    .option('--seed <n>', 'seed of the schedule', parseNat, 1)
    .option('--schedule <i>', 'run schedule i of `explore --seed N` (its seed is derived from both)', parseNat)
    .option('--out <file>', 'write the log (NDJSON) to this file')
    .option('--force', 'overwrite an existing log file')
    .option('--max-steps <n>', 'stop after this many steps', parsePositive)
    .addOption(pluginOption())
    .addOption(jsonOption())
    .action(async (o: { json?: boolean; plugin?: string[] } & Parameters<typeof runCommand>[0]) => {
      const out = makeOut(o.json === true);
      setCode(await withErrorsAsync(out, async () => runCommand(o, out, now, await catalogueOf(o))));
    });

  program
    .command('explore')
    .description('run many seeded schedules; stop at the first violation, save its log and print how to reproduce it')
    .addOption(scenarioOption())
    .addOption(modeOption())
    .addOption(variantOption())
    .option('--schedules <n>', 'number of schedules (default 1000, or unlimited with --time-budget)', parsePositive)
    .option('--time-budget <seconds>', 'stop starting schedules after this long', parseSeconds)
    .option('--seed <n>', 'master seed (default: a fresh one, printed)', parseNat)
    .option('--out <dir>', 'directory for violation logs', 'gmemsim-out')
    .option('--force', 'overwrite an existing log file')
    .option('--strategy <name>', 'random, pct, pos, dpor or portfolio (default portfolio)')
    .option('--workers <n>', 'worker threads (same result for any n)', parsePositive)
    .option('--check-determinism <n>', 'replay every nth schedule and compare step by step (a difference is a model error, exit 4)', parsePositive)
    .option('--no-shrink', 'do not shrink the violation found')
    .option('--max-steps <n>', 'steps per schedule', parsePositive)
    .option('--preemption-bound <n>', 'DPOR: maximum preemptions per execution', parseNat)
    .addOption(pluginOption())
    .addOption(jsonOption())
    .action(async (o: { json?: boolean; seed?: number; plugin?: string[] } & Omit<Parameters<typeof exploreCommand>[0], 'seed'>) => {
      const out = makeOut(o.json === true);
      const seed = o.seed ?? randomInt(0, 2 ** 31);
      setCode(await withErrorsAsync(out, async () => exploreCommand({ ...o, seed }, out, now, await catalogueOf(o))));
    });

  program
    .command('shrink')
    .description('shrink the counterexample of a log (workload, choices, context switches) to a new replayable log')
    .argument('<log>', 'NDJSON log file with a violation')
    .option('--out <file>', 'where the shrunk log goes (default: LOG with .shrunk.ndjson)')
    .option('--force', 'overwrite an existing log file')
    .option('--max-runs <n>', 'run budget of the shrinker', parsePositive)
    .addOption(pluginOption())
    .addOption(jsonOption())
    .action(async (log: string, o: { json?: boolean; plugin?: string[] } & Parameters<typeof shrinkCommand>[1]) => {
      const out = makeOut(o.json === true);
      setCode(await withErrorsAsync(out, async () => shrinkCommand(log, o, out, now, await catalogueOf(o))));
    });

  program
    .command('replay')
    .description('re-execute the choices a log records and compare entry by entry (exit 3 on divergence)')
    .argument('<log>', 'NDJSON log file')
    .addOption(pluginOption())
    .addOption(jsonOption())
    .action(async (log: string, o: { json?: boolean; plugin?: string[] }) => {
      const out = makeOut(o.json === true);
      setCode(await withErrorsAsync(out, async () => replayCommand(log, out, now, await catalogueOf(o))));
    });

  program
    .command('check')
    .description('fold the invariant checkers over the facts of a log (works on logs from any tool)')
    .argument('<log>', 'NDJSON log file')
    .addOption(pluginOption())
    .addOption(jsonOption())
    .action(async (log: string, o: { json?: boolean; plugin?: string[] }) => {
      const out = makeOut(o.json === true);
      setCode(await withErrorsAsync(out, async () => checkCommand(log, out, now, await catalogueOf(o))));
    });

  const lists: [string, string, (out: Out, catalogue: Catalogue) => ExitCode][] = [
    ['scenarios', 'list the scenarios (built-in and from plugins)', scenariosCommand],
    ['variants', 'list the bug variants (id, name, modes, invariant broken, exposing scenario)', variantsCommand],
    ['invariants', 'list the invariant checkers (id, statement, modes)', invariantsCommand],
    ['modes', 'list the protocol designs', modesCommand]
  ];
  for (const [name, description, fn] of lists) {
    program
      .command(name)
      .description(description)
      .addOption(pluginOption())
      .addOption(jsonOption())
      .action(async (o: { json?: boolean; plugin?: string[] }) => {
        const out = makeOut(o.json === true);
        setCode(await withErrorsAsync(out, async () => fn(out, await catalogueOf(o))));
      });
  }
  return program;
}

/** Runs the CLI on `argv` (as process.argv) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let code: ExitCode = EXIT.ok;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      return EXIT.badInput;
    }
    throw e;
  }
  return code;
}
