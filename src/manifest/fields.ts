// Typed accessors and field classification shared by the manifest parser (parse.ts) and the
// probe/lifecycle parser (probes.ts). Every failure is one InvalidInputError naming the
// Kubernetes field path (exit 2).

import { InvalidInputError } from '../util/errors.js';
import { quote } from '../model/names.js';

export type Obj = Record<string, unknown>;

export function fail(field: string, message: string): never {
  throw new InvalidInputError(field, message);
}

export const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

// ---------------------------------------------------------------------------------------------
// Typed accessors. A JSON/YAML null means "unset", as in Kubernetes (Go's decoder).

export function isObject(v: unknown): v is Obj {
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function get(o: Obj, key: string): unknown {
  if (!Object.hasOwn(o, key)) return undefined;
  const v = o[key];
  return v === null ? undefined : v;
}

export function optString(o: Obj, key: string, path: string): string | undefined {
  const v = get(o, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') fail(join(path, key), 'must be a string');
  return v;
}

export function reqString(o: Obj, key: string, path: string): string {
  const v = optString(o, key, path);
  if (v === undefined || v === '') fail(join(path, key), 'required');
  return v;
}

export function optBool(o: Obj, key: string, path: string): boolean | undefined {
  const v = get(o, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') fail(join(path, key), 'must be a boolean (true or false)');
  return v;
}

export function optInt(o: Obj, key: string, path: string, min: number, max: number): number | undefined {
  const v = get(o, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(join(path, key), 'must be an integer');
  if (v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
    fail(join(path, key), `${v}: must be ${range}`);
  }
  return v;
}

export function optObject(o: Obj, key: string, path: string): Obj | undefined {
  const v = get(o, key);
  if (v === undefined) return undefined;
  if (!isObject(v)) fail(join(path, key), 'must be an object');
  return v;
}

export function optArray(o: Obj, key: string, path: string): unknown[] | undefined {
  const v = get(o, key);
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) fail(join(path, key), 'must be an array');
  return v;
}

export function optStringArray(o: Obj, key: string, path: string): string[] | undefined {
  const v = get(o, key);
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((s): s is string => typeof s === 'string')) {
    fail(join(path, key), 'must be an array of strings');
  }
  return v;
}

export function optEnum<T extends string>(o: Obj, key: string, path: string, values: readonly T[]): T | undefined {
  const v = optString(o, key, path);
  if (v === undefined) return undefined;
  if (!(values as readonly string[]).includes(v)) {
    fail(join(path, key), `${quote(v)}: must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
  }
  return v as T;
}

/** Each element must be an object; yields [element, its path]. */
export function objects(arr: unknown[], path: string): Array<[Obj, string]> {
  return arr.map((el, i) => {
    const p = `${path}[${i}]`;
    if (!isObject(el)) fail(p, 'must be an object');
    return [el, p];
  });
}

export function isAbsolute(p: string): boolean {
  return p.startsWith('/');
}

export function hasDotDot(p: string): boolean {
  return p.split('/').includes('..');
}

export function absolutePath(v: string, field: string): string {
  if (!isAbsolute(v)) fail(field, `${quote(v)}: must be an absolute path`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Field classification

/** Marks a not-yet field that is accepted when empty ({} / []): it then asks for nothing. */
export const EMPTY = Symbol('empty');

export interface Fields {
  /** Handled by this parser. */
  known: readonly string[];
  /** Kubernetes fields podrun cannot honour yet, each with the value that is a no-op (accepted). */
  notYet?: Readonly<Record<string, unknown>>;
  /** Accepted and dropped: meaningless on one machine, or set by a server. */
  ignored?: readonly string[];
}

function isNoop(value: unknown, noop: unknown): boolean {
  if (value === null || value === noop) return true;
  if (noop !== EMPTY) return false;
  return Array.isArray(value) ? value.length === 0 : isObject(value) && Object.keys(value).length === 0;
}

export function checkFields(o: Obj, path: string, fields: Fields): void {
  for (const key of Object.keys(o)) {
    if (fields.known.includes(key) || fields.ignored?.includes(key)) continue;
    const notYet = fields.notYet;
    if (notYet && Object.hasOwn(notYet, key)) {
      const noop = notYet[key];
      if (isNoop(o[key], noop)) continue;
      const hint = noop === EMPTY ? '' : ` (only ${JSON.stringify(noop)} is accepted)`;
      fail(join(path, key), `not supported by podrun yet${hint}`);
    }
    const candidates = [...fields.known, ...Object.keys(notYet ?? {})];
    // Suggest only near misses: short keys are too close to everything.
    const limit = key.length >= 6 ? 2 : 1;
    const near = candidates.find((c) => editDistance(c.toLowerCase(), key.toLowerCase()) <= limit);
    fail(join(path, key), `unknown field${near ? ` (did you mean "${near}"?)` : ''}`);
  }
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, sub));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

// IANA_SVC_NAME: at most 15 of [a-z0-9-], at least one letter, no leading/trailing/double '-'.
export function portNameError(name: string): string | null {
  const ok =
    name.length <= 15 && /^[a-z0-9-]+$/.test(name) && /[a-z]/.test(name) &&
    !name.startsWith('-') && !name.endsWith('-') && !name.includes('--');
  return ok ? null : `${quote(name)}: must be an IANA service name (at most 15 of a-z, 0-9, '-', with a letter, no leading, trailing or double '-')`;
}
