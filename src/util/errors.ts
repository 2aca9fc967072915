// Error types shared by every layer. The CLI maps each to an exit code and prints
// `err.message` as one line on stderr, so messages name the object at fault.

export class PodrunError extends Error {
  /** Exit status the CLI uses for this error (1 runtime failure / not found, 2 invalid input). */
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad user input: a manifest field, a flag, a name. `field` is the Kubernetes-style path. */
export class InvalidInputError extends PodrunError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(field ? `${field}: ${message}` : message, 2);
    this.field = field;
  }
}

/** A pod or container that does not exist. */
export class NotFoundError extends PodrunError {
  constructor(message: string) {
    super(message, 1);
  }
}

/** A pod that exists already (create with a taken name). */
export class AlreadyExistsError extends PodrunError {
  constructor(message: string) {
    super(message, 1);
  }
}
