// The pod's network (src/net): the `network` step between `namespaces` and `shm`, and
// `host-ports` after it. Each writes its plan into the pod directory before acting, so
// that its undo, from that file alone, works after a crash at any point.
import { rmSync } from 'node:fs';
import { podNetworkMode } from '../model/pod-network.js';
import { DRIVERS, planNetwork, type NetworkPlan } from '../net/driver.js';
import { netConfigFromEnv } from '../net/net-config.js';
import { readJson, writeJsonAtomic } from '../state/atomic.js';
import type { SandboxStep } from './sandbox-step.js';

export const networkStep: SandboxStep = {
  name: 'network',
  setUp({ pod, paths, rec }) {
    const config = netConfigFromEnv(process.env, paths.stateDir);
    const plan = planNetwork(podNetworkMode(pod), pod.metadata.uid!, pod.metadata.name, config);
    writeJsonAtomic(paths.network, plan);
    rec.network = DRIVERS[plan.driver].setUp(plan, paths.ns('net'));
  },
  undo({ paths }) {
    const plan = readJson<NetworkPlan>(paths.network);
    if (!plan) return;
    DRIVERS[plan.driver].undo(plan);
    rmSync(paths.network, { force: true });
  },
};
