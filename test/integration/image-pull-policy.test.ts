// Create-time resolution of a named image against a real store, with a recording PullFn in
// place of the registry client: imagePullPolicy decides whether it is called (Always every
// time, IfNotPresent when absent, Never not at all), what it returns is held for the pod,
// and a failing pull is one line naming the container, the image and the cause.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveNamedImage } from '../../src/image/resolve-named.js';
import type { PullFn } from '../../src/image/store/pull-fn.js';
import { ImageStore } from '../../src/image/store/store.js';
import { tarOf, writeLayout } from '../image-archives.js';
import { isRoot, notRootReason } from './helpers.js';

if (!isRoot) process.stderr.write(`image-pull-policy: skipped: ${notRootReason} (layers keep their owners)\n`);

describe.skipIf(!isRoot)('imagePullPolicy at create', () => {
  const dir = isRoot ? mkdtempSync(join(tmpdir(), 'podrun-test-pull-policy-')) : '';
  const store = isRoot ? ImageStore.open(join(dir, 'images')) : (undefined as unknown as ImageStore);
  const record = join(dir, 'pod.json');
  if (isRoot) writeFileSync(record, '{"uid": "pod-1"}');
  const holder = { uid: 'pod-1', record };
  const layout = join(dir, 'layout');
  const id = isRoot ? writeLayout(layout, { layers: [tarOf([{ path: 'hello', content: 'hi' }])], config: { config: { Cmd: ['/hello'] } } }) : '';

  const pulls: string[] = [];
  const pull: PullFn = async (s, reference) => {
    pulls.push(reference);
    const [got] = await s.importLayout(layout, { names: [reference] });
    return got!;
  };
  const failing: PullFn = async () => {
    throw new Error('registry said 404 (manifest unknown)');
  };
  const resolve = (image: string, pullPolicy?: 'Always' | 'IfNotPresent' | 'Never', fn: PullFn = pull) =>
    resolveNamedImage({ image, container: 'c', ...(pullPolicy ? { pullPolicy } : {}), holder }, store, fn);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('Never: the store only; absent is one line naming the container and the image', async () => {
    await expect(resolve('app:1', 'Never')).rejects.toThrow('container "c": image "app:1": not present in the image store, and imagePullPolicy is Never');
    expect(pulls).toEqual([]);
  });

  it('IfNotPresent (the default for a tag): pulls once, then uses the store', async () => {
    const first = await resolve('app:1');
    expect(first.id).toBe(id);
    expect(first.config.cmd).toEqual(['/hello']);
    await resolve('app:1');
    expect(pulls).toEqual(['app:1']);
    expect(store.users(id)).toEqual([record]);
  });

  it('Always (the default for no tag or :latest): pulls at every create, even when present', async () => {
    await store.importLayout(layout, { names: ['app:latest'] });
    pulls.length = 0;
    await resolve('app');
    await resolve('app:latest');
    await resolve('app:1', 'Always');
    expect(pulls).toEqual(['app', 'app:latest', 'app:1']);
  });

  it('a failed pull fails with the cause; without a pull function the message says so', async () => {
    await expect(resolve('other:2', undefined, failing)).rejects.toThrow('container "c": image "other:2": pull failed: registry said 404 (manifest unknown)');
    await expect(resolveNamedImage({ image: 'other:2', container: 'c', holder }, store, undefined)).rejects.toThrow(
      /image "other:2": not present in the image store, and this podrun cannot pull/,
    );
    // Present, IfNotPresent: no pull is needed, so none is asked for.
    await expect(resolve('app:1', undefined, failing)).resolves.toMatchObject({ id });
  });
});
