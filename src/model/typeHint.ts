/**
 * A value that only carries a type: for xstate's `setup({ types: { context,
 * events, input } })`, which xstate reads for type inference and never at run
 * time. Keeps type declarations apart from value casts.
 */
export function typeHint<T>(): T {
  return {} as T;
}
