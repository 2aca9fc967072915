// Shared by the VM tests (test/vm/*.test.ts), which `make test-vm` runs inside a QEMU
// guest with a pure cgroup v2 kernel (vm/): real limits need the memory, cpu and pids
// controllers, which hosts with hybrid cgroups do not have. Elsewhere they skip, saying so.
// Pods here have no network (podrun.io/network: none): the VM tests are about cgroups, and
// every podrun command costs seconds under emulation. The CLI drives create and rm; status
// is read over the supervisor's socket, which is cheaper than a CLI start in the guest.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { callApi } from '../../src/api/client.js';
import { availableControllers } from '../../src/cgroup/controllers.js';
import { cgroup2Mount } from '../../src/cgroup/cgroup2.js';
import type { PodView } from '../../src/model/pod-view.js';
import type { Options } from 'execa';
import { BUSYBOX, canRun, podrun, until, type Run } from '../integration/helpers.js';

const NEEDED = ['memory', 'cpu', 'pids'];
const have = canRun ? availableControllers(cgroup2Mount()) : new Set<string>();
/** True inside the VM (or on any pure cgroup v2 host with the controllers). */
export const vmReady = canRun && NEEDED.every((c) => have.has(c));
if (canRun && !vmReady) {
  process.stderr.write(`VM tests skipped: this host's cgroup2 tree lacks ${NEEDED.filter((c) => !have.has(c)).join(', ')}; run them with \`make test-vm\`\n`);
}

/** Wide: JavaScript in the emulated guest is about 20x slower than on the host. */
export const VM_TIMEOUT_MS = 240_000;

export interface VmContainer {
  name: string;
  command: string[];
  resources?: unknown;
}

/** A Pod manifest (JSON) of busybox containers without a network. */
export function vmPod(name: string, containers: VmContainer[], opts: { annotations?: Record<string, string>; restartPolicy?: string } = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, annotations: { 'podrun.io/network': 'none', ...opts.annotations } },
    spec: {
      terminationGracePeriodSeconds: 0,
      ...(opts.restartPolicy ? { restartPolicy: opts.restartPolicy } : {}),
      containers: containers.map((c) => ({ name: c.name, image: BUSYBOX, command: c.command, ...(c.resources ? { resources: c.resources } : {}) })),
    },
  });
}

/**
 * `podrun` of the integration helpers, with a supervisor that stays for the whole file
 * (each start costs 15 s or more under emulation) and a wide time-out.
 */
export function vmPodrun(root: string, args: string[], opts: Options = {}): Promise<Run> {
  return podrun(root, args, { env: { PODRUN_SUPERVISOR_IDLE_MS: '900000' }, timeout: VM_TIMEOUT_MS, ...opts });
}

/** vmPodrun that must exit 0; returns stdout. */
export async function vmOk(root: string, args: string[], opts: Options = {}): Promise<string> {
  const r = await vmPodrun(root, args, opts);
  if (r.exitCode !== 0) throw new Error(`podrun ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
}

/**
 * Starts the root's supervisor. Under emulation its start can take longer than the 15 s a
 * CLI command waits for it; it goes on starting regardless, so wait for its socket.
 */
export async function startSupervisor(root: string): Promise<void> {
  await vmPodrun(root, ['list']);
  await until('the supervisor', () => callApi(join(root, 'supervisor.sock'), 'ping').then((r) => r.ok), VM_TIMEOUT_MS / 2, 500);
}

export function getPod(root: string, name: string): Promise<PodView> {
  return callApi(join(root, 'supervisor.sock'), 'getPod', { params: { name } });
}

export function cgroupFile(cgroup: string, file: string): string {
  return readFileSync(join(cgroup, file), 'utf8').trim();
}

/** A flat-keyed cgroup file (cpu.stat, memory.events, pids.events) as numbers. */
export function cgroupKeyed(cgroup: string, file: string): Record<string, number> {
  return Object.fromEntries(
    cgroupFile(cgroup, file)
      .split('\n')
      .map((l) => l.split(' '))
      .map(([k, v]) => [k!, Number(v)]),
  );
}

export function podEvents(root: string, pod: string): Array<{ type: string; reason: string; container?: string; message: string }> {
  return readFileSync(join(root, 'pods', pod, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}
