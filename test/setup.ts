/**
 * A fast-check seed always exists and is printed: CI sets GMEMSIM_TEST_SEED (and
 * echoes it); locally it may be set to replay a failure.
 */
import fc from 'fast-check';

const raw = process.env['GMEMSIM_TEST_SEED'];
if (raw !== undefined && raw !== '') {
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed)) throw new Error(`GMEMSIM_TEST_SEED must be an integer, got ${raw}`);
  fc.configureGlobal({ seed });
}

// xstate's development build warns when an action misuses its API (e.g. an actor created inside another
// actor's action). The model must not: such a warning fails the test that provoked it.
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]): void => {
  const text = args.map(String).join(' ');
  if (text.includes('stately.ai')) throw new Error(`xstate warning: ${text}`);
  warn(...args);
};
