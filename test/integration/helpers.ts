// Shared helpers of the root-only integration tests: they drive the real compiled CLI
// (bin/podrun) against a private state root, on the real kernel, inside a network
// namespace of the test file's own that stands in for the host (podrun makes its bridge
// in the supervisor's namespace, and tests must never touch the machine's network).
import { execa, type Options } from 'execa';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cgroup2Mount } from '../../src/cgroup/cgroup2.js';

export const REPO = resolve(import.meta.dirname, '../..');
export const PODRUN = join(REPO, 'bin/podrun');
export const BUSYBOX = join(REPO, 'fixtures/build/busybox-rootfs');
export const BUSYBOX_TAR = join(REPO, 'fixtures/build/busybox-rootfs.tar');

export const isRoot = process.getuid?.() === 0;
export const notRootReason = 'integration tests need root (namespaces, mounts, cgroups); run as root';
/** Use as `describe.skipIf(!canRun)`; the reason is printed once by `requireRootOrSay`. */
export const canRun = isRoot && existsSync(join(REPO, 'dist/src/cli/main.js')) && existsSync(BUSYBOX);
if (!canRun) {
  // Never skip silently.
  process.stderr.write(
    `podrun integration tests skipped: ${!isRoot ? notRootReason : 'run `make build fixtures` first (dist/ or fixtures/build/ missing)'}\n`,
  );
}

/** A private state root per test file, so files can run in parallel. */
export function newRoot(tag: string): string {
  return mkdtempSync(join(tmpdir(), `podrun-test-${tag}-`));
}

let hostNs: string | undefined;

/**
 * The name (under /run/netns) of this test file's stand-in host: a network namespace made
 * on first use, with loopback up, and deleted after the file's tests.
 */
export function standInHost(): string {
  if (!hostNs) {
    const name = `podrun-t-${randomBytes(4).toString('hex')}`;
    execFileSync('ip', ['netns', 'add', name]);
    hostNs = name;
    execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  }
  return hostNs;
}

// Registered while the importing test file is collected, so it runs after that file's own
// afterAll hooks (which stop the supervisors). A process still in the namespace keeps it
// alive, unnamed, until it exits: nothing of it is on the machine's interfaces.
afterAll(() => {
  if (hostNs) execFileSync('ip', ['netns', 'del', hostNs]);
  hostNs = undefined;
});

/**
 * `file args...` run inside the stand-in host's network namespace. nsenter rather than
 * `ip netns exec`, which also gives the command a private mount namespace: the supervisor's
 * mounts (pins, overlays) must be the machine's, as they are outside tests. nsenter execs
 * in place, so the PID is the command's own.
 */
export function inStandInHost(file: string, args: string[]): [string, string[]] {
  return ['nsenter', [`--net=/run/netns/${standInHost()}`, '--', file, ...args]];
}

/** `ip ...` against the stand-in host (`ip -n NS ...`): its links, addresses, routes. */
export async function hostIp(...args: string[]): Promise<string> {
  return (await execa('ip', ['-n', standInHost(), ...args])).stdout;
}

export interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function podrun(root: string, args: string[], opts: Options = {}): Promise<Run> {
  const r = await execa(...inStandInHost(PODRUN, ['--root', root, ...args]), {
    reject: false,
    timeout: 60_000,
    env: { PODRUN_SUPERVISOR_IDLE_MS: '3000' },
    ...opts,
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** Runs podrun and fails the test with stderr if it exits non-zero. */
export async function ok(root: string, args: string[], opts: Options = {}): Promise<string> {
  const r = await podrun(root, args, opts);
  if (r.exitCode !== 0) throw new Error(`podrun ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
}

export interface ContainerOpts {
  name: string;
  command: string[];
  image?: string;
  mounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  extra?: Record<string, unknown>;
}

/** A Pod manifest (JSON) for busybox containers. */
export function manifest(name: string, containers: ContainerOpts[], spec: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: containers.map((c) => ({
        name: c.name,
        image: c.image ?? BUSYBOX,
        command: c.command,
        ...(c.mounts ? { volumeMounts: c.mounts } : {}),
        ...(c.extra ?? {}),
      })),
      ...spec,
    },
  });
}

/**
 * podrun and ok bound to a test file's root and settings (the supervisor's variables
 * besides a 3 s idle time-out); `input` goes to stdin.
 */
export function podrunAt(root: string, settings: Record<string, string> = {}) {
  const env = { PODRUN_SUPERVISOR_IDLE_MS: '3000', ...settings };
  const pr = (args: string[], input?: string) => podrun(root, args, { env, ...(input ? { input } : {}) });
  const okAt = async (args: string[], input?: string): Promise<string> => {
    const r = await pr(args, input);
    if (r.exitCode !== 0) throw new Error(`podrun ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}`);
    return r.stdout;
  };
  return { pr, ok: okAt, env };
}

/** `podrun run -f -` with the manifest on stdin; returns the pod name. */
export async function runPod(root: string, json: string): Promise<string> {
  return (await ok(root, ['run', '-f', '-'], { input: json })).trim();
}

export async function inspect(root: string, pod: string): Promise<any> {
  return JSON.parse(await ok(root, ['inspect', pod]));
}

/** Polls `fn` until it returns a truthy value or the time-out expires (no bare sleeps). */
export async function until<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Everything podrun may leave behind for a pod root; all lists must be empty after rm. */
export function leftovers(root: string): { mounts: string[]; cgroups: string[]; pods: string[] } {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(root));
  const cgRoot = join(cgroup2Mount(), 'podrun');
  const cgroups = existsSync(cgRoot) ? readdirSync(cgRoot).filter((d) => !d.startsWith('cgroup.') && !d.includes('.')) : [];
  const podsDir = join(root, 'pods');
  const pods = existsSync(podsDir) ? readdirSync(podsDir) : [];
  return { mounts, cgroups, pods };
}

/**
 * What pod networking may leave in the stand-in host and the root: links other than
 * loopback (veths, the bridge), leases, nftables tables. All empty once no pod is left.
 */
export async function networkLeftovers(root: string): Promise<{ links: string[]; leases: unknown[]; nftTables: string[] }> {
  const links = (await hostIp('-o', 'link', 'show'))
    .split('\n')
    .map((l) => l.split(': ')[1]?.split('@')[0])
    .filter((n) => n && n !== 'lo');
  const file = join(root, 'net', 'leases.json');
  const leases = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')).leases as unknown[]) : [];
  const nft = await execa('nsenter', [`--net=/run/netns/${standInHost()}`, '--', 'nft', 'list', 'tables'], { reject: false });
  if (nft.exitCode !== 0) throw new Error(`nft list tables: ${nft.stderr}`);
  return { links, leases, nftTables: nft.stdout.split('\n').filter(Boolean) };
}

/** Pids of live processes whose cgroup is under `cgroupPath` (a pod's). */
export function processesIn(cgroupPath: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cg = readFileSync(`/proc/${d}/cgroup`, 'utf8');
      if (cg.includes(cgroupPath.replace('/sys/fs/cgroup/unified', ''))) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** kill -9 of the root's supervisor; resolves once it is gone (the next command starts another). */
export async function killSupervisor(root: string): Promise<void> {
  const pid = Number(readFileSync(join(root, 'supervisor.pid'), 'utf8'));
  process.kill(pid, 'SIGKILL');
  await until('the supervisor to be gone', () => {
    try {
      return /^\S+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return true;
    }
  });
}

/** `file args...` run in the stand-in host's namespace, as a host process talking to pods. */
export async function onStandInHost(file: string, args: string[]): Promise<Run> {
  const r = await execa(...inStandInHost(file, args), { reject: false, timeout: 30_000 });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** Asks the root's supervisor to exit (only succeeds when it has no pods). */
export async function stopSupervisor(root: string): Promise<void> {
  const sock = join(root, 'supervisor.sock');
  if (!existsSync(sock)) return;
  await execa('node', ['-e', `require('http').request({socketPath:${JSON.stringify(sock)},method:'POST',path:'/v1/shutdown'},r=>r.resume()).on('error',()=>{}).end()`], { reject: false });
}

/**
 * The end of a test file: stops the root's supervisor and deletes the private root, only
 * when nothing is mounted under it any more (a leak is then left for the assertions).
 */
export async function removeRoot(root: string): Promise<void> {
  await stopSupervisor(root);
  const mounted = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.includes(root));
  if (!mounted) rmSync(root, { recursive: true, force: true });
}
