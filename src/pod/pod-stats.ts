// `podrun stats`: per container, its cgroup's usage figures (src/cgroup/stats.ts) sampled
// from the pod records, and the CPU rate between two samples (pure). A container's cgroup
// lives as long as the pod, so the figures cover every instance of the container.
import { readdirSync } from 'node:fs';
import { readCgroupUsage, type CgroupUsage } from '../cgroup/stats.js';
import type { StatePaths } from '../state/paths.js';
import { loadPodRecord, readPodRecord, type ContainerRunState, type PodRecord } from '../state/records.js';

export interface ContainerSample extends CgroupUsage {
  pod: string;
  container: string;
  state: ContainerRunState;
  cgroup: string;
  /** When the files were read, epoch ms. */
  at: number;
}

/** What `stats -o json` prints per container. */
export interface ContainerStats {
  pod: string;
  container: string;
  state: ContainerRunState;
  cgroup: string;
  cpu: {
    usageUsec: number | null;
    /** CPUs used over the last interval (1 = one CPU busy); null without a previous sample. */
    rateCores: number | null;
  };
  memory: { currentBytes: number | null; peakBytes: number | null };
  pids: { current: number | null };
}

function records(state: StatePaths, pod?: string): PodRecord[] {
  if (pod !== undefined) return [loadPodRecord(state, pod)];
  let names: string[];
  try {
    names = readdirSync(state.podsDir).sort();
  } catch {
    return [];
  }
  return names.map((n) => readPodRecord(state.pod(n).record)).filter((r): r is PodRecord => r?.sandbox.state === 'ready');
}

/** Every container of the pod (of every pod without one), init containers first. */
export function samplePods(state: StatePaths, pod?: string): ContainerSample[] {
  return records(state, pod).flatMap((rec) =>
    rec.containers.map((c) => ({
      pod: rec.pod.metadata.name,
      container: c.name,
      state: c.state,
      cgroup: c.cgroup,
      at: Date.now(),
      ...readCgroupUsage(c.cgroup),
    })),
  );
}

/** CPUs used between two samples of one cgroup; null when either lacks the figure or time did not pass. */
export function cpuRate(prev: ContainerSample | undefined, cur: ContainerSample): number | null {
  if (!prev || prev.cgroup !== cur.cgroup || prev.cpuUsageUsec === null || cur.cpuUsageUsec === null) return null;
  const dtMs = cur.at - prev.at;
  const used = cur.cpuUsageUsec - prev.cpuUsageUsec;
  if (dtMs <= 0 || used < 0) return null;
  return used / (dtMs * 1000);
}

/** The figures of each current sample, with the rate against the previous sample of the same cgroup. */
export function containerStats(cur: ContainerSample[], prev: ContainerSample[] = []): ContainerStats[] {
  const before = new Map(prev.map((s) => [s.cgroup, s]));
  return cur.map((s) => ({
    pod: s.pod,
    container: s.container,
    state: s.state,
    cgroup: s.cgroup,
    cpu: { usageUsec: s.cpuUsageUsec, rateCores: cpuRate(before.get(s.cgroup), s) },
    memory: { currentBytes: s.memoryCurrentBytes, peakBytes: s.memoryPeakBytes },
    pids: { current: s.pidsCurrent },
  }));
}
