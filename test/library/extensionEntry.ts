/** What the extension tests use, all from the package's public entry. */
import type { Catalogue, CheckerSpec } from 'gmemsim';

export {
  BASE_OWNERS,
  BASE_PATHS,
  BUILTIN_CATALOGUE,
  defineChecker,
  extendCatalogue,
  hex,
  violation,
  explore,
  findScenario,
  loadPlugins,
  MissingPluginError,
  replayLog,
  runSchedule,
  VARIANTS
} from 'gmemsim';

/** The checkers of a catalogue, with their `kind` (set by defineChecker). */
export function CHECKERS_OF(c: Catalogue): readonly (CheckerSpec & { readonly kind?: string })[] {
  return c.checkers;
}
