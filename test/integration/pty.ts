// The test's side of pty-driver.py: a podrun command on a real terminal (session leader,
// controlling terminal, window size), typed into and read from like a user would.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { inStandInHost, PODRUN } from './helpers.js';

const DRIVER = join(import.meta.dirname, 'pty-driver.py');

export class Terminal {
  readonly proc: ChildProcess;
  /** Everything the terminal showed so far. */
  output = '';
  /** The termios settings reported (first: before the command; last: after it ended). */
  readonly attrs: unknown[] = [];
  readonly exit: Promise<number>;
  private waiters: (() => void)[] = [];

  constructor(root: string, args: string[], size: [number, number] = [30, 90]) {
    const [file, argv] = inStandInHost(PODRUN, ['--root', root, ...args]);
    this.proc = spawn('python3', [DRIVER, String(size[0]), String(size[1]), file, ...argv], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, PODRUN_SUPERVISOR_IDLE_MS: '3000' },
    });
    let resolveExit: (n: number) => void;
    this.exit = new Promise((r) => (resolveExit = r));
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line) as { out?: string; attrs?: unknown; exit?: number };
      if (msg.out !== undefined) this.output += msg.out;
      if (msg.attrs !== undefined) this.attrs.push(msg.attrs);
      if (msg.exit !== undefined) resolveExit(msg.exit);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** The pid of the podrun process: the driver's only child (nsenter execs podrun in place). */
  podrunPid(): number {
    const pid = this.proc.pid!;
    return Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0]);
  }

  private send(msg: object): void {
    this.proc.stdin!.write(JSON.stringify(msg) + '\n');
  }

  private seen = 0;

  /**
   * Types `text` at the shell's next prompt: after the cursor position query (ESC [6n)
   * busybox sh sends once the prompt is out, which the driver leaves unanswered (busybox
   * then takes what comes as typed input).
   */
  async command(text: string): Promise<void> {
    const m = await this.waitFor(/\/ # \x1b\[6n/, 15_000, this.seen);
    this.seen += m.index! + m[0].length;
    this.type(text);
  }

  type(text: string): void {
    this.send({ send: text });
  }

  resize(rows: number, cols: number): void {
    this.send({ resize: [rows, cols] });
  }

  signal(sig: NodeJS.Signals): void {
    this.send({ kill: sig });
  }

  /** Resolves with the output once it matches `re` (searched after `from`), or rejects after `ms`. */
  async waitFor(re: RegExp, ms = 15_000, from = 0): Promise<RegExpMatchArray> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = this.output.slice(from).match(re);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`terminal: no ${re} in ${JSON.stringify(this.output)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 100);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
}
