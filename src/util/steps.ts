// Set-up as an ordered list of named steps. A step whose effects outlive the process
// that made them (the pod sandbox's mounts, cgroups, processes) has an undo; the runner
// undoes in reverse order. Steps that run inside a process's own namespaces and die with
// them (the container init stage) have no undo: the namespaces' end is their undo.

export interface SetupStep<C> {
  /** Names the step in reports. */
  readonly name: string;
  setUp(ctx: C): void;
}

/**
 * A step with its undo. `undo` works from what is on disk and in the kernel, never from
 * what `setUp` remembered, and is idempotent: it also runs after a crash in the middle of
 * its own `setUp` or of an earlier step's (then it finds nothing, or part, of its work),
 * and again after a crash in the middle of itself. Its context is the smaller one a
 * teardown has (`U`), which the set-up context (`S`) extends.
 */
export interface UndoableStep<S extends U, U> extends SetupStep<S> {
  undo(ctx: U): void;
}

/**
 * Runs the steps in order. When one throws, undoes it and every step before it in reverse
 * order, then rethrows its error. An undo that fails stops the rollback (what is left
 * stays for `undoAll` to retry) and is handed to `onUndoError`, so that it is reported but
 * never hides the set-up error.
 */
export function setUpAll<S extends U, U>(
  steps: readonly UndoableStep<S, U>[],
  ctx: S,
  onUndoError: (step: string, err: unknown) => void,
): void {
  let i = 0;
  try {
    for (; i < steps.length; i++) steps[i].setUp(ctx);
  } catch (err) {
    for (let j = i; j >= 0; j--) {
      try {
        steps[j].undo(ctx);
      } catch (undoErr) {
        onUndoError(steps[j].name, undoErr);
        break;
      }
    }
    throw err;
  }
}

/**
 * Undoes every step in reverse order, whether or not it was ever set up. Stops at the
 * first failure and throws it, leaving the earlier steps' work in place to retry from.
 */
export function undoAll<U>(steps: readonly { undo(ctx: U): void }[], ctx: U): void {
  for (let i = steps.length - 1; i >= 0; i--) steps[i].undo(ctx);
}
