// Signal names and numbers as users type them: KILL, SIGKILL, sigterm, 9.
import { constants } from 'node:os';
import { InvalidInputError } from '../util/errors.js';

const byName = constants.signals as Record<string, number>;
const byNumber = new Map<number, string>();
for (const [name, num] of Object.entries(byName)) if (!byNumber.has(num)) byNumber.set(num, name);

export function parseSignal(input: string, field = '--signal'): { name: string; number: number } {
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
  return byNumber.get(n);
}
