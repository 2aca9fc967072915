// The pure halves of registry authentication: WWW-Authenticate parsing, token request URLs,
// and the auth file lookup order and key matching of containers-auth.json(5).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { authFilePaths, credentialsIn, findCredentials, normaliseAuthKey } from '../../src/image/registry/auth-file.js';
import { pickChallenge, pullScope, tokenFrom, tokenUrl } from '../../src/image/registry/auth.js';
import { parseChallenges } from '../../src/image/registry/challenge.js';

describe('parseChallenges', () => {
  it.each([
    [
      ['Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'],
      [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } }],
    ],
    [['Basic realm="basic-realm"'], [{ scheme: 'basic', params: { realm: 'basic-realm' } }]],
    // Two challenges in one header, odd spacing, an escaped quote, an unquoted value.
    [
      ['Basic realm="a \\"b\\"" , Bearer  realm = "https://t/x?a=1,b" ,service=reg'],
      [
        { scheme: 'basic', params: { realm: 'a "b"' } },
        { scheme: 'bearer', params: { realm: 'https://t/x?a=1,b', service: 'reg' } },
      ],
    ],
    // Repeated headers (Node would join them) are read one by one; case-insensitive names.
    [
      ['BASIC Realm=x', 'bearer REALM="https://t"'],
      [
        { scheme: 'basic', params: { realm: 'x' } },
        { scheme: 'bearer', params: { realm: 'https://t' } },
      ],
    ],
    [['Bearer realm="unterminated'], [{ scheme: 'bearer', params: {} }]],
    [[''], []],
  ])('%j', (headers, want) => {
    expect(parseChallenges(headers)).toEqual(want);
  });

  it('prefers Bearer over Basic, and knows no other scheme', () => {
    expect(pickChallenge(parseChallenges(['Basic realm=a, Bearer realm="https://t"']))?.scheme).toBe('bearer');
    expect(pickChallenge(parseChallenges(['Negotiate abc=='])))
      .toBeUndefined();
  });
});

describe('tokenUrl', () => {
  it('adds service and the pull scope, and keeps the challenge scope once', () => {
    const c = parseChallenges(['Bearer realm="https://auth.example/token?x=1",service="reg.example",scope="repository:team/app:pull"'])[0]!;
    const url = tokenUrl(c, pullScope('team/app'));
    expect(String(url)).toBe('https://auth.example/token?x=1&service=reg.example&scope=repository%3Ateam%2Fapp%3Apull');
    const other = parseChallenges(['Bearer realm="https://a/t",scope="repository:other:pull"'])[0]!;
    expect([...(tokenUrl(other, pullScope('team/app')) as URL).searchParams.getAll('scope')]).toEqual(['repository:team/app:pull', 'repository:other:pull']);
  });
  it.each([
    ['Bearer service=x', 'the Bearer challenge has no realm'],
    ['Bearer realm="not a url"', 'the Bearer challenge\'s realm "not a url" is not a URL'],
  ])('%s -> %s', (h, why) => {
    expect(tokenUrl(parseChallenges([h])[0]!, 'repository:a:pull')).toBe(why);
  });
  it.each([
    [{ token: 't1' }, 't1'],
    [{ access_token: 't2' }, 't2'],
    [{ token: 't1', access_token: 't2' }, 't1'],
    [{ token: '' }, undefined],
    [null, undefined],
    ['x', undefined],
  ])('token from %j', (doc, want) => {
    expect(tokenFrom(doc)).toBe(want);
  });
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('auth files', () => {
  it('follows the containers-auth.json(5) order, and REGISTRY_AUTH_FILE alone when set', () => {
    expect(authFilePaths({}, 0, '/root')).toEqual(['/run/containers/0/auth.json', '/root/.config/containers/auth.json', '/root/.docker/config.json']);
    expect(authFilePaths({ XDG_RUNTIME_DIR: '/run/user/1000', XDG_CONFIG_HOME: '/c', DOCKER_CONFIG: '/d' }, 1000, '/home/u')).toEqual([
      '/run/user/1000/containers/auth.json',
      '/c/containers/auth.json',
      '/d/config.json',
    ]);
    expect(authFilePaths({ REGISTRY_AUTH_FILE: '/a.json', XDG_RUNTIME_DIR: '/r' }, 0, '/root')).toEqual(['/a.json']);
  });

  it.each([
    ['docker.io', 'docker.io'],
    ['https://index.docker.io/v1/', 'docker.io'],
    ['index.docker.io', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['http://127.0.0.1:5000/v2/', '127.0.0.1:5000'],
    ['quay.io/team/', 'quay.io/team'],
    ['localhost:5000', 'localhost:5000'],
  ])('key %s is %s', (k, want) => expect(normaliseAuthKey(k)).toBe(want));

  it('matches the longest repository prefix, then the host', () => {
    const doc = { auths: { 'reg.example': { auth: b64('host:1') }, 'reg.example/team': { auth: b64('team:2') }, 'reg.example/team/app': { auth: '' } } };
    expect(credentialsIn(doc, 'reg.example', 'team/app', 'f')).toEqual({ username: 'team', password: '2' });
    expect(credentialsIn(doc, 'reg.example', 'other/app', 'f')).toEqual({ username: 'host', password: '1' });
    expect(credentialsIn(doc, 'reg.example:5000', 'team/app', 'f')).toBeUndefined();
    expect(credentialsIn({ auths: { 'https://index.docker.io/v1/': { auth: b64('u:p:w') } } }, 'docker.io', 'library/busybox', 'f')).toEqual({ username: 'u', password: 'p:w' });
    expect(credentialsIn({}, 'docker.io', 'x', 'f')).toBeUndefined();
    expect(() => credentialsIn({ auths: { 'r.io': { auth: b64('nocolon') } } }, 'r.io', 'x', '/f.json')).toThrow('/f.json: auths["r.io"].auth is not base64 of user:password');
  });

  it('reads the first file that has the registry, skipping missing ones', () => {
    const home = mkdtempSync(join(tmpdir(), 'podrun-unit-auth-'));
    try {
      mkdirSync(join(home, '.config', 'containers'), { recursive: true });
      mkdirSync(join(home, '.docker'));
      writeFileSync(join(home, '.config', 'containers', 'auth.json'), JSON.stringify({ auths: { 'a.io': { auth: b64('podman:1') } } }));
      writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ auths: { 'a.io': { auth: b64('docker:2') }, 'b.io': { auth: b64('docker:3') } } }));
      const env = { HOME: home, XDG_RUNTIME_DIR: join(home, 'run') };
      expect(findCredentials('a.io', 'x', env, 0)).toEqual({ username: 'podman', password: '1' });
      expect(findCredentials('b.io', 'x', env, 0)).toEqual({ username: 'docker', password: '3' });
      expect(findCredentials('c.io', 'x', env, 0)).toBeUndefined();
      writeFileSync(join(home, 'bad.json'), '{');
      expect(() => findCredentials('a.io', 'x', { ...env, REGISTRY_AUTH_FILE: join(home, 'bad.json') }, 0)).toThrow(/bad\.json is not valid JSON/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
