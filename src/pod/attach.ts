// Attach sessions of one container instance: every session sees all of the output (stdout and stderr, or the terminal's); input from the
// sessions that asked for stdin goes to the container, after the scan for the session's
// detach keys (model/detach-keys.ts). The container goes on when sessions end; sessions
// end when the instance does. stdinOnce: the container's stdin reaches end-of-file when
// the first session that had it ends (with a terminal, later sessions get no input).
import type { Readable } from 'node:stream';
import type { WinSize } from '../../native-bindings/pty.js';
import { closeHeldStdin, resizeHeldStdio, type HeldStdio } from '../container/held-stdio.js';
import { DetachScanner } from '../model/detach-keys.js';

/** Why a session ended. */
export interface StreamEnd {
  /** `exited`: the command or container ended (with its status when known); `detached`: the detach keys. */
  reason: 'exited' | 'detached' | 'error';
  exitCode?: number;
  message?: string;
}

/** The far end of a session (the API's upgraded connection). */
interface AttachPeer {
  output(stream: 'stdout' | 'stderr', chunk: Buffer): void;
  /** The session is over; the peer closes its connection. */
  end(e: StreamEnd): void;
}

interface AttachSession {
  input(chunk: Buffer): void;
  resize(size: WinSize): void;
  /** The peer went away (or closed its stdin). */
  close(): void;
}

export class ContainerStdio {
  private readonly peers = new Set<AttachPeer>();
  private stdinDone = false;

  constructor(
    /** The terminal or open stdin; absent: output only. */
    private readonly held: HeldStdio | undefined,
    streams: { stdout: Readable; stderr: Readable },
    /** The container's stdin field: whether input is taken at all. */
    private readonly stdin: boolean,
    private readonly stdinOnce: boolean,
  ) {
    for (const name of ['stdout', 'stderr'] as const) {
      streams[name].on('data', (chunk: Buffer) => {
        for (const p of this.peers) p.output(name, chunk);
      });
    }
  }

  attach(peer: AttachPeer, o: { stdin: boolean; detachKeys: Buffer }): AttachSession {
    this.peers.add(peer);
    const held = this.held;
    const withStdin = held !== undefined && o.stdin && this.stdin && !this.stdinDone;
    const scanner = new DetachScanner(o.detachKeys);
    let open = true;
    const leave = () => {
      if (!open) return;
      open = false;
      this.peers.delete(peer);
      if (withStdin && this.stdinOnce && !this.stdinDone) {
        this.stdinDone = true;
        closeHeldStdin(held);
      }
    };
    return {
      input: (chunk) => {
        if (!open) return;
        const { pass, detach } = scanner.scan(chunk);
        if (withStdin && !this.stdinDone && pass.length) held.stream.write(pass);
        if (detach) {
          leave();
          peer.end({ reason: 'detached' });
        }
      },
      resize: (size) => {
        if (open && held) resizeHeldStdio(held, size);
      },
      close: leave,
    };
  }

  /** The instance ended: every session with it. */
  end(e: StreamEnd): void {
    for (const p of [...this.peers]) p.end(e);
    this.peers.clear();
  }
}
