#!/usr/bin/env node
// The image store's figures (bench.mjs starts this inside its own network namespace):
//  1. `podrun run` of a named image whose layers are in the store against the same root
//     filesystem given as a directory path, interleaved, both with `podrun.io/network:
//     none` so that the difference is the image's cost alone;
//     and the same resolution alone, in-process (the store lookup, the hold, the config
//     and /etc/passwd reads at create), which the CLI's noise cannot hide;
//  2. `podrun image import` of a ~100 MB image (4 gzip layers of many files, made by umoci)
//     into an empty store against GNU `tar -xzf` of the same layer blobs into an empty
//     directory.
// Prints one JSON object; removes everything it made.
//   node image-bench.mjs TMPDIR N
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PODRUN = join(REPO, 'bin', 'podrun');
const ROOTFS = join(REPO, 'fixtures', 'build', 'busybox-rootfs');
const [tmp, nText] = process.argv.slice(2);
const N = Number(nText);
const IMPORT_N = 3;

function run(argv, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 120_000, ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status}: ${(r.stderr ?? '').trim()}`);
  return { ms, stdout: r.stdout };
}

const root = join(tmp, 'image-root');
const podrun = (...a) => [process.execPath, PODRUN, '--root', root, ...a];
const out = { runDir: [], runNamed: [], resolveDir: [], resolveNamed: [], importMs: [], tarMs: [] };
const pods = [];

function manifest(name, image) {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, annotations: { 'podrun.io/network': 'none' } },
    spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image, command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'] }] },
  });
}

try {
  // 1. run: directory path against the store.
  const rootfsTar = join(REPO, 'fixtures', 'build', 'busybox-rootfs.tar');
  run(podrun('image', 'import', '--name', 'bench/busybox:1', rootfsTar));
  run(podrun('run', '-f', '-'), { input: manifest('warm', ROOTFS) });
  pods.push('warm');
  for (let i = 0; i < N; i++) {
    out.runDir.push(run(podrun('run', '-f', '-'), { input: manifest(`dir-${i}`, ROOTFS) }).ms);
    pods.push(`dir-${i}`);
    out.runNamed.push(run(podrun('run', '-f', '-'), { input: manifest(`named-${i}`, 'bench/busybox:1') }).ms);
    pods.push(`named-${i}`);
  }
  run(podrun('rm', '-f', ...pods));
  pods.length = 0;
  const { resolveContainerImage } = await import('../dist/src/image/container-image.js');
  const { storedImage } = await import('../dist/src/pod/container-image.js');
  const { validatePod } = await import('../dist/src/manifest/parse.js');
  const record = join(tmp, 'image-bench-holder.json');
  writeFileSync(record, 'bench-holder');
  for (let i = 0; i < 5 * N; i++) {
    for (const [key, image] of [['resolveDir', ROOTFS], ['resolveNamed', 'bench/busybox:1']]) {
      const p = validatePod(JSON.parse(manifest('resolve', image)));
      const t0 = process.hrtime.bigint();
      const img = await resolveContainerImage(
        { image, field: 'image', container: 'main', cacheDir: join(root, 'tarballs'), storeRoot: join(root, 'images'), holder: { uid: 'bench-holder', record } },
        undefined,
      );
      storedImage(p, p.spec.containers[0], 'spec.containers[0]', img);
      out[key].push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  rmSync(record);

  // 2. import of ~100 MB against tar -x of the same layers.
  const layout = join(tmp, 'image-layout');
  const src = join(tmp, 'image-src');
  run(['umoci', 'init', '--layout', layout]);
  run(['umoci', 'new', '--image', `${layout}:big`]);
  for (let l = 0; l < 4; l++) {
    const dir = join(src, `l${l}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 250; f++) writeFileSync(join(dir, `big-${f}`), randomBytes(96 * 1024));
    for (let f = 0; f < 1000; f++) writeFileSync(join(dir, `small-${f}`), randomBytes(1024));
    run(['umoci', 'insert', '--image', `${layout}:big`, dir, `/l${l}`]);
  }
  rmSync(src, { recursive: true, force: true });
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const blob = (d) => join(layout, 'blobs', 'sha256', d.slice(7));
  const imageManifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'));
  const blobs = imageManifest.layers.map((l) => l.digest);
  out.sizeMB = imageManifest.layers.reduce((a, l) => a + l.size, 0) / 1e6;
  // Both read the blobs from the page cache (warmed first), and go first in turn.
  for (const b of blobs) readFileSync(blob(b));
  const importOnce = (i) => {
    const store = join(tmp, `import-root-${i}`);
    out.importMs.push(run([process.execPath, PODRUN, '--root', store, 'image', 'import', layout]).ms);
    rmSync(store, { recursive: true, force: true });
  };
  const tarOnce = (i) => {
    const dest = join(tmp, `tar-${i}`);
    mkdirSync(dest);
    const t0 = process.hrtime.bigint();
    for (const b of blobs) run(['tar', '-xzf', blob(b), '-C', dest, '--numeric-owner']);
    out.tarMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    rmSync(dest, { recursive: true, force: true });
  };
  for (let i = 0; i < IMPORT_N; i++) {
    if (i % 2) importOnce(i), tarOnce(i);
    else tarOnce(i), importOnce(i);
  }
  rmSync(layout, { recursive: true, force: true });
} finally {
  if (pods.length) spawnSync(process.execPath, [PODRUN, '--root', root, 'rm', '-f', ...pods]);
  spawnSync(process.execPath, [PODRUN, '--root', root, 'image', 'rm', 'bench/busybox:1']);
  writeFileSync(join(tmp, 'image-bench.json'), JSON.stringify(out));
}
process.stdout.write(JSON.stringify(out) + '\n');
