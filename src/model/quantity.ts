// Kubernetes resource quantities (apimachinery api/resource/quantity.go):
//   <sign>?<digits>(.<digits>)?<suffix>,  suffix: Ki Mi Gi Ti Pi Ei | n u m "" k M G T P E | e<int> / E<int>
// Arithmetic is exact (BigInt rationals) so that e.g. "0.3k" is 300, not 300.00000000000006.

const QUANTITY_RE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

const BINARY_POWER: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_EXPONENT: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

// Kubernetes refuses magnitudes beyond int64; so do we (it also keeps numbers sane).
const MAX_MAGNITUDE = (1n << 63n) - 1n;
// Bounds the BigInt work on hostile input like "1e999999999".
const MAX_EXPONENT = 100;

export interface Rational {
  num: bigint; // sign carried here
  den: bigint; // > 0
}

export function toRational(text: string): Rational | null {
  const m = QUANTITY_RE.exec(text);
  if (!m) return null;
  const [, sign = '', number = '', suffix = ''] = m;
  const [intPart = '', fracPart = ''] = number.split('.');
  let num = BigInt((intPart || '0') + fracPart);
  let den = 10n ** BigInt(fracPart.length);
  if (suffix in BINARY_POWER) {
    num *= 1024n ** BigInt(BINARY_POWER[suffix] ?? 0);
  } else {
    const exp = suffix === '' ? 0 : (DECIMAL_EXPONENT[suffix] ?? Number(suffix.slice(1)));
    if (Math.abs(exp) > MAX_EXPONENT) return null;
    if (exp >= 0) num *= 10n ** BigInt(exp);
    else den *= 10n ** BigInt(-exp);
  }
  if (sign === '-') num = -num;
  const magnitude = num < 0n ? -num : num;
  if (magnitude / den > MAX_MAGNITUDE) return null;
  return { num, den };
}

/** The value of a quantity as a number (e.g. "128Mi" → 134217728, "500m" → 0.5); invalid → null. */
export function parseQuantity(text: string): number | null {
  const r = toRational(text);
  if (!r) return null;
  if (r.num % r.den === 0n) return Number(r.num / r.den);
  return Number(r.num) / Number(r.den);
}

/**
 * A quantity as a whole number of bytes (or other integral units), rounded up as
 * Quantity.Value() does: "400m" → 1. Invalid → null.
 */
export function parseIntegerQuantity(text: string): number | null {
  const r = toRational(text);
  if (!r) return null;
  let q = r.num / r.den; // truncates toward zero
  if (r.num % r.den !== 0n && r.num > 0n) q += 1n;
  return Number(q);
}

/**
 * A quantity in thousandths, rounded away from zero as Kubernetes' defaulting of resource
 * lists does (SetDefaults_ResourceList: RoundUp to milli scale): "0.1m" → 1n, "1.5" → 1500n,
 * "128Mi" → 134217728000n. Invalid → null.
 */
export function parseMilliQuantity(text: string): bigint | null {
  const r = toRational(text);
  if (!r) return null;
  const scaled = r.num * 1000n;
  const q = scaled / r.den; // truncates toward zero
  if (scaled % r.den === 0n) return q;
  return q + (scaled > 0n ? 1n : -1n);
}

const BINARY_SUFFIXES = ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const;
const DECIMAL_SUFFIXES = ['E', 'P', 'T', 'G', 'M', 'k'] as const;

/**
 * A whole number of units written back as a quantity, with the largest suffix that keeps
 * it exact, binary first: 134217728n → "128Mi", 1000000000n → "1G", 1500n → "1500".
 * `milli`: the number is in thousandths (cpu): 500n → "500m", 2000n → "2".
 */
export function formatQuantity(value: bigint, milli = false): string {
  if (milli) return value % 1000n === 0n ? formatQuantity(value / 1000n) : `${value}m`;
  if (value === 0n) return '0';
  for (const [suffixes, base] of [[BINARY_SUFFIXES, 1024n], [DECIMAL_SUFFIXES, 1000n]] as const) {
    for (const [i, suffix] of suffixes.entries()) {
      const unit = base ** BigInt(suffixes.length - i);
      if (value % unit === 0n) return `${value / unit}${suffix}`;
    }
  }
  return String(value);
}
