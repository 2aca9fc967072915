// One line on stderr per error, naming what is at fault.
export function report(e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`podrun: ${msg.split('\n')[0]}\n`);
}
