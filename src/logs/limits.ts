// Size limits of container log files, the kubelet's containerLogMaxSize and
// containerLogMaxFiles, configurable through the supervisor's environment.
import { parseIntegerQuantity } from '../model/quantity.js';
import { InvalidInputError } from '../util/errors.js';

export interface LogLimits {
  /** Rotate the current file before it would grow past this many bytes. */
  maxSize: number;
  /** Files kept per container instance, the current one included (>= 2). */
  maxFiles: number;
}

/** The kubelet's defaults. */
export const DEFAULT_LOG_LIMITS: Readonly<LogLimits> = Object.freeze({ maxSize: 10 * 1024 * 1024, maxFiles: 5 });

export const MAX_SIZE_VAR = 'PODRUN_LOG_MAX_SIZE';
export const MAX_FILES_VAR = 'PODRUN_LOG_MAX_FILES';

function parseMaxSize(text: string): number {
  // A plain byte count is a quantity without suffix, so one parser covers both.
  const n = parseIntegerQuantity(text.trim());
  if (n === null || !(n >= 1) || !Number.isSafeInteger(n)) {
    throw new InvalidInputError(MAX_SIZE_VAR, `"${text}": must be a positive byte count or a quantity like 10Mi`);
  }
  return n;
}

function parseMaxFiles(text: string): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!(n >= 2) || !Number.isSafeInteger(n)) {
    throw new InvalidInputError(MAX_FILES_VAR, `"${text}": must be a whole number of at least 2 (the current file and one rotated file)`);
  }
  return n;
}

/**
 * The limits set by PODRUN_LOG_MAX_SIZE / PODRUN_LOG_MAX_FILES; an unset or empty
 * variable means the default. A bad value throws an InvalidInputError naming its variable.
 */
export function logLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): LogLimits {
  const size = env[MAX_SIZE_VAR];
  const files = env[MAX_FILES_VAR];
  return {
    maxSize: size ? parseMaxSize(size) : DEFAULT_LOG_LIMITS.maxSize,
    maxFiles: files ? parseMaxFiles(files) : DEFAULT_LOG_LIMITS.maxFiles,
  };
}
