// `podrun --version` and `podrun info`: the real values of this host, read without a
// supervisor (none is started, the state root is not even created).
import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, canRun, newRoot, ok, podrun } from './helpers.js';

const CGROUP2_SUPER_MAGIC = 0x63677270;
const parent = canRun ? newRoot('info') : '/nonexistent';
// A root that does not exist: info must not create it, nor start a supervisor in it.
const root = join(parent, 'root');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const sh = async (cmd: string, ...args: string[]) => (await execa(cmd, args)).stdout.trim();

describe.skipIf(!canRun)('podrun --version and info', () => {
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('--version prints the version of package.json and exits 0', async () => {
    expect(await ok(root, ['--version'])).toBe(pkg.version);
    expect((await podrun(root, ['-V'])).stdout).toBe(pkg.version);
  });

  // `true` exits long before podrun (a Node start) writes, so the write meets a closed pipe.
  it('a reader that closes the pipe early ends it quietly with status 141, no stack trace', async () => {
    const bin = join(REPO, 'bin', 'podrun');
    const r = await execa('bash', ['-c', `"${bin}" --root "${root}" info -o json | true; echo "\${PIPESTATUS[0]}"`]);
    expect(r.stdout).toBe('141');
    expect(r.stderr).toBe('');
  });

  it('info -o json reports this host as uname, /proc and the cgroup2 mount say', async () => {
    const info = JSON.parse(await ok(root, ['info', '-o', 'json']));
    expect(info.version).toBe(pkg.version);
    expect(info.node).toBe(await sh('node', '--version'));
    expect(info.kernel).toBe(await sh('uname', '-r'));
    expect(info.arch).toBe(await sh('uname', '-m'));
    expect(info.stateRoot).toBe(root);

    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    const v1 = / - cgroup /.test(mounts);
    expect(info.cgroup.mode).toBe(v1 ? 'hybrid' : 'unified');
    expect(statfsSync(info.cgroup.mount).type).toBe(CGROUP2_SUPER_MAGIC);
    const controllers = readFileSync(join(info.cgroup.mount, 'cgroup.controllers'), 'utf8').split(/\s+/).filter(Boolean);
    expect(info.cgroup.controllers).toEqual(controllers);

    const release = info.kernel.split('.').map(Number);
    expect(info.features.pidfdExitStatus).toBe(release[0] > 6 || (release[0] === 6 && release[1] >= 15));
    expect(info.features.overlayfs).toBe(/\toverlay$/m.test(readFileSync('/proc/filesystems', 'utf8')));
    expect(info.features).toMatchObject({ networking: true, seccomp: true, images: true, terminals: true });
    expect(info.features.resourceLimits).toBe(['memory', 'cpu', 'pids'].every((c) => controllers.includes(c)));
    expect(info.features.probes).toEqual(['exec', 'httpGet', 'tcpSocket', 'grpc']);
  });

  it('info prints the same facts for people', async () => {
    const text = await ok(root, ['info']);
    expect(text).toMatch(new RegExp(`^version: +${pkg.version.replace(/\./g, '\\.')}$`, 'm'));
    expect(text).toContain(await sh('uname', '-r'));
    expect(text).toMatch(/^cgroup: +(hybrid|unified), cgroup2 at \/sys\/fs\/cgroup/m);
    expect(text).toMatch(new RegExp(`^state root: +${root}$`, 'm'));
    expect(text).toMatch(/^ {2}networking: +yes$/m);
  });

  it('needs no supervisor: the state root stays absent', () => {
    expect(existsSync(root)).toBe(false);
  });

  it('info -o with another format exits 2 naming --output', async () => {
    const r = await podrun(root, ['info', '-o', 'yaml']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('podrun: --output: "yaml": must be json');
  });
});
