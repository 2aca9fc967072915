import { describe, expect, it } from 'vitest';
import {
  defaultPullPolicy,
  familiarImageReference,
  formatImageReference,
  parseImageReference,
  type ImageReference,
} from '../../src/model/image-reference.js';

const D = 'sha256:' + 'a'.repeat(64);

function parsed(text: string): ImageReference {
  const r = parseImageReference(text);
  if (typeof r === 'string') throw new Error(r);
  return r;
}

describe('parseImageReference normalises as Docker does', () => {
  it.each([
    ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['library/busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['index.docker.io/library/nginx:1', 'docker.io/library/nginx:1', 'nginx:1'],
    ['team/app:v2', 'docker.io/team/app:v2', 'team/app:v2'],
    ['localhost:5000/team/app:v2', 'localhost:5000/team/app:v2', 'localhost:5000/team/app:v2'],
    ['localhost/app', 'localhost/app:latest', 'localhost/app:latest'],
    ['127.0.0.1:5000/app', '127.0.0.1:5000/app:latest', '127.0.0.1:5000/app:latest'],
    ['[::1]:5000/app:x', '[::1]:5000/app:x', '[::1]:5000/app:x'],
    ['quay.io/a/b/c:1.0-rc_1', 'quay.io/a/b/c:1.0-rc_1', 'quay.io/a/b/c:1.0-rc_1'],
    [`registry.example/team/app@${D}`, `registry.example/team/app@${D}`, `registry.example/team/app@${D}`],
    [`busybox:1.36@${D}`, `docker.io/library/busybox:1.36@${D}`, `busybox:1.36@${D}`],
    ['my-reg.example:443/x__y.z--w', 'my-reg.example:443/x__y.z--w:latest', 'my-reg.example:443/x__y.z--w:latest'],
  ])('%s → %s', (text, full, familiar) => {
    const r = parsed(text);
    expect(formatImageReference(r)).toBe(full);
    expect(familiarImageReference(r)).toBe(familiar);
  });

  it.each([
    ['', 'must not be empty'],
    ['Busybox', 'component "Busybox"'],
    ['busybox:', 'the tag ""'],
    ['busybox:-x', 'the tag "-x"'],
    ['busybox@sha256:abc', 'the digest'],
    ['a//b', 'component ""'],
    ['/abs/path', 'component ""'],
    ['bad_host:x:5000/app', 'the registry'],
    ['a'.repeat(64), 'image ID'],
    ['x'.repeat(256), 'at most 255'],
    ['reg.example/app:' + 't'.repeat(129), 'the tag'],
  ])('%j is refused (%s)', (text, why) => {
    const r = parseImageReference(text);
    expect(typeof r).toBe('string');
    expect(r).toContain(why);
  });
});

describe('defaultPullPolicy follows core/v1 defaulting', () => {
  it.each([
    ['busybox', 'Always'],
    ['busybox:latest', 'Always'],
    ['busybox:1.36', 'IfNotPresent'],
    [`busybox@${D}`, 'IfNotPresent'],
    [`busybox:latest@${D}`, 'Always'],
    ['localhost:5000/app', 'Always'],
    ['localhost:5000/app:v1', 'IfNotPresent'],
  ])('%s → %s', (text, policy) => {
    expect(defaultPullPolicy(parsed(text))).toBe(policy);
  });
});
