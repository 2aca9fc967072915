// What an exec'd command gets of its container's InitConfig: command, environment,
// working directory and user replaced; every restriction kept.
import { describe, expect, it } from 'vitest';
import { execConfig } from '../../src/container/exec-config.js';
import type { InitConfig } from '../../src/container/init-config.js';

const container = {
  argv: ['sleep', '3600'],
  env: ['PATH=/bin', 'HOME=/root', 'A=1'],
  cwd: '/srv',
  uid: 1000,
  gid: 2000,
  groups: [555, 4242],
  capabilities: { effective: ['CAP_CHOWN'], bounding: ['CAP_CHOWN'] },
  noNewPrivs: true,
  seccompFilter: 'AAAA',
  lsm: { appArmor: 'p' },
} as unknown as InitConfig;

const noCall = (): string[] => {
  throw new Error('asked for its own capabilities with a hardened config');
};

describe('execConfig', () => {
  it.each([
    ['only the command', { argv: ['id'] }, { argv: ['id'], env: container.env, cwd: '/srv', uid: 1000, gid: 2000 }],
    ['env entries override and add, in order', { argv: ['id'], env: ['A=2', 'B=x=y'] }, { env: ['PATH=/bin', 'HOME=/root', 'A=2', 'B=x=y'] }],
    ['a working directory', { argv: ['id'], cwd: '/tmp' }, { cwd: '/tmp' }],
    ['-u UID: the GID is the UID', { argv: ['id'], user: { uid: 0 } }, { uid: 0, gid: 0 }],
    ['-u UID:GID', { argv: ['id'], user: { uid: 7, gid: 8 } }, { uid: 7, gid: 8 }],
  ])('%s', (_, req, want) => {
    const got = execConfig(container, req, noCall);
    expect(got).toMatchObject(want);
    // The restrictions are the container's, whatever was asked.
    for (const k of ['groups', 'capabilities', 'noNewPrivs', 'seccompFilter', 'lsm'] as const) expect(got[k]).toEqual(container[k]);
  });

  it('has a terminal only when the exec asks for one, never from a tty container', () => {
    const ttyContainer = { ...container, tty: true, stdin: true } as InitConfig;
    expect(execConfig(ttyContainer, { argv: ['id'] }, noCall)).toMatchObject({ tty: false, stdin: false });
    expect(execConfig(container, { argv: ['sh'], tty: true }, noCall)).toMatchObject({ tty: true });
  });

  it("gives a container from before hardening what it had: podrun's capabilities, no no_new_privs, no groups", () => {
    const { capabilities: _c, noNewPrivs: _n, groups: _g, ...legacy } = container;
    const got = execConfig(legacy as InitConfig, { argv: ['id'] }, () => ['CAP_CHOWN', 'CAP_SYS_ADMIN']);
    expect(got).toMatchObject({ capabilities: { effective: ['CAP_CHOWN', 'CAP_SYS_ADMIN'], bounding: ['CAP_CHOWN', 'CAP_SYS_ADMIN'] }, noNewPrivs: false, groups: [] });
  });
});
