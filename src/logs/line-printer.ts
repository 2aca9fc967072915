// Turns log file bytes into what `podrun logs` prints: logical lines, optionally
// timestamped, optionally only the last N of what was there at the start.
import { CriLogReader, renderLine, type LogicalLine } from './cri-format.js';

export class LinePrinter {
  private readonly reader = new CriLogReader();
  /** Lines held back while the initial --tail window is collected; undefined once live. */
  private held: LogicalLine[] | undefined;

  constructor(
    private readonly write: (text: string) => void,
    private readonly opts: { timestamps?: boolean; tail?: number } = {},
  ) {
    if (opts.tail !== undefined && opts.tail >= 0) this.held = [];
  }

  /** Log file bytes, in order; chunk boundaries may fall anywhere. */
  readonly push = (chunk: Buffer): void => this.emit(this.reader.push(chunk));

  /**
   * The end of one container instance's log: lines it left open are printed as they
   * are (without a newline), so they are not joined with the next instance's output.
   */
  endInstance(): void {
    this.emit(this.reader.end());
  }

  /** Prints the --tail window collected so far; from now on every line as it completes. */
  live(): void {
    const held = this.held;
    this.held = undefined;
    if (held) this.print(this.opts.tail === 0 ? [] : held.slice(-this.opts.tail!));
  }

  /** End of input. */
  end(): void {
    this.endInstance();
    this.live();
  }

  private emit(lines: LogicalLine[]): void {
    if (!this.held) return this.print(lines);
    for (const l of lines) this.held.push(l);
    // Bounded memory for a long log and a short tail: trim now and then, not per line.
    const keep = this.opts.tail!;
    if (this.held.length > 2 * keep + 1024) this.held.splice(0, this.held.length - keep);
  }

  private print(lines: LogicalLine[]): void {
    if (lines.length) this.write(lines.map((l) => renderLine(l, this.opts.timestamps)).join(''));
  }
}
