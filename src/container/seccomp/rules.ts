// A profile evaluated for one container: Docker's conditional entries (includes/excludes
// of capabilities, architectures, minimum kernel) decided against the container's
// capabilities, the machine's architecture and kernel, and actions encoded as the kernel's
// SECCOMP_RET_* values. What is left is a plain list that the filter builder loads as is.
import type { SeccompAction, SeccompArg, SeccompFilterCondition, SeccompOperator, SeccompProfileFile } from './profile.js';

const EPERM = 1;

/** libseccomp's enum scmp_compare. */
const OPERATOR_VALUE: Record<SeccompOperator, number> = {
  SCMP_CMP_NE: 1, SCMP_CMP_LT: 2, SCMP_CMP_LE: 3, SCMP_CMP_EQ: 4, SCMP_CMP_GE: 5, SCMP_CMP_GT: 6, SCMP_CMP_MASKED_EQ: 7,
};

export interface FilterArg {
  index: number;
  op: number;
  value: number;
  valueTwo: number;
}

export interface FilterRule {
  names: string[];
  action: number;
  /** ANDed conditions; empty: every call. */
  args: FilterArg[];
}

export interface FilterPlan {
  defaultAction: number;
  /** libseccomp's architecture names (x86_64, x86, x32), the native one first. */
  arches: string[];
  rules: FilterRule[];
}

export interface FilterEnvironment {
  /** Go's name of the machine's architecture, as Docker's profiles use it (amd64, arm64). */
  goArch: string;
  /** The profile's name of it (SCMP_ARCH_X86_64). */
  scmpArch: string;
  /** CAP_* names. */
  caps: ReadonlySet<string>;
  /** `uname -r`. */
  kernel: string;
}

/** Node's process.arch to Go's and libseccomp's names; podrun's syscall table has these two. */
export const ARCHES: Record<string, { goArch: string; scmpArch: string }> = {
  x64: { goArch: 'amd64', scmpArch: 'SCMP_ARCH_X86_64' },
  arm64: { goArch: 'arm64', scmpArch: 'SCMP_ARCH_AARCH64' },
};

/** The kernel's SECCOMP_RET_* value; ERRNO and TRACE carry errnoRet, EPERM when unset (as runc). */
export function actionValue(action: SeccompAction, errnoRet: number | undefined): number {
  const data = (errnoRet ?? EPERM) & 0xffff;
  switch (action) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return 0;
    case 'SCMP_ACT_KILL_PROCESS':
      return 0x80000000;
    case 'SCMP_ACT_TRAP':
      return 0x00030000;
    case 'SCMP_ACT_ERRNO':
      return 0x00050000 | data;
    case 'SCMP_ACT_TRACE':
      return 0x7ff00000 | data;
    case 'SCMP_ACT_LOG':
      return 0x7ffc0000;
    case 'SCMP_ACT_ALLOW':
      return 0x7fff0000;
  }
}

function versionAtLeast(kernel: string, min: string): boolean {
  const have = (kernel.match(/^\d+(\.\d+)*/)?.[0] ?? '0').split('.').map(Number);
  const want = min.split('.').map(Number);
  for (let i = 0; i < want.length; i++) {
    const h = have[i] ?? 0;
    if (h !== want[i]) return h > want[i];
  }
  return true;
}

/** Docker's rule: every included capability present, no excluded one; arches and kernel likewise. */
function applies(inc: SeccompFilterCondition | undefined, exc: SeccompFilterCondition | undefined, env: FilterEnvironment): boolean {
  if (inc?.arches?.length && !inc.arches.includes(env.goArch)) return false;
  if (inc?.caps?.length && !inc.caps.every((c) => env.caps.has(c))) return false;
  if (inc?.minKernel && !versionAtLeast(env.kernel, inc.minKernel)) return false;
  if (exc?.arches?.length && exc.arches.includes(env.goArch)) return false;
  if (exc?.caps?.some((c) => env.caps.has(c))) return false;
  if (exc?.minKernel && versionAtLeast(env.kernel, exc.minKernel)) return false;
  return true;
}

const filterArg = (a: SeccompArg): FilterArg => ({ index: a.index, op: OPERATOR_VALUE[a.op], value: a.value, valueTwo: a.valueTwo ?? 0 });

/** Docker's archMap gives the native architecture's sub-architectures; `architectures` lists them all. */
function archesOf(p: SeccompProfileFile, env: FilterEnvironment): string[] {
  const listed = p.archMap?.length
    ? (p.archMap.filter((m) => m.architecture === env.scmpArch).flatMap((m) => [m.architecture, ...(m.subArchitectures ?? [])]))
    : (p.architectures ?? []);
  const names = [env.scmpArch, ...listed].map((a) => a.replace(/^SCMP_ARCH_/, '').toLowerCase());
  return [...new Set(names)];
}

export function filterPlan(p: SeccompProfileFile, env: FilterEnvironment): FilterPlan {
  const defaultAction = actionValue(p.defaultAction, p.defaultErrnoRet);
  const rules: FilterRule[] = [];
  for (const s of p.syscalls ?? []) {
    if (!applies(s.includes, s.excludes, env)) continue;
    const action = actionValue(s.action, s.errnoRet);
    // libseccomp refuses a rule that repeats the default action; it would change nothing.
    if (action === defaultAction) continue;
    const names = s.names ?? [s.name!];
    const args = (s.args ?? []).map(filterArg);
    // Conditions on one argument index can only be ORed, as separate rules (runc does so).
    const sameIndexTwice = new Set(args.map((a) => a.index)).size !== args.length;
    if (sameIndexTwice) for (const a of args) rules.push({ names, action, args: [a] });
    else rules.push({ names, action, args });
  }
  return { defaultAction, arches: archesOf(p, env), rules };
}
