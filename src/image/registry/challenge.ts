// WWW-Authenticate challenges (RFC 7235): `Bearer realm="https://auth/token",service="reg",
// scope="repository:app:pull"` or `Basic realm="registry"`. One header may carry several
// challenges, separated by commas like their parameters; a token not followed by `=`
// starts the next challenge.

export interface Challenge {
  /** Lower case: `bearer`, `basic`. */
  scheme: string;
  /** Parameter names lower case; values unquoted. */
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/** Every challenge in the header values (malformed tails are dropped, never thrown). */
export function parseChallenges(values: string[]): Challenge[] {
  const out: Challenge[] = [];
  for (const value of values) {
    let rest = value;
    let current: Challenge | undefined;
    for (;;) {
      rest = rest.replace(/^[\s,]+/, '');
      const tok = TOKEN.exec(rest);
      if (!tok) break;
      const name = tok[0];
      const after = rest.slice(name.length).replace(/^\s*/, '');
      if (current && after.startsWith('=')) {
        const v = readValue(after.slice(1).replace(/^\s*/, ''));
        if (!v) break;
        current.params[name.toLowerCase()] = v.value;
        rest = v.rest;
        continue;
      }
      // A new scheme; its parameters follow. (A token68 value, as in `Negotiate abc==`, reads
      // as a parameter named by its head: registries do not use them.)
      current = { scheme: name.toLowerCase(), params: {} };
      out.push(current);
      rest = after;
    }
  }
  return out;
}

function readValue(s: string): { value: string; rest: string } | undefined {
  if (s.startsWith('"')) {
    let value = '';
    for (let i = 1; i < s.length; i++) {
      const c = s[i]!;
      if (c === '\\' && i + 1 < s.length) value += s[++i];
      else if (c === '"') return { value, rest: s.slice(i + 1) };
      else value += c;
    }
    return undefined; // unterminated quote
  }
  const tok = /^[^\s,]*/.exec(s)![0];
  return { value: tok, rest: s.slice(tok.length) };
}
