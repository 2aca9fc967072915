// The pull figures of `make bench`: `podrun image pull` of a multi-layer image from
// Debian's docker-registry on a loopback port, beside `skopeo copy` of the same image to
// a local directory, interleaved in the same run. Each podrun pull goes into an empty
// store, so it downloads, verifies and unpacks every layer; skopeo's copy downloads and
// verifies them into a `dir:` (no unpacking), and, like for like, into a private
// containers-storage (overlay driver: each layer unpacked into its own diff directory, as
// podrun's store does). Also timed: a second pull of an image the
// store has (the manifest is fetched, no blob). And, in-process, the pull's two phases
// apart: the download (manifest, blobs verified as they stream to disk) and the store's
// import of the downloaded layout (unpacking). Runs in the bench's own network namespace.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Layers of the bench image beside the busybox one: random, so gzip cannot shrink them. */
const LAYER_MB = [16, 16, 16];
const PORT = 5000;

/** { rows, note } for the bench's table; `ctx` has the bench's run, log, stats, which and paths. */
export async function benchPull({ run, log, stats, fmt, which, tmp, podrunArgv, rootfs, n, repo }) {
  const missing = ['docker-registry', 'skopeo', 'umoci'].filter((t) => !which(t));
  if (missing.length) return { note: `pull: skipped, ${missing.join(', ')} not installed (make setup installs them)` };
  const dir = join(tmp, 'pull-bench');
  mkdirSync(dir);
  const layout = join(dir, 'oci');
  await run(['umoci', 'init', '--layout', layout]);
  await run(['umoci', 'new', '--image', `${layout}:1`]);
  await run(['umoci', 'insert', '--image', `${layout}:1`, rootfs, '/']);
  for (const [i, mb] of LAYER_MB.entries()) {
    const file = join(dir, `random-${i}`);
    await run(['sh', '-c', `head -c ${mb << 20} /dev/urandom > ${file}`]);
    await run(['umoci', 'insert', '--image', `${layout}:1`, file, `/random-${i}`]);
  }
  await run(['umoci', 'gc', '--layout', layout]);
  const registryLog = join(dir, 'registry.log');
  writeFileSync(
    join(dir, 'registry.yml'),
    `version: 0.1\nlog: {level: info, formatter: json, accesslog: {disabled: true}}\nstorage: {filesystem: {rootdirectory: ${join(dir, 'data')}}}\nhttp: {addr: "127.0.0.1:${PORT}", secret: bench}\n`,
  );
  const registry = spawn('sh', ['-c', `exec docker-registry serve ${join(dir, 'registry.yml')} 2>${registryLog}`], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100 && !(existsSync(registryLog) && readFileSync(registryLog, 'utf8').includes('"msg":"listening on')); i++) await new Promise((r) => setTimeout(r, 100));
    const ref = `127.0.0.1:${PORT}/bench:1`;
    await run(['skopeo', 'copy', '--quiet', '--dest-tls-verify=false', `oci:${layout}:1`, `docker://${ref}`]);
    const size = Number((await run(['du', '-sb', join(layout, 'blobs')])).stdout.split('\t')[0]);
    const pullRoot = join(dir, 'root');
    const copyDir = join(dir, 'copy');
    const storage = containersStorage(dir);
    const samples = { podrun: [], skopeo: [], storage: [], again: [] };
    const iterations = Math.min(n, 7);
    for (let i = 0; i < iterations; i++) {
      rmSync(pullRoot, { recursive: true, force: true });
      samples.podrun.push((await run(podrunArgv(pullRoot, 'image', 'pull', ref))).ms);
      samples.again.push((await run(podrunArgv(pullRoot, 'image', 'pull', ref))).ms);
      rmSync(copyDir, { recursive: true, force: true });
      samples.skopeo.push((await run(['skopeo', 'copy', '--quiet', '--src-tls-verify=false', `docker://${ref}`, `dir:${copyDir}`])).ms);
      if (storage.argv) {
        storage.clean();
        const r = await run([...storage.argv, 'skopeo', 'copy', '--quiet', '--src-tls-verify=false', `docker://${ref}`, `containers-storage:${ref}`], { allowFail: true });
        if (r.status === 0) samples.storage.push(r.ms);
        else [storage.argv, storage.why] = [undefined, `the copy failed here: ${r.stderr.trim().split('\n').pop() || `exit ${r.status}`}`];
      }
    }
    storage.clean();
    const phases = await inProcessPhases(repo, ref, join(dir, 'phases'), iterations);
    const st = { podrun: stats(samples.podrun), skopeo: stats(samples.skopeo), storage: storage.argv ? stats(samples.storage) : undefined, again: stats(samples.again), download: stats(phases.download), unpack: stats(phases.unpack) };
    const mb = (size / 1e6).toFixed(1);
    const labels = [
      ['podrun image pull (empty store)', st.podrun],
      ['skopeo copy docker:// dir:', st.skopeo],
      ...(st.storage ? [['skopeo copy to containers-storage', st.storage]] : []),
      ['podrun image pull (image present)', st.again],
      ['  in-process: download phase', st.download],
      ['  in-process: store import (unpack)', st.unpack],
    ];
    for (const [label, s] of labels) {
      log(`  ${label.padEnd(34)} median ${fmt(s.median).padStart(7)} ms   p90 ${fmt(s.p90).padStart(7)} ms   min ${fmt(s.min).padStart(7)} ms   (n=${s.n}, interleaved)`);
    }
    const ratio = st.podrun.median / st.skopeo.median;
    log(`  pull / skopeo copy dir: = ${fmt(ratio, 2)}x (median, ${mb} MB in ${LAYER_MB.length + 1} layers), target <= 1x: ${ratio <= 1 ? 'PASS' : 'MISS'}`);
    const storageRatio = st.storage && st.podrun.median / st.storage.median;
    if (storageRatio) log(`  pull / skopeo copy containers-storage: = ${fmt(storageRatio, 2)}x (median, both unpack), target <= 1x: ${storageRatio <= 1 ? 'PASS' : 'MISS'}`);
    else log(`  skopeo copy containers-storage: skipped, ${storage.why}`);
    return {
      ratio,
      ...(storageRatio ? { storageRatio } : {}),
      rows: [
        { what: `\`podrun image pull\` from a loopback registry, ${mb} MB in ${LAYER_MB.length + 1} layers, empty store (download, verify, unpack)`, st: st.podrun },
        { what: '`skopeo copy docker:// dir:` of the same image (download, verify)', st: st.skopeo },
        ...(st.storage ? [{ what: '`skopeo copy docker:// containers-storage:` of the same image, private overlay store (download, verify, unpack)', st: st.storage, verdict: [`<= skopeo to containers-storage: ${fmt(storageRatio, 2)}x`, storageRatio <= 1 ? 'PASS' : 'MISS'] }] : []),
        { what: '`podrun image pull` of the same image, already in the store (manifest only)', st: st.again },
        { what: '. in-process, its download phase (manifest, blobs verified while streaming to disk)', st: st.download },
        { what: '. in-process, the store\'s import of the downloaded layout (unpacking)', st: st.unpack },
      ],
    };
  } finally {
    registry.kill('SIGKILL');
    await new Promise((r) => (registry.exitCode !== null || registry.signalCode !== null ? r() : registry.once('exit', r)));
  }
}

/**
 * A private containers-storage for skopeo: graph root and run root under `dir`, named by a
 * storage.conf of its own (CONTAINERS_STORAGE_CONF). Run in a private mount namespace
 * (`unshare -m`): the overlay driver bind-mounts its directory onto itself, and that mount
 * then ends with the copy instead of staying on the machine. `argv` is unset, and `why`
 * says why, when that cannot work here.
 */
function containersStorage(dir) {
  const root = join(dir, 'containers-storage');
  const clean = () => rmSync(root, { recursive: true, force: true });
  if (!existsSync('/usr/bin/unshare')) return { clean, why: 'unshare (util-linux) is not installed' };
  const conf = join(dir, 'storage.conf');
  writeFileSync(conf, `[storage]\ndriver = "overlay"\ngraphroot = "${join(root, 'graph')}"\nrunroot = "${join(root, 'run')}"\n`);
  return { clean, argv: ['env', `CONTAINERS_STORAGE_CONF=${conf}`, 'unshare', '-m', '--propagation', 'private'] };
}

/** The pull's phases timed apart, in this process, each into an empty store. */
async function inProcessPhases(repo, ref, dir, iterations) {
  const { pullImage } = await import(join(repo, 'dist', 'src', 'image', 'registry', 'pull.js'));
  const { ImageStore } = await import(join(repo, 'dist', 'src', 'image', 'store', 'store.js'));
  const out = { download: [], unpack: [] };
  for (let i = 0; i < iterations; i++) {
    rmSync(dir, { recursive: true, force: true });
    const store = ImageStore.open(dir);
    const t0 = performance.now();
    let t1 = 0;
    const timed = {
      hasBlob: (d) => store.hasBlob(d),
      makeTempDir: (p) => store.makeTempDir(p),
      importLayout: async (layout, opts) => {
        t1 = performance.now();
        return store.importLayout(layout, opts);
      },
    };
    await pullImage(timed, ref, {});
    out.download.push(t1 - t0);
    out.unpack.push(performance.now() - t1);
  }
  rmSync(dir, { recursive: true, force: true });
  return out;
}
