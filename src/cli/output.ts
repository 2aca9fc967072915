// Printing: JSON for programs, aligned columns for people.
export function printJson(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}

export function printTable(header: string[], rows: string[][]): void {
  process.stdout.write(formatTable(header, rows));
}

/** The aligned columns printTable prints, as text. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('   ');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** "3m", "2h", "5d": the age column of `list`. */
export function age(from: string | undefined, now = Date.now()): string {
  if (!from) return '-';
  const s = Math.max(0, Math.floor((now - Date.parse(from)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** "key:   value" lines, the values aligned: `info`'s text form. */
export function printFields(fields: [string, string][], indent = ''): void {
  const width = Math.max(...fields.map(([k]) => k.length)) + 1;
  process.stdout.write(fields.map(([k, v]) => `${indent}${`${k}:`.padEnd(width)}  ${v}`.trimEnd()).join('\n') + '\n');
}
