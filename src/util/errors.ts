// The one error hierarchy of podrun. Every error podrun raises is a PodrunError whose
// `kind` decides the exit code; the subclasses carry what names the fault (the manifest
// field, or the system call with its errno name and path). The CLI prints `message` as
// one line on stderr, and the supervisor API carries the error across the socket intact
// (toWire / fromWire), so a client sees the same kind, field and syscall as the server.
import { errnoName } from './errno.js';

/**
 * usage / invalid: bad flags or input (exit 2). notFound, exists, runtime: exit 1.
 * exec: a failure of `exec`/`run` itself, with the status Docker and Podman use
 * (125 podrun failed, 126 not executable, 127 not found).
 */
export type ErrorKind = 'usage' | 'invalid' | 'notFound' | 'exists' | 'runtime' | 'exec';

export const EXIT_CODE: Record<Exclude<ErrorKind, 'exec'>, number> = {
  usage: 2,
  invalid: 2,
  notFound: 1,
  exists: 1,
  runtime: 1,
};

/** exec's own statuses (125, 126, 127), or another that `run` passes through. */
export type ExecStatus = number;

export class PodrunError extends Error {
  readonly kind: ErrorKind;
  /** The exit status the CLI uses for this error. */
  readonly exitCode: number;
  constructor(message: string, kind: ErrorKind = 'runtime', execStatus: ExecStatus = 125) {
    super(message);
    this.name = new.target.name;
    this.kind = kind;
    this.exitCode = kind === 'exec' ? execStatus : EXIT_CODE[kind];
  }
}

/** Bad user input: a manifest field, a flag, a name. `field` is the Kubernetes-style path. */
export class InvalidInputError extends PodrunError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(field ? `${field}: ${message}` : message, 'invalid');
    this.field = field;
  }
}

/** A command line that does not parse (unknown verb or flag, missing argument). */
export class UsageError extends PodrunError {
  constructor(message: string) {
    super(message, 'usage');
  }
}

/** A pod or container that does not exist. */
export class NotFoundError extends PodrunError {
  constructor(message: string) {
    super(message, 'notFound');
  }
}

/** A pod that exists already (create with a taken name). */
export class AlreadyExistsError extends PodrunError {
  constructor(message: string) {
    super(message, 'exists');
  }
}

/** A failed system call: which call, its errno name, and the path or object involved. */
export class SyscallError extends PodrunError {
  readonly call: string;
  readonly errno: number;
  /** The errno name (ENOENT). */
  readonly code: string;
  readonly path?: string;
  constructor(call: string, errno: number, path?: string, detail?: string) {
    const code = errnoName(errno);
    super(`${call}${path ? ` ${path}` : ''}${detail ? ` (${detail})` : ''}: ${code}`);
    this.call = call;
    this.errno = errno;
    this.code = code;
    this.path = path;
  }
}

/** A container that could not be started: the init stage's report (or the spawn's error). */
export class StartError extends PodrunError {
  /** The container status reason: StartError, or the init stage's (e.g. a missing command). */
  readonly reason: string;
  /** The exit code the container's record gets (126, 127, 128). */
  readonly containerExitCode: number;
  constructor(message: string, reason: string, containerExitCode: number) {
    super(message, 'exec', containerExitCode === 126 || containerExitCode === 127 ? containerExitCode : 125);
    this.reason = reason;
    this.containerExitCode = containerExitCode;
  }
}

/** An error as it crosses the supervisor API (JSON). */
export interface WireError {
  kind: ErrorKind;
  message: string;
  exitCode: number;
  field?: string;
  call?: string;
  code?: string;
  errno?: number;
  path?: string;
  reason?: string;
}

/** Any thrown value as a PodrunError; an error of unknown origin is a runtime failure. */
export function asPodrunError(err: unknown): PodrunError {
  if (err instanceof PodrunError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.syscall === 'string' && typeof e.errno === 'number') {
    // Node's own fs and net errors: the same shape as ours.
    return new SyscallError(e.syscall, Math.abs(e.errno), e.path);
  }
  return new PodrunError(e instanceof Error ? e.message : String(err));
}

export function toWire(err: PodrunError): WireError {
  const w: WireError = { kind: err.kind, message: err.message, exitCode: err.exitCode };
  if (err instanceof InvalidInputError) w.field = err.field;
  if (err instanceof SyscallError) Object.assign(w, { call: err.call, code: err.code, errno: err.errno, path: err.path });
  if (err instanceof StartError) w.reason = err.reason;
  return w;
}

/** The error a client raises for a WireError: the same class, kind, field and syscall. */
export function fromWire(w: WireError): PodrunError {
  let err: PodrunError;
  if (w.field !== undefined) {
    err = new InvalidInputError(w.field, '');
  } else if (w.call !== undefined && w.errno !== undefined) {
    err = new SyscallError(w.call, w.errno, w.path);
  } else if (w.kind === 'notFound') {
    err = new NotFoundError(w.message);
  } else if (w.kind === 'exists') {
    err = new AlreadyExistsError(w.message);
  } else if (w.reason !== undefined) {
    err = new StartError(w.message, w.reason, w.exitCode);
  } else {
    err = new PodrunError(w.message, w.kind, w.exitCode as ExecStatus);
  }
  // The server's text is the one to print (a SyscallError's detail, for one).
  Object.defineProperty(err, 'message', { value: w.message });
  return err;
}
