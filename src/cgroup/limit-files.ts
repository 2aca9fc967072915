// The cgroup v2 files a set of resources becomes, as the kubelet computes its CRI values
// (pkg/kubelet/cm/helpers_linux.go) and runc/crun write them on cgroup v2. Pure.
//   cpu request → shares = max(2, milli*1024/1000), at most 262144 (MilliCPUToShares)
//               → cpu.weight = 1 + ((shares-2)*9999)/262142 (crun's and runc < 1.3.2's mapping)
//   cpu limit   → cpu.max = "quota 100000", quota = max(1000, milli*100000/1000) (milliCPUToQuota);
//                 no limit: "max 100000"
//   memory limit → memory.max (bytes; no limit: "max"); memory.swap.max = 0 (the kubelet's NoSwap)
//   hugepages-<size> → hugetlb.<size>.max (bytes); every size not asked for gets 0
//   pids        → pids.max
import type { Controller } from './controllers.js';

export const CPU_PERIOD_US = 100_000n;
const MIN_SHARES = 2n;
const MAX_SHARES = 262_144n;
const MIN_QUOTA_US = 1000n;

export interface CgroupSetting {
  controller: Controller;
  file: string;
  value: string;
}

/** Kubernetes' MilliCPUToShares. */
export function milliCpuToShares(milli: bigint): bigint {
  if (milli === 0n) return MIN_SHARES;
  const shares = (milli * 1024n) / 1000n;
  return shares < MIN_SHARES ? MIN_SHARES : shares > MAX_SHARES ? MAX_SHARES : shares;
}

/** cpu.shares → cpu.weight, linearly: 2 → 1, 1024 → 39, 262144 → 10000. */
export function sharesToWeight(shares: bigint): bigint {
  return 1n + ((shares - 2n) * 9999n) / 262_142n;
}

/** Kubernetes' milliCPUToQuota over `period` µs; 0n: no quota. */
export function milliCpuToQuota(milli: bigint, period = CPU_PERIOD_US): bigint {
  if (milli === 0n) return 0n;
  const quota = (milli * period) / 1000n;
  return quota < MIN_QUOTA_US ? MIN_QUOTA_US : quota;
}

export function cpuMaxValue(limitMilli: bigint | undefined): string {
  const quota = milliCpuToQuota(limitMilli ?? 0n);
  return `${quota === 0n ? 'max' : quota} ${CPU_PERIOD_US}`;
}

/** The hugetlb file infix of a page size, as the kernel names it: 2097152n → "2MB". */
export function hugetlbSizeName(bytes: bigint): string {
  for (const [unit, name] of [[1n << 30n, 'GB'], [1n << 20n, 'MB'], [1n << 10n, 'KB']] as const) {
    if (bytes >= unit && bytes % unit === 0n) return `${bytes / unit}${name}`;
  }
  return `${bytes}B`;
}

/** What one cgroup gets: the kubelet's values, each an optional part. */
export interface CgroupLimits {
  cpuShares: bigint;
  /** Millicores of the cpu limit; absent: "max". */
  cpuLimit?: bigint;
  /** Bytes; absent or 0: "max". */
  memoryLimit?: bigint;
  /** memory.swap.max 0 (containers; the kubelet leaves the pod level alone). */
  noSwap?: boolean;
  /** Page size in bytes → bytes allowed; sizes of `hugePageSizes` not in it get 0. */
  hugePages: Map<bigint, bigint>;
  pidsMax?: number;
}

/**
 * The settings of `limits`, for the controllers in `available` only (the caller has
 * refused, or warned about, what a missing controller cannot hold).
 */
export function cgroupSettings(limits: CgroupLimits, available: ReadonlySet<string>, hugePageSizes: readonly bigint[]): CgroupSetting[] {
  const out: CgroupSetting[] = [];
  if (available.has('cpu')) {
    out.push({ controller: 'cpu', file: 'cpu.weight', value: String(sharesToWeight(limits.cpuShares)) });
    out.push({ controller: 'cpu', file: 'cpu.max', value: cpuMaxValue(limits.cpuLimit) });
  }
  if (available.has('memory')) {
    const mem = limits.memoryLimit;
    out.push({ controller: 'memory', file: 'memory.max', value: mem ? String(mem) : 'max' });
    if (limits.noSwap) out.push({ controller: 'memory', file: 'memory.swap.max', value: '0' });
  }
  if (available.has('hugetlb')) {
    for (const size of new Set([...hugePageSizes, ...limits.hugePages.keys()])) {
      out.push({ controller: 'hugetlb', file: `hugetlb.${hugetlbSizeName(size)}.max`, value: String(limits.hugePages.get(size) ?? 0n) });
    }
  }
  if (available.has('pids') && limits.pidsMax !== undefined) {
    out.push({ controller: 'pids', file: 'pids.max', value: String(limits.pidsMax) });
  }
  return out;
}
