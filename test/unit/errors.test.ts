// The one error hierarchy (src/util/errors.ts) and the one errno table (src/util/errno.ts):
// exit codes per kind, what a SyscallError says, the trip across the supervisor API, and
// how foreign errors become PodrunErrors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errnoName, errnoNumber, errnoText } from '../../src/util/errno.js';
import {
  AlreadyExistsError,
  InvalidInputError,
  NotFoundError,
  PodrunError,
  StartError,
  SyscallError,
  UsageError,
  asPodrunError,
  fromWire,
  toWire,
} from '../../src/util/errors.js';

const ENOENT = errnoNumber('ENOENT')!;
const EBUSY = errnoNumber('EBUSY')!;

describe('exit codes', () => {
  it.each([
    ['usage', new UsageError('unknown option --frob'), 2],
    ['invalid', new InvalidInputError('spec.containers', 'required'), 2],
    ['notFound', new NotFoundError('pod "x" not found'), 1],
    ['exists', new AlreadyExistsError('pod "x" already exists'), 1],
    ['runtime', new PodrunError('mount failed'), 1],
    ['runtime', new SyscallError('mount', EBUSY, '/x'), 1],
    ['exec', new PodrunError('could not enter the container', 'exec'), 125],
    ['exec', new PodrunError('not executable', 'exec', 126), 126],
    ['exec', new PodrunError('not found', 'exec', 127), 127],
  ] as const)('%s: %s exits %i', (kind, err, code) => {
    expect(err).toBeInstanceOf(PodrunError);
    expect(err.kind).toBe(kind);
    expect(err.exitCode).toBe(code);
    expect(err.name).toBe(err.constructor.name);
  });

  it("StartError: exec's 126 and 127 pass through, any other container exit code is 125", () => {
    expect(new StartError('sh: not found', 'StartError', 127).exitCode).toBe(127);
    expect(new StartError('/bin/x: permission denied', 'StartError', 126).exitCode).toBe(126);
    const e = new StartError('pivot_root failed', 'StartError', 128);
    expect(e.exitCode).toBe(125);
    expect(e.containerExitCode).toBe(128);
  });
});

describe('SyscallError', () => {
  it('names the call, the path, the detail and the errno name', () => {
    const e = new SyscallError('mount', EBUSY, '/run/podrun/pods/a/ns', 'bind');
    expect(e.message).toBe('mount /run/podrun/pods/a/ns (bind): EBUSY');
    expect(e).toMatchObject({ call: 'mount', errno: EBUSY, code: 'EBUSY', path: '/run/podrun/pods/a/ns' });
    expect(new SyscallError('unshare', errnoNumber('EPERM')!).message).toBe('unshare: EPERM');
  });

  it('keeps an errno the table does not know as a number', () => {
    expect(new SyscallError('ioctl', 4095).code).toBe('errno 4095');
  });
});

describe('the supervisor API (toWire -> JSON -> fromWire)', () => {
  const across = (e: PodrunError) => fromWire(JSON.parse(JSON.stringify(toWire(e))));

  it('InvalidInputError keeps its class, kind, field and message', () => {
    const back = across(new InvalidInputError('spec.containers[1].volumeMounts[0].name', 'Not found: "data"'));
    expect(back).toBeInstanceOf(InvalidInputError);
    expect(back).toMatchObject({ kind: 'invalid', exitCode: 2, field: 'spec.containers[1].volumeMounts[0].name' });
    expect(back.message).toBe('spec.containers[1].volumeMounts[0].name: Not found: "data"');
  });

  it('SyscallError keeps call, errno, code, path and the detail in its message', () => {
    const back = across(new SyscallError('mount', EBUSY, '/x', 'overlay'));
    expect(back).toBeInstanceOf(SyscallError);
    expect(back).toMatchObject({ kind: 'runtime', exitCode: 1, call: 'mount', errno: EBUSY, code: 'EBUSY', path: '/x' });
    expect(back.message).toBe('mount /x (overlay): EBUSY');
  });

  it.each([
    [new NotFoundError('pod "a" not found'), NotFoundError],
    [new AlreadyExistsError('pod "a" already exists'), AlreadyExistsError],
    [new PodrunError('pod "a": container "b" is not running'), PodrunError],
  ] as const)('%s keeps its class and kind', (err, cls) => {
    const back = across(err);
    expect(back).toBeInstanceOf(cls);
    expect(back.constructor).toBe(err.constructor);
    expect(back).toMatchObject({ kind: err.kind, exitCode: err.exitCode, message: err.message });
  });

  it('StartError keeps its reason and exec status; a usage error its kind', () => {
    const back = across(new StartError('/bin/nope: no such file or directory', 'StartError', 127));
    expect(back).toBeInstanceOf(StartError);
    expect(back).toMatchObject({ kind: 'exec', exitCode: 127, reason: 'StartError' });
    expect(across(new UsageError('bad flag'))).toMatchObject({ kind: 'usage', exitCode: 2, message: 'bad flag' });
  });
});

describe('asPodrunError', () => {
  it("turns a Node fs error into a SyscallError with Node's syscall and path", () => {
    let thrown: unknown;
    try {
      readFileSync('/nonexistent/podrun-errors-test');
    } catch (e) {
      thrown = e;
    }
    const e = asPodrunError(thrown);
    expect(e).toBeInstanceOf(SyscallError);
    expect(e).toMatchObject({ call: 'open', errno: ENOENT, code: 'ENOENT', path: '/nonexistent/podrun-errors-test', exitCode: 1 });
    expect(e.message).toBe('open /nonexistent/podrun-errors-test: ENOENT');
  });

  it('returns a PodrunError as it is', () => {
    const err = new InvalidInputError('metadata.name', 'required');
    expect(asPodrunError(err)).toBe(err);
  });

  it('makes a runtime failure of a plain Error or a thrown non-Error', () => {
    const plain = asPodrunError(new TypeError('x is not a function'));
    expect(plain).toBeInstanceOf(PodrunError);
    expect(plain).toMatchObject({ kind: 'runtime', exitCode: 1, message: 'x is not a function' });
    expect(asPodrunError('a string')).toMatchObject({ kind: 'runtime', exitCode: 1, message: 'a string' });
    expect(asPodrunError(undefined).message).toBe('undefined');
  });
});

describe('the errno table', () => {
  it('maps numbers to names and back, negative numbers (libuv) too', () => {
    expect(errnoName(ENOENT)).toBe('ENOENT');
    expect(errnoName(-ENOENT)).toBe('ENOENT');
    expect(errnoNumber('EBUSY')).toBe(EBUSY);
    expect(errnoNumber('ENOTANERRNO')).toBeUndefined();
  });

  it("words errnos as the C library's strerror does (as Go and the kubelet print them)", () => {
    expect(errnoText('ECONNREFUSED')).toBe('connection refused');
    expect(errnoText(errnoNumber('ENOENT')!)).toBe('no such file or directory');
    // libuv words these its own way ("host is unreachable", "too many symbolic links encountered").
    expect(errnoText('EHOSTUNREACH')).toBe('no route to host');
    expect(errnoText('ELOOP')).toBe('too many levels of symbolic links');
    expect(errnoText(-errnoNumber('ENAMETOOLONG')!)).toBe('file name too long');
    expect(errnoText('ENOTANERRNO')).toBe('ENOTANERRNO');
  });
});
