// Signal names and numbers as users type them: KILL, SIGKILL, sigterm, 9.
import { InvalidInputError } from '../util/errors.js';
import { nodeRequire } from '../util/node-require.js';

// Built on first use: node:os costs ~0.2 ms to load, and `podrun exec` needs a signal's
// number only when its command was killed by one.
let tables: { byName: Record<string, number>; byNumber: Map<number, string> } | undefined;
function signalTables(): NonNullable<typeof tables> {
  if (!tables) {
    const byName = (nodeRequire('node:os') as typeof import('node:os')).constants.signals as Record<string, number>;
    const byNumber = new Map<number, string>();
    for (const [name, num] of Object.entries(byName)) if (!byNumber.has(num)) byNumber.set(num, name);
    tables = { byName, byNumber };
  }
  return tables;
}

export function parseSignal(input: string, field = '--signal'): { name: string; number: number } {
  const { byName, byNumber } = signalTables();
  const s = input.trim();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    const name = byNumber.get(n);
    if (!name || n < 1 || n > 64) throw new InvalidInputError(field, `"${input}": unknown signal number`);
    return { name, number: n };
  }
  const upper = s.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  const number = byName[name];
  if (number === undefined) throw new InvalidInputError(field, `"${input}": unknown signal (use a name like TERM or KILL, or a number)`);
  return { name, number };
}

export function signalName(n: number): string | undefined {
  return signalTables().byNumber.get(n);
}
