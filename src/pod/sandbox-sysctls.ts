// The pod's sysctls, written in its own network or IPC namespace: /proc/sys/net and
// /proc/sys/kernel/shm* (...) show the namespaces of the task that opens them, so the
// thread enters the pinned namespace for each write. No undo: the values end with the
// namespaces.
import { writeFileSync } from 'node:fs';
import { withNamespaces } from '../kernel/namespaces.js';
import { sysctlNamespace, sysctlPath } from '../manifest/sysctls.js';
import { InvalidInputError } from '../util/errors.js';
import type { SandboxStep } from './sandbox-step.js';

export const sysctlsStep: SandboxStep = {
  name: 'sysctls',
  setUp({ pod, paths }) {
    (pod.spec.securityContext?.sysctls ?? []).forEach((s, i) => {
      const ns = sysctlNamespace(s.name)!;
      withNamespaces({ enter: { [ns]: paths.ns(ns) } }, () => {
        try {
          writeFileSync(sysctlPath(s.name), s.value);
        } catch (e) {
          const err = e as NodeJS.ErrnoException;
          const why = err.code === 'ENOENT' ? 'no such sysctl in this kernel' : `cannot be set to "${s.value}" (${err.code ?? err.message})`;
          throw new InvalidInputError(`spec.securityContext.sysctls[${i}]`, `${s.name}: ${why}`);
        }
      });
    });
  },
  undo() {},
};
