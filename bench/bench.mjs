#!/usr/bin/env node
// podrun benchmark: CLI latency beside the `node -e 0` floor (and crun/runc where
// installed), and the memory podrun adds per idle pod. Plain Node ESM, run as root:
//
//   make build fixtures && npm run bench          (BENCH_N=15 iterations by default)
//
// Environment: BENCH_N (iterations per timed command, default 15), BENCH_PODS (pods for
// the memory figure, default 20), BENCH_INSTALL_PEERS=1 (apt-get install crun runc when
// neither is on PATH). Everything runs under a private --root in a mkdtemp directory,
// and everything the bench made is removed at the end, on failure too. The bench moves
// itself into a network namespace of its own first (every command it times, the node
// floor too, runs there, and so does the supervisor with its bridge): it never touches the
// machine's interfaces.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { cpus, release } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchHardening, hardeningTable } from './hardening.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PODRUN = join(REPO, 'bin', 'podrun');
const ROOTFS = join(REPO, 'fixtures', 'build', 'busybox-rootfs');
const N = Math.max(1, Number(process.env.BENCH_N ?? 15) | 0);
const PODS = Math.max(1, Number(process.env.BENCH_PODS ?? 20) | 0);
const TIMEOUT_MS = 60_000;

const TARGET_EXEC_RATIO = 1.3;
const TARGET_POD_MB = 0.5;
const TARGET_SUPERVISOR_MB = 60;
const TARGET_NET_MS = 5;
const TARGET_ECHO_MS = 50;
const TARGET_IMAGE_RUN_MS = 5;

// bin/podrun runs exec from dist/exec.cjs only when it is not older than the ESM build
// (same test as bin/podrun): say which, so a figure from a stale build is not mistaken.
function execPath() {
  const bundle = join(REPO, 'dist', 'exec.cjs');
  const esm = join(REPO, 'dist', 'src', 'cli', 'exec-fast.js');
  const fresh = existsSync(bundle) && existsSync(esm) && statSync(bundle).mtimeMs >= statSync(esm).mtimeMs;
  return fresh ? 'dist/exec.cjs (CommonJS bundle)' : 'the ESM build (dist/exec.cjs missing or older than dist/: run `make build`)';
}

// ---------- small helpers ----------

const log = (s = '') => process.stderr.write(s + '\n');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ms = (ns) => Number(ns) / 1e6;
const fmt = (x, d = 1) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));
const kb2mb = (kb) => kb / 1024;

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    interrupted = true;
    log(`bench: ${sig} received, cleaning up`);
  });
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  return { n: s.length, median: s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2, p90: at(0.9), min: s[0] };
}

/** Runs a command synchronously; returns { ms, status, stdout, stderr }. Throws on failure unless allowFail. */
async function run(argv, { allowFail = false, input, timeoutMs = TIMEOUT_MS } = {}) {
  // One turn of the event loop between commands, so a SIGINT/SIGTERM handler runs
  // promptly (spawnSync blocks it) and the bench stops and cleans up.
  await new Promise((r) => setImmediate(r));
  if (interrupted) throw new Error('interrupted');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), {
    encoding: 'utf8',
    timeout: timeoutMs,
    input,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  const t = ms(process.hrtime.bigint() - t0);
  const out = { ms: t, status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
  if (!allowFail && (r.error || r.status !== 0)) {
    const why = r.error ? r.error.message : r.signal ? `signal ${r.signal}` : `exit ${r.status}`;
    throw new Error(`${argv.join(' ')}: ${why}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
  }
  return out;
}

async function timeIt(label, n, argvOf) {
  const samples = [];
  for (let i = 0; i < n; i++) samples.push((await run(argvOf(i))).ms);
  const st = stats(samples);
  log(`  ${label.padEnd(34)} median ${fmt(st.median).padStart(7)} ms   p90 ${fmt(st.p90).padStart(7)} ms   min ${fmt(st.min).padStart(7)} ms   (n=${st.n})`);
  return st;
}

/**
 * Keys typed one at a time on a real terminal (the tests' pty driver: the command is a
 * session leader on a fresh pty) and the time until each comes back echoed.
 */
async function echoLatency(argv, n) {
  const { spawn } = await import('node:child_process');
  const driver = spawn('python3', [join(REPO, 'test', 'integration', 'pty-driver.py'), '30', '90', ...argv], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let wake = () => {};
  let buf = '';
  driver.stdout.on('data', (d) => {
    buf += d;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const msg = JSON.parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      if (msg.out !== undefined) out += msg.out;
    }
    wake();
  });
  const waitFor = async (re, from) => {
    const deadline = Date.now() + 15_000;
    while (!re.test(out.slice(from))) {
      if (Date.now() > deadline) throw new Error(`echo latency: no ${re} on the terminal`);
      await new Promise((r) => ((wake = r), setTimeout(r, 100)));
    }
  };
  const type = (text) => driver.stdin.write(JSON.stringify({ send: text }) + '\n');
  try {
    await waitFor(/\/ # /, 0);
    const samples = [];
    for (let i = 0; i < n; i++) {
      const from = out.length;
      // Letters that no escape sequence of busybox's line editor contains (ESC [6n, ESC [J).
      const key = 'abcdefghijklmopqrstuvwxyz'[i % 25];
      const t0 = process.hrtime.bigint();
      type(key);
      await waitFor(new RegExp(key), from);
      samples.push(ms(process.hrtime.bigint() - t0));
    }
    type('\x15exit\r');
    return stats(samples);
  } finally {
    await new Promise((r) => (driver.exitCode !== null ? r() : (driver.once('exit', r), setTimeout(() => driver.kill('SIGKILL'), 5000))));
  }
}

function which(cmd) {
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(d, cmd);
    if (d && existsSync(p)) return p;
  }
  return undefined;
}

// ---------- /proc readers ----------

function readKv(path) {
  const out = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^(\w+):\s+(\d+)\s*kB/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/** Rss, Pss and private (clean + dirty) memory of a process, in kB. */
function memOf(pid) {
  const r = readKv(`/proc/${pid}/smaps_rollup`);
  const s = readKv(`/proc/${pid}/status`);
  return { vmRss: s.VmRSS, rss: r.Rss, pss: r.Pss, priv: (r.Private_Clean ?? 0) + (r.Private_Dirty ?? 0) };
}

function startTimeOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function procPids() {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
}

// ---------- supervisor API (node http over the unix socket) ----------

function api(socketPath, method, path, timeoutMs = 5000) {
  return new Promise((resolveP, reject) => {
    const req = request({ socketPath, method, path, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        try {
          resolveP(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * The supervisor of our root. First by /proc/PID/cmdline (`supervisor/main.js` and the
 * root path); the supervisor renames itself (process.title), which overwrites its
 * cmdline, so then by the pid its ping answers, checked against the root's lock file
 * held open in /proc/PID/fd.
 */
async function findSupervisor(root) {
  for (const pid of procPids()) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes('supervisor/main.js') && cmd.includes(root)) return { pid, how: 'cmdline' };
    } catch {}
  }
  try {
    const { pid } = await api(join(root, 'supervisor.sock'), 'GET', '/v1/ping', 2000);
    const lock = join(root, 'supervisor.lock');
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === lock) return { pid, how: 'ping + lock fd' };
      } catch {}
    }
  } catch {}
  return undefined;
}

// ---------- reaping: the bench is the child subreaper of what its CLI calls leave ----------
// The CLI starts the supervisor detached and exits; the orphan goes to the nearest
// subreaper. PID 1 on some machines never reaps, so the bench makes itself the subreaper
// and reaps the supervisor after shutting it down (no zombie left behind).

let libc;
async function loadLibc() {
  try {
    const koffi = (await import('koffi')).default;
    const lib = koffi.load('libc.so.6');
    libc = {
      prctl: lib.func('int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)'),
      waitpid: lib.func('int waitpid(int pid, _Out_ int *status, int options)'),
    };
    if (libc.prctl(36 /* PR_SET_CHILD_SUBREAPER */, 1, 0, 0, 0) !== 0) throw new Error('prctl failed');
    return true;
  } catch (e) {
    log(`bench: cannot become child subreaper (${e.message}); an exited supervisor may stay a zombie of PID 1`);
    libc = undefined;
    return false;
  }
}

// ---------- the bench's own network namespace ----------

const NETNS = `podrun-bench-${process.pid}`;
const CLONE_NEWNET = 0x40000000;

/** Makes the bench's network namespace and moves the main thread (whose children inherit it) into it. */
async function enterOwnNetns() {
  await run(['ip', 'netns', 'add', NETNS]);
  await run(['ip', '-n', NETNS, 'link', 'set', 'lo', 'up']);
  const koffi = (await import('koffi')).default;
  const setns = koffi.load('libc.so.6').func('int setns(int fd, int nstype)');
  const { openSync, closeSync } = await import('node:fs');
  const fd = openSync(`/run/netns/${NETNS}`, 'r');
  try {
    if (setns(fd, CLONE_NEWNET) !== 0) throw new Error(`setns into ${NETNS} failed`);
  } finally {
    closeSync(fd);
  }
}

/** Links other than loopback left in the bench's namespace (veths, the bridge). */
async function leftLinks() {
  const r = await run(['ip', '-o', 'link', 'show'], { allowFail: true });
  return r.stdout.split('\n').map((l) => l.split(': ')[1]?.split('@')[0]).filter((n) => n && n !== 'lo');
}

function reap(pid) {
  if (!libc) return false;
  const st = [0];
  return libc.waitpid(pid, st, 1 /* WNOHANG */) === pid;
}

async function waitGone(pid, start, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    reap(pid);
    if (startTimeOf(pid) !== start) return true;
    await sleep(20);
  }
  return false;
}

// ---------- manifests ----------

// The annotation that gives a pod no network (loopback only): the baseline of the network step's cost.
const NO_NETWORK = { 'podrun.io/network': 'none' };

function manifest(name, annotations) {
  // JSON is YAML: one file format for both.
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: {
      terminationGracePeriodSeconds: 0,
      // Exits on SIGTERM, so `rm -f` measures podrun, not the kubelet's 2 s grace floor
      // that a container ignoring SIGTERM (sleep as PID 1) would wait out.
      containers: [{ name: 'main', image: ROOTFS, command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'] }],
    },
  });
}

// ---------- peers: crun / runc ----------

async function benchPeer(tool, tmp) {
  const bin = which(tool);
  if (!bin) return { tool, note: 'not installed' };
  const bundle = join(tmp, `${tool}-bundle`);
  const state = join(tmp, `${tool}-state`);
  mkdirSync(bundle, { recursive: true });
  mkdirSync(state, { recursive: true });
  const ids = [];
  try {
    // `crun spec` / `runc spec` write config.json into the current directory.
    const r = spawnSync(bin, ['spec'], { cwd: bundle, encoding: 'utf8' });
    if (r.status !== 0 || !existsSync(join(bundle, 'config.json'))) {
      return { tool, note: `could not run: \`${tool} spec\` failed: ${(r.stderr || r.error?.message || '').trim().split('\n')[0]}` };
    }
    const cfg = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    cfg.root = { path: ROOTFS, readonly: true };
    cfg.process.args = ['/bin/true'];
    cfg.process.terminal = false;
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(cfg, null, 2));
    const argvOf = (i) => {
      const id = `podrun-bench-${process.pid}-${i}`;
      ids.push(id);
      return [bin, '--root', state, 'run', '--bundle', bundle, id];
    };
    const first = await run(argvOf('probe'), { allowFail: true });
    if (first.status !== 0) {
      const why = (first.stderr || first.error?.message || `exit ${first.status}`).trim().split('\n').filter(Boolean).pop();
      return { tool, note: `could not run: ${why}` };
    }
    return { tool, st: await timeIt(`${tool} run /bin/true`, N, argvOf) };
  } catch (e) {
    return { tool, note: `could not run: ${e.message.split('\n')[0]}` };
  } finally {
    for (const id of ids) spawnSync(bin, ['--root', state, 'delete', '-f', id], { stdio: 'ignore', timeout: 10_000 });
  }
}

// ---------- the bench ----------

async function main() {
  if (process.getuid?.() !== 0) throw new Error('podrun bench must run as root');
  if (!existsSync(join(REPO, 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/ missing: run `make build fixtures` first');
  if (!existsSync(join(ROOTFS, 'bin', 'busybox'))) throw new Error(`${ROOTFS} missing: run \`make build fixtures\` first`);

  await loadLibc();
  await enterOwnNetns();

  const tmp = mkdtempSync('/tmp/podrun-bench-');
  const root = join(tmp, 'root');
  const manifests = join(tmp, 'manifests');
  mkdirSync(manifests);
  const mf = (name, annotations) => {
    const p = join(manifests, `${name}.json`);
    if (!existsSync(p)) writeFileSync(p, manifest(name, annotations));
    return p;
  };
  const podrun = (...args) => [process.execPath, PODRUN, '--root', root, ...args];

  const results = { rows: [], mem: {}, peers: [] };
  const seen = { cgroups: new Set(), procs: new Map(), supervisors: new Map() };
  const remember = async (name) => {
    // Records what a pod made (cgroup, pause holder, container pids) to check it is gone at the end.
    const pod = JSON.parse((await run(podrun('inspect', '-o', 'json', name))).stdout);
    const sb = pod.status.sandbox ?? {};
    if (sb.cgroup) seen.cgroups.add(sb.cgroup);
    for (const pid of [sb.pid, ...(pod.status.containerStatuses ?? []).map((c) => c.pid)]) if (pid) seen.procs.set(pid, startTimeOf(pid));
    return pod;
  };
  const noteSupervisor = async () => {
    const s = await findSupervisor(root);
    if (s && !seen.supervisors.has(s.pid)) seen.supervisors.set(s.pid, startTimeOf(s.pid));
    return s;
  };

  log(`podrun bench: N=${N}, ${PODS} pods for memory, root ${root}`);
  log(`  node ${process.version}, kernel ${release()}, ${cpus().length} CPU, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  log(`  podrun exec runs from ${execPath()}`);
  log('');
  let failed;
  try {
    // 1. The floor every Node CLI pays.
    log('timings (wall clock around spawnSync; podrun is started as `node bin/podrun`, the same node as the floor):');
    const nodeFloor = [process.execPath, '-e', '0'];
    const cliOnly = podrun('--help');
    await run(nodeFloor);

    // 2. First command of a fresh root: pays the supervisor's start-up.
    if (await findSupervisor(root)) throw new Error('a supervisor already serves the fresh root');
    const first = await run(podrun('run', '-f', mf('bench-exec')));
    log(`  ${'first `podrun run` (+ supervisor)'.padEnd(34)} ${fmt(first.ms).padStart(14)} ms   (once)`);
    const sup = await noteSupervisor();
    if (!sup) throw new Error('cannot find the supervisor of the bench root');
    log(`  supervisor pid ${sup.pid} (found by ${sup.how})`);
    await remember('bench-exec');

    // 3. run (warm supervisor) until it returns = containers started; interleaved with the
    //    same pod without network, so that the difference is the network step's cost.
    const runs = { net: [], none: [] };
    for (let i = 0; i < N; i++) {
      runs.net.push((await run(podrun('run', '-f', mf(`bench-run-${i}`)))).ms);
      runs.none.push((await run(podrun('run', '-f', mf(`bench-nonet-${i}`, NO_NETWORK)))).ms);
    }
    const runSt = stats(runs.net);
    const noNetSt = stats(runs.none);
    const netCost = runSt.median - noNetSt.median;
    results.netCost = netCost;
    for (const [label, st] of [['podrun run -f (1 busybox ctr)', runSt], ['podrun run -f, network: none', noNetSt]]) {
      log(`  ${label.padEnd(34)} median ${fmt(st.median).padStart(7)} ms   p90 ${fmt(st.p90).padStart(7)} ms   min ${fmt(st.min).padStart(7)} ms   (n=${st.n}, interleaved)`);
    }
    log(`  network step's cost (median difference) = ${fmt(netCost)} ms, target <= ${TARGET_NET_MS} ms: ${netCost <= TARGET_NET_MS ? 'PASS' : 'MISS'}`);
    // The same step alone, in-process with the supervisor's node flags: free of the CLI's noise.
    // Its state root is a second one in this namespace, so it has a bridge and ranges of its own.
    const stepEnv = ['env', 'PODRUN_BRIDGE=prstep', 'PODRUN_POD_IPV4_RANGE=10.90.0.0/16', 'PODRUN_POD_IPV6_RANGE=fd90::/64'];
    const stepArgv = [process.execPath, '--max-semi-space-size=1', '--lite-mode', '--v8-pool-size=1', join(REPO, 'bench', 'network-step.mjs')];
    const step = JSON.parse((await run([...stepEnv, ...stepArgv, join(tmp, 'step-root'), String(N)])).stdout);
    results.step = { bridge: stats(step.bridge), none: stats(step.none) };
    results.step.cost = results.step.bridge.median - results.step.none.median;
    log(`  network step alone, in-process: bridge ${fmt(results.step.bridge.median, 2)} ms, none ${fmt(results.step.none.median, 2)} ms (medians, n=${N}): ${fmt(results.step.cost, 2)} ms`);
    results.rows.push({ what: '`podrun run -f` (1 busybox container, returns when started; bridge network)', st: runSt });
    results.rows.push({ what: '`podrun run -f`, same pod with `podrun.io/network: none` (interleaved)', st: noNetSt });
    results.rows.push({ what: 'first command of a root (`run`, + supervisor start-up)', once: first.ms });
    const list = JSON.parse((await run(podrun('list', '-o', 'json'))).stdout);
    const notRunning = list.items.filter((p) => p.status?.phase !== 'Running').map((p) => `${p.metadata.name}=${p.status?.phase}`);
    if (notRunning.length) throw new Error(`pods not Running after run: ${notRunning.join(', ')}`);
    for (let i = 0; i < N; i++) await remember(`bench-run-${i}`), await remember(`bench-nonet-${i}`);

    // 4. exec.
    // 4. exec, interleaved with the node floor and the CLI's bare start-up (`--help`), so
    //    that all three see the same machine load and the ratio stays fair on a busy host.
    const execArgv = podrun('exec', 'bench-exec', '--', '/bin/true');
    for (let i = 0; i < 2; i++) await run(execArgv), await run(cliOnly);
    const samples = { floor: [], cli: [], exec: [] };
    for (let i = 0; i < N; i++) {
      samples.floor.push((await run(nodeFloor)).ms);
      samples.cli.push((await run(cliOnly)).ms);
      samples.exec.push((await run(execArgv)).ms);
    }
    const floor = stats(samples.floor);
    const cliSt = stats(samples.cli);
    const execSt = stats(samples.exec);
    for (const [label, st] of [['node -e 0 (floor)', floor], ['podrun --help (CLI load only)', cliSt], ['podrun exec POD -- /bin/true', execSt]]) {
      log(`  ${label.padEnd(34)} median ${fmt(st.median).padStart(7)} ms   p90 ${fmt(st.p90).padStart(7)} ms   min ${fmt(st.min).padStart(7)} ms   (n=${st.n}, interleaved)`);
    }
    results.rows.unshift({ what: '`node -e 0` (floor)', st: floor }, { what: '`podrun --help` (CLI start-up only, no work)', st: cliSt });
    results.rows.push({ what: '`podrun exec POD -- /bin/true`', st: execSt });

    // 4b. hardening's cost, interleaved with the same without it (bench/hardening.mjs).
    results.hardening = await benchHardening({ run, stats, podrun, root, tmp, n: N, rootfs: ROOTFS, repo: REPO, log, fmt });

    // 4c. exec -t: the exec stage (pty from the container's devpts, controlling terminal,
    //     the container's process steps), and the echo latency of an -it session.
    const ttySt = await timeIt('podrun exec -t POD -- /bin/true', N, () => podrun('exec', '-t', 'bench-exec', '--', '/bin/true'));
    results.rows.push({ what: '`podrun exec -t POD -- /bin/true` (exec stage + pty)', st: ttySt, tty: true });
    const echoSt = await echoLatency(podrun('exec', '-it', 'bench-exec', 'sh'), Math.max(N, 20));
    log(`  exec -it echo latency             median ${fmt(echoSt.median, 2).padStart(7)} ms   p90 ${fmt(echoSt.p90, 2).padStart(7)} ms   target < ${TARGET_ECHO_MS} ms`);
    results.rows.push({ what: '`podrun exec -it POD sh`: a typed key echoed back on the caller\'s pty', st: echoSt, tty: true, echo: true });

    // 5. rm -f.
    const rmSt = await timeIt('podrun rm -f POD', N, (i) => podrun('rm', '-f', `bench-run-${i}`));
    results.rows.push({ what: '`podrun rm -f POD` (container exits on SIGTERM)', st: rmSt });
    await run(podrun('rm', '-f', ...Array.from({ length: N }, (_, i) => `bench-nonet-${i}`)));

    // 5b. images (bench/image-bench.mjs): run from the store against a directory path, and
    //     import of a ~100 MB image against tar -x of its layers.
    if (which('umoci')) {
      const img = JSON.parse((await run([process.execPath, join(REPO, 'bench', 'image-bench.mjs'), tmp, String(N)], { timeoutMs: 900_000 })).stdout);
      const dirSt = stats(img.runDir);
      const namedSt = stats(img.runNamed);
      results.imageRunCost = namedSt.median - dirSt.median;
      results.imports = { podrun: stats(img.importMs), tar: stats(img.tarMs), sizeMB: img.sizeMB };
      results.rows.push({ what: '`podrun run -f`, image a directory path (network none, interleaved)', st: dirSt });
      results.rows.push({ what: '`podrun run -f`, the same rootfs as a named image from the store', st: namedSt, image: true });
      results.resolve = { dir: stats(img.resolveDir), named: stats(img.resolveNamed) };
      log(`  named image over directory (median difference) = ${fmt(results.imageRunCost)} ms, target <= ${TARGET_IMAGE_RUN_MS} ms`);
      log(`  image resolution at create, in-process: directory ${fmt(results.resolve.dir.median, 2)} ms, named ${fmt(results.resolve.named.median, 2)} ms (medians)`);
      log(`  image import of ${fmt(img.sizeMB)} MB: ${fmt(results.imports.podrun.median)} ms, tar -xzf of its layers ${fmt(results.imports.tar.median)} ms (medians, n=${img.importMs.length})`);
    } else log('  image figures skipped: umoci is missing (scripts/install-host-deps.sh installs it)');

    const ratio = execSt.median / floor.median;
    results.ratio = ratio;
    log(`  exec / node floor = ${fmt(ratio, 2)}x (median), target <= ${TARGET_EXEC_RATIO}x: ${ratio <= TARGET_EXEC_RATIO ? 'PASS' : 'MISS'}`);

    // 6. peers.
    log('');
    log('peers:');
    let peerTools = ['crun', 'runc'].filter((t) => which(t));
    if (!peerTools.length && process.env.BENCH_INSTALL_PEERS === '1') {
      log('  BENCH_INSTALL_PEERS=1: apt-get install -y crun runc');
      await run(['apt-get', 'install', '-y', 'crun', 'runc'], { allowFail: true });
      peerTools = ['crun', 'runc'].filter((t) => which(t));
    }
    for (const tool of ['crun', 'runc']) {
      const p = await benchPeer(tool, tmp);
      results.peers.push(p);
      if (p.note) log(`  ${tool}: ${p.note}`);
    }

    // 7. memory: 0 pods (right after the warm-up pod is removed), then PODS idle pods.
    log('');
    log('memory:');
    await run(podrun('rm', '-f', 'bench-exec'));
    await sleep(300);
    const supNow = await noteSupervisor();
    if (!supNow) throw new Error('supervisor gone after the last pod was removed (idle exit too early?)');
    if (supNow.pid !== sup.pid) log(`  note: the supervisor was restarted during the bench (pid ${sup.pid} -> ${supNow.pid})`);
    const before = memOf(supNow.pid);
    log(`  supervisor, 0 pods: VmRSS ${fmt(kb2mb(before.vmRss))} MB, PSS ${fmt(kb2mb(before.pss))} MB, private ${fmt(kb2mb(before.priv))} MB`);

    const startSamples = [];
    for (let i = 0; i < PODS; i++) startSamples.push((await run(podrun('run', '-f', mf(`bench-mem-${i}`)))).ms);
    await sleep(500);
    const supAfter = await noteSupervisor();
    if (!supAfter || supAfter.pid !== supNow.pid) throw new Error('the supervisor changed while the memory pods started');
    const after = memOf(supAfter.pid);
    const pause = [];
    for (let i = 0; i < PODS; i++) {
      const pod = await remember(`bench-mem-${i}`);
      if (pod.status.phase !== 'Running') throw new Error(`bench-mem-${i} is ${pod.status.phase}, not Running`);
      pause.push(memOf(pod.status.sandbox.pid));
    }
    const avg = (k) => pause.reduce((a, m) => a + m[k], 0) / pause.length;
    const m = results.mem;
    m.pods = PODS;
    m.supBefore = before;
    m.supAfter = after;
    m.pausePss = avg('pss');
    m.pauseRss = avg('rss');
    m.pausePriv = avg('priv');
    m.supGrowthPss = (after.pss - before.pss) / PODS;
    m.supGrowthRss = (after.vmRss - before.vmRss) / PODS;
    m.perPod = m.pausePss + m.supGrowthPss;
    m.runWhileMem = stats(startSamples);
    log(`  supervisor, ${PODS} pods: VmRSS ${fmt(kb2mb(after.vmRss))} MB, PSS ${fmt(kb2mb(after.pss))} MB, private ${fmt(kb2mb(after.priv))} MB`);
    log(`  pause holder (catatonit): PSS ${fmt(m.pausePss, 0)} kB, RSS ${fmt(m.pauseRss, 0)} kB, private ${fmt(m.pausePriv, 0)} kB (mean of ${PODS})`);
    log(`  supervisor growth per pod: PSS ${fmt(m.supGrowthPss, 0)} kB, VmRSS ${fmt(m.supGrowthRss, 0)} kB`);
    log(`  per idle pod = pause PSS + supervisor PSS growth / ${PODS} = ${fmt(m.perPod, 0)} kB = ${fmt(kb2mb(m.perPod), 3)} MB, target < ${TARGET_POD_MB} MB: ${kb2mb(m.perPod) < TARGET_POD_MB ? 'PASS' : 'MISS'}`);
    log(`  supervisor VmRSS with ${PODS} pods = ${fmt(kb2mb(after.vmRss))} MB, target < ${TARGET_SUPERVISOR_MB} MB: ${kb2mb(after.vmRss) < TARGET_SUPERVISOR_MB ? 'PASS' : 'MISS'}`);

    // 8. pull from a loopback registry beside skopeo copy (bench/registry-pull.mjs).
    log('');
    log('pull:');
    const { benchPull } = await import('./registry-pull.mjs');
    results.pull = await benchPull({ run, log, stats, fmt, which, tmp, rootfs: ROOTFS, repo: REPO, n: N, podrunArgv: (r, ...args) => [process.execPath, PODRUN, '--root', r, ...args] });
    if (results.pull.note) log(`  ${results.pull.note}`);
  } catch (e) {
    failed = e;
  } finally {
    log('');
    log('cleanup:');
    const left = await cleanup(root, tmp, seen);
    if (left.length) {
      log('  LEFT BEHIND:');
      for (const l of left) log(`    ${l}`);
    } else log('  nothing left behind (pods, supervisor, mounts, cgroups, processes, temp root)');
    if (left.length && !failed) failed = new Error('the bench left things behind');
  }
  if (failed) {
    log('');
    log(`bench FAILED: ${failed.message}`);
    if (results.rows.length) printTable(results);
    process.exitCode = 1;
    return;
  }
  printTable(results);
}

async function cleanup(root, tmp, seen) {
  const left = [];
  const podsDir = join(root, 'pods');
  const pods = existsSync(podsDir) ? readdirSync(podsDir) : [];
  if (pods.length) {
    const r = spawnSync(process.execPath, [PODRUN, '--root', root, 'rm', '-f', ...pods], { encoding: 'utf8', timeout: 120_000 });
    log(`  rm -f ${pods.length} pod(s): ${r.status === 0 ? 'ok' : `exit ${r.status}: ${(r.stderr ?? '').trim()}`}`);
  }
  // The rm above may have (re)started a supervisor: shut down every one we know of.
  const s = await findSupervisor(root);
  if (s && !seen.supervisors.has(s.pid)) seen.supervisors.set(s.pid, startTimeOf(s.pid));
  if (existsSync(join(root, 'supervisor.sock'))) {
    try {
      await api(join(root, 'supervisor.sock'), 'POST', '/v1/shutdown');
      log('  POST /v1/shutdown: ok');
    } catch (e) {
      log(`  POST /v1/shutdown: ${e.message}`);
    }
  }
  for (const [pid, start] of seen.supervisors) {
    if (start === undefined) continue;
    if (!(await waitGone(pid, start, 5000))) {
      log(`  supervisor ${pid} still alive after shutdown: SIGTERM`);
      try {
        process.kill(pid, 'SIGTERM');
      } catch {}
      if (!(await waitGone(pid, start, 3000))) left.push(`supervisor process ${pid}`);
    }
  }
  for (const [pid, start] of seen.procs) {
    if (start !== undefined && startTimeOf(pid) === start) {
      const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
      left.push(`process ${pid} (${st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'))}, state ${st.slice(st.lastIndexOf(')') + 2, st.lastIndexOf(')') + 3)})`);
    }
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(tmp));
  if (mounts.length) {
    left.push(`${mounts.length} mount(s) under ${tmp}`);
  }
  for (const cg of seen.cgroups) if (existsSync(cg)) left.push(`cgroup ${cg}`);
  for (const link of await leftLinks()) left.push(`link ${link} in ${NETNS}`);
  // The name only: the namespace itself ends with the bench, which is still in it.
  await run(['ip', 'netns', 'del', NETNS], { allowFail: true });
  if (!mounts.length) {
    try {
      rmSync(tmp, { recursive: true, force: true });
    } catch (e) {
      left.push(`temp dir ${tmp}: ${e.message}`);
    }
  } else left.push(`temp dir ${tmp} (kept: mounts remain)`);
  return left;
}

function printTable(r) {
  const day = new Date().toISOString().slice(0, 10);
  const floor = r.rows.find((x) => x.what.startsWith('`node -e 0`'))?.st;
  const out = [];
  out.push('');
  out.push(`### podrun bench, ${day}`);
  out.push('');
  out.push(`${cpus().length} CPU (${cpus()[0]?.model.trim()}), kernel ${release()}, node ${process.version}, N=${N}, ${r.mem.pods ?? PODS} idle pods; exec from ${execPath()}.`);
  out.push('');
  out.push('| Command | median ms | p90 ms | min ms | vs node floor | target | result |');
  const netRow = (row) => row.what.includes('network: none');
  out.push('|---|---:|---:|---:|---:|---|---|');
  for (const row of r.rows) {
    const isExec = row.what.includes('exec') && !row.tty;
    if (row.once !== undefined) {
      out.push(`| ${row.what} | ${fmt(row.once)} (once) | | | ${floor ? fmt(row.once / floor.median, 2) + 'x' : ''} | | |`);
      continue;
    }
    const ratio = floor && !row.what.startsWith('`node') ? fmt(row.st.median / floor.median, 2) + 'x' : row.what.startsWith('`node') ? '1.00x' : '';
    if (row.echo) {
      out.push(`| ${row.what} | ${fmt(row.st.median, 2)} | ${fmt(row.st.p90, 2)} | ${fmt(row.st.min, 2)} | | < ${TARGET_ECHO_MS} ms | ${row.st.median < TARGET_ECHO_MS ? 'PASS' : 'MISS'} |`);
      continue;
    }
    let target = isExec ? `<= ${TARGET_EXEC_RATIO}x floor` : netRow(row) ? `network step (difference) <= ${TARGET_NET_MS} ms: ${fmt(r.netCost)} ms` : '';
    let res = isExec ? (r.ratio <= TARGET_EXEC_RATIO ? 'PASS' : 'MISS') : netRow(row) ? (r.netCost <= TARGET_NET_MS ? 'PASS' : 'MISS') : '';
    if (row.image) {
      target = `<= directory + ${TARGET_IMAGE_RUN_MS} ms: ${fmt(r.imageRunCost)} ms`;
      res = r.imageRunCost <= TARGET_IMAGE_RUN_MS ? 'PASS' : 'MISS';
    }
    out.push(`| ${row.what} | ${fmt(row.st.median)} | ${fmt(row.st.p90)} | ${fmt(row.st.min)} | ${ratio} | ${target} | ${res} |`);
  }
  for (const p of r.peers) {
    if (p.st) {
      out.push(`| \`${p.tool} run\` of /bin/true (same rootfs, OCI bundle) | ${fmt(p.st.median)} | ${fmt(p.st.p90)} | ${fmt(p.st.min)} | ${floor ? fmt(p.st.median / floor.median, 2) + 'x' : ''} | | |`);
    } else {
      out.push(`| \`${p.tool} run\` of /bin/true | ${p.note.replaceAll('|', '\\|')} | | | | | |`);
    }
  }
  if (r.imports) {
    const { podrun: p, tar, sizeMB } = r.imports;
    out.push('');
    out.push(`| Image import (${fmt(sizeMB)} MB, 4 gzip layers made by umoci, empty store) | median ms | p90 ms | min ms | target | result |`);
    out.push('|---|---:|---:|---:|---|---|');
    out.push(`| \`podrun image import\` (verify, unpack, store) | ${fmt(p.median)} | ${fmt(p.p90)} | ${fmt(p.min)} | <= tar -x | ${p.median <= tar.median ? 'PASS' : 'MISS'} |`);
    out.push(`| GNU \`tar -xzf\` of the same layers | ${fmt(tar.median)} | ${fmt(tar.p90)} | ${fmt(tar.min)} | | |`);
    out.push(`| image resolution at create, in-process: directory / named | ${fmt(r.resolve.dir.median, 2)} / ${fmt(r.resolve.named.median, 2)} | ${fmt(r.resolve.dir.p90, 2)} / ${fmt(r.resolve.named.p90, 2)} | | | |`);
  }
  if (r.step) {
    out.push('');
    out.push('| Network step alone (in-process, the supervisor\'s node flags) | median ms | p90 ms | min ms |');
    out.push('|---|---:|---:|---:|');
    for (const [what, st] of [['bridge: lease, veth pair, addresses, routes', r.step.bridge], ['`podrun.io/network: none`', r.step.none]]) {
      out.push(`| ${what} | ${fmt(st.median, 2)} | ${fmt(st.p90, 2)} | ${fmt(st.min, 2)} |`);
    }
    out.push(`| cost of the bridge (difference of medians) | ${fmt(r.step.cost, 2)} | | |`);
  }
  if (r.hardening) out.push(...hardeningTable(r.hardening, fmt));
  if (r.pull?.rows) {
    out.push('');
    out.push('| Pull (bench/registry-pull.mjs) | median ms | p90 ms | min ms | target | result |');
    out.push('|---|---:|---:|---:|---|---|');
    for (const [i, row] of r.pull.rows.entries()) {
      const verdict = i === 0 ? [`<= skopeo copy: ${fmt(r.pull.ratio, 2)}x`, r.pull.ratio <= 1 ? 'PASS' : 'MISS'] : (row.verdict ?? ['', '']);
      out.push(`| ${row.what} | ${fmt(row.st.median)} | ${fmt(row.st.p90)} | ${fmt(row.st.min)} | ${verdict.join(' | ')} |`);
    }
  }
  const m = r.mem;
  if (m.supAfter) {
    const mb = (kb) => fmt(kb2mb(kb), 2);
    out.push('');
    out.push('| Memory | value | target | result |');
    out.push('|---|---:|---|---|');
    out.push(`| added per idle pod (pause PSS + supervisor PSS growth / ${m.pods}) | ${fmt(kb2mb(m.perPod), 3)} MB | < ${TARGET_POD_MB} MB | ${kb2mb(m.perPod) < TARGET_POD_MB ? 'PASS' : 'MISS'} |`);
    out.push(`| . pause holder (catatonit) PSS, mean | ${fmt(m.pausePss, 0)} kB | | |`);
    out.push(`| . supervisor PSS growth per pod | ${fmt(m.supGrowthPss, 0)} kB | | |`);
    out.push(`| supervisor VmRSS with ${m.pods} pods | ${mb(m.supAfter.vmRss)} MB | < ${TARGET_SUPERVISOR_MB} MB | ${kb2mb(m.supAfter.vmRss) < TARGET_SUPERVISOR_MB ? 'PASS' : 'MISS'} |`);
    out.push(`| supervisor VmRSS / PSS / private, 0 pods | ${mb(m.supBefore.vmRss)} / ${mb(m.supBefore.pss)} / ${mb(m.supBefore.priv)} MB | | |`);
    out.push(`| supervisor VmRSS / PSS / private, ${m.pods} pods | ${mb(m.supAfter.vmRss)} / ${mb(m.supAfter.pss)} / ${mb(m.supAfter.priv)} MB | | |`);
    out.push(`| \`podrun run\` while filling to ${m.pods} pods, median | ${fmt(m.runWhileMem.median)} ms | | |`);
  }
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((e) => {
  log(`bench: ${e.stack ?? e.message}`);
  process.exitCode = 1;
});
