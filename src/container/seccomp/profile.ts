// The OCI/Docker JSON seccomp profile format (what runc, crun, containerd and Docker read)
// and its validation. Both the runtime-spec shape (`architectures`) and Docker's
// (`archMap`, per-rule `includes`/`excludes`) are accepted; so is Docker's old
// one-`name`-per-rule form. A profile that would need something podrun cannot do (a
// notify listener) is refused rather than loaded half.

export const ACTIONS = [
  'SCMP_ACT_KILL', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE', 'SCMP_ACT_LOG', 'SCMP_ACT_ALLOW',
] as const;
export type SeccompAction = (typeof ACTIONS)[number];

export const OPERATORS = [
  'SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ',
] as const;
export type SeccompOperator = (typeof OPERATORS)[number];

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: SeccompOperator;
}

/** Docker's conditions: capability names, Go architecture names (amd64), a kernel version. */
export interface SeccompFilterCondition {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

export interface SeccompSyscall {
  names?: string[];
  name?: string;
  action: SeccompAction;
  errnoRet?: number;
  args?: SeccompArg[] | null;
  includes?: SeccompFilterCondition;
  excludes?: SeccompFilterCondition;
  comment?: string;
}

export interface SeccompProfileFile {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: string[] | null;
  archMap?: { architecture: string; subArchitectures: string[] | null }[] | null;
  syscalls?: SeccompSyscall[] | null;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isUint = (v: unknown, max = Number.MAX_SAFE_INTEGER): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max;
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string' && s !== '');
const MAX_ERRNO = 0xffff;

function checkEnum(v: unknown, values: readonly string[], where: string): void {
  if (v === 'SCMP_ACT_NOTIFY') throw new Error(`${where}: SCMP_ACT_NOTIFY needs a listener, which podrun does not provide`);
  if (typeof v !== 'string' || !values.includes(v)) throw new Error(`${where}: ${JSON.stringify(v)} is not one of ${values.join(', ')}`);
}

function checkCondition(v: unknown, where: string): void {
  if (v === undefined || v === null) return;
  if (!isObj(v)) throw new Error(`${where}: must be an object`);
  for (const k of ['caps', 'arches'] as const) {
    if (v[k] !== undefined && v[k] !== null && !isStrings(v[k])) throw new Error(`${where}.${k}: must be a list of names`);
  }
  if (v.minKernel !== undefined && !(typeof v.minKernel === 'string' && /^\d+(\.\d+)*$/.test(v.minKernel))) {
    throw new Error(`${where}.minKernel: must be a version such as "4.8"`);
  }
}

function checkSyscall(s: unknown, where: string): void {
  if (!isObj(s)) throw new Error(`${where}: must be an object`);
  const names = s.names ?? (s.name === undefined ? undefined : [s.name]);
  if (!isStrings(names) || names.length === 0) throw new Error(`${where}.names: must be a non-empty list of syscall names`);
  checkEnum(s.action, ACTIONS, `${where}.action`);
  if (s.errnoRet !== undefined && !isUint(s.errnoRet, MAX_ERRNO)) throw new Error(`${where}.errnoRet: must be a whole number up to ${MAX_ERRNO}`);
  if (s.args !== undefined && s.args !== null) {
    if (!Array.isArray(s.args)) throw new Error(`${where}.args: must be a list`);
    s.args.forEach((a, i) => {
      const at = `${where}.args[${i}]`;
      if (!isObj(a)) throw new Error(`${at}: must be an object`);
      if (!isUint(a.index, 5)) throw new Error(`${at}.index: must be 0 to 5`);
      if (!isUint(a.value)) throw new Error(`${at}.value: must be a whole number of at least 0`);
      if (a.valueTwo !== undefined && !isUint(a.valueTwo)) throw new Error(`${at}.valueTwo: must be a whole number of at least 0`);
      checkEnum(a.op, OPERATORS, `${at}.op`);
    });
  }
  checkCondition(s.includes, `${where}.includes`);
  checkCondition(s.excludes, `${where}.excludes`);
}

/** Throws an Error saying what is wrong (the caller names the file and the field). */
export function validateProfile(v: unknown): SeccompProfileFile {
  if (!isObj(v)) throw new Error('a seccomp profile must be a JSON object');
  checkEnum(v.defaultAction, ACTIONS, 'defaultAction');
  if (v.defaultErrnoRet !== undefined && !isUint(v.defaultErrnoRet, MAX_ERRNO)) {
    throw new Error(`defaultErrnoRet: must be a whole number up to ${MAX_ERRNO}`);
  }
  if (v.listenerPath !== undefined) throw new Error('listenerPath: notify listeners are not supported by podrun');
  if (v.architectures !== undefined && v.architectures !== null && !isStrings(v.architectures)) {
    throw new Error('architectures: must be a list of SCMP_ARCH_* names');
  }
  if (v.archMap !== undefined && v.archMap !== null) {
    if (!Array.isArray(v.archMap)) throw new Error('archMap: must be a list');
    v.archMap.forEach((m, i) => {
      if (!isObj(m) || typeof m.architecture !== 'string' || !(m.subArchitectures == null || isStrings(m.subArchitectures))) {
        throw new Error(`archMap[${i}]: must be {architecture, subArchitectures}`);
      }
    });
  }
  if (v.syscalls !== undefined && v.syscalls !== null) {
    if (!Array.isArray(v.syscalls)) throw new Error('syscalls: must be a list');
    v.syscalls.forEach((s, i) => checkSyscall(s, `syscalls[${i}]`));
  }
  return v as unknown as SeccompProfileFile;
}
