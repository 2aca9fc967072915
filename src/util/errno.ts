// The one errno table: numbers to names (ENOENT) and back, from Node's own list, built on
// first use (only failures need it, and exec's start-up should not pay for it).
import { constants } from 'node:os';

let names: Map<number, string> | undefined;

export function errnoName(errno: number): string {
  names ??= new Map(Object.entries(constants.errno).map(([name, num]) => [num as number, name]));
  return names.get(Math.abs(errno)) ?? `errno ${errno}`;
}

export function errnoNumber(name: string): number | undefined {
  return (constants.errno as Record<string, number>)[name];
}
