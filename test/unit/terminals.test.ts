// Pure logic of terminal sessions: detach keys (Docker's syntax and scan) and the API's
// stream framing.
import { describe, expect, it } from 'vitest';
import { CHANNEL, FrameDecoder, encodeFrame } from '../../src/api/stream-frames.js';
import { streamTarget } from '../../src/api/stream-client.js';
import { DetachScanner, parseDetachKeys } from '../../src/model/detach-keys.js';

describe('detach keys', () => {
  it.each([
    ['', [0x10, 0x11]],
    ['ctrl-p,ctrl-q', [0x10, 0x11]],
    ['ctrl-a,d', [0x01, 0x64]],
    ['ctrl-@,ctrl-_,ctrl-\\', [0x00, 0x1f, 0x1c]],
    ['x', [0x78]],
  ])('parses %j', (spec, bytes) => {
    expect([...parseDetachKeys(spec)]).toEqual(bytes);
  });

  it.each(['ctrl-1', 'ctrl-', 'ab', 'ctrl-P'])('refuses %j naming the flag', (spec) => {
    expect(() => parseDetachKeys(spec)).toThrow(/^--detach-keys: /);
  });

  it.each([
    // [input chunks, what is passed on, detached]
    [['ab'], 'ab', false],
    [['a\x10\x11b'], 'a', true],
    [['a\x10', '\x11'], 'a', true],
    [['\x10b'], '\x10b', false],
    [['\x10\x10\x11'], '\x10', true],
    [['\x10', 'x', '\x10\x11'], '\x10x', true],
  ])('scans %j', (chunks, passed, detached) => {
    const s = new DetachScanner(parseDetachKeys('ctrl-p,ctrl-q'));
    let out = '';
    let detach = false;
    for (const c of chunks) {
      const r = s.scan(Buffer.from(c));
      out += r.pass.toString();
      if (r.detach) {
        detach = true;
        break;
      }
    }
    expect([out, detach]).toEqual([passed, detached]);
  });
});

describe('stream frames', () => {
  it('round-trips frames across any chunking', () => {
    const bytes = Buffer.concat([encodeFrame(CHANNEL.stdout, 'hello'), encodeFrame(CHANNEL.stdin), encodeFrame(CHANNEL.end, '{"reason":"exited"}')]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const d = new FrameDecoder();
      const frames = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
      expect(frames.map((f) => [f.channel, f.payload.toString()])).toEqual([[1, 'hello'], [0, ''], [3, '{"reason":"exited"}']]);
    }
  });

  it('has the Docker header: channel byte, then the big-endian length in bytes 4-7', () => {
    expect([...encodeFrame(CHANNEL.stderr, 'ab')]).toEqual([2, 0, 0, 0, 0, 0, 0, 2, 0x61, 0x62]);
  });

  it('refuses an oversized frame', () => {
    const head = Buffer.from([1, 0, 0, 0, 0x7f, 0, 0, 0]);
    expect(() => new FrameDecoder().push(head)).toThrow(/at most/);
  });
});

describe('stream route targets', () => {
  it('fills the path and repeats list parameters in order', () => {
    const t = streamTarget('execPod', { params: { name: 'a b' }, query: { command: ['sh', '-c', 'x y'], tty: 'true', env: ['A=1'] } });
    expect(t).toBe('/v1/pods/a%20b/exec?command=sh&command=-c&command=x+y&tty=true&env=A%3D1');
  });

  it('leaves out unset parameters', () => {
    expect(streamTarget('attachPod', { params: { name: 'p' }, query: { stdin: 'true', container: undefined } })).toBe('/v1/pods/p/attach?stdin=true');
  });
});
