// The spec as `inspect` and the API report it: the pod's own, with resource quantities
// written back as Kubernetes text ("500m", "128Mi"), since JSON has no bigint.
import type { Container, PodSpec } from '../model/pod.js';
import type { ContainerView, PodSpecView, ResourceRequirementsView } from '../model/pod-view.js';
import { formatQuantity } from '../model/quantity.js';
import type { ContainerResources, ResourceList } from '../model/resources.js';

function listView(list: ResourceList): Record<string, string> | undefined {
  const entries = Object.entries(list);
  return entries.length ? Object.fromEntries(entries.map(([k, v]) => [k, formatQuantity(v, k === 'cpu')])) : undefined;
}

export function resourcesView(r: ContainerResources): ResourceRequirementsView {
  const limits = listView(r.limits);
  const requests = listView(r.requests);
  return { ...(limits ? { limits } : {}), ...(requests ? { requests } : {}) };
}

function containerView(c: Container): ContainerView {
  return { ...c, resources: resourcesView(c.resources) };
}

export function podSpecView(spec: PodSpec): PodSpecView {
  return { ...spec, containers: spec.containers.map(containerView), initContainers: spec.initContainers.map(containerView) };
}
