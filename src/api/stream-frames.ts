// The framing of the API's stream routes (attach, exec) after the HTTP upgrade, both
// ways: an 8-byte header, then the payload. The header is Docker's multiplexed-stream
// header (byte 0 the channel, bytes 4-7 the payload length, big-endian), the channels
// are Kubernetes' remotecommand ones: 0 stdin (to the server; an empty frame closes
// stdin), 1 stdout and 2 stderr (from it), 3 the end of the session (from it, JSON
// StreamEnd), 4 a window size (to it, JSON {rows, cols}). docs/terminals.md.

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, end: 3, resize: 4 } as const;
export type Channel = (typeof CHANNEL)[keyof typeof CHANNEL];

/** Why a session ended: the payload of the last frame the server sends (JSON). */
export type { StreamEnd } from '../pod/attach.js';

const HEADER = 8;
/** Frames larger than this are refused as a broken stream, rather than buffered. */
const MAX_PAYLOAD = 1 << 20;

export function encodeFrame(channel: Channel, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = Buffer.alloc(HEADER);
  head[0] = channel;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

/** Splits a byte stream into frames, whatever the chunking. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  /** The complete frames in what has arrived so far; throws on a frame no peer sends. */
  push(chunk: Buffer): { channel: number; payload: Buffer }[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: { channel: number; payload: Buffer }[] = [];
    while (this.buf.length >= HEADER) {
      const len = this.buf.readUInt32BE(4);
      if (len > MAX_PAYLOAD) throw new Error(`stream frame of ${len} bytes (at most ${MAX_PAYLOAD})`);
      if (this.buf.length < HEADER + len) break;
      out.push({ channel: this.buf[0], payload: this.buf.subarray(HEADER, HEADER + len) });
      this.buf = this.buf.subarray(HEADER + len);
    }
    return out;
  }
}
