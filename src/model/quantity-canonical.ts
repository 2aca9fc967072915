// A quantity written back as Kubernetes writes it (Quantity.String(), CanonicalizeBytes in
// apimachinery's quantity.go), as the kubelet's messages quote it: "1024Mi" -> "1Gi",
// "1000M" -> "1G", "1.5Gi" -> "1536Mi", "0.5" -> "500m", "1e3" -> "1e3". The format
// follows the suffix written: binary (Ki...Ei), decimal exponent (e3) or decimal SI.
import { toRational } from './quantity.js';

const BINARY = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const DECIMAL: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };

/** The canonical text of a valid quantity; undefined if `text` is not one. */
export function canonicalQuantity(text: string): string | undefined {
  const r = toRational(text);
  if (!r) return undefined;
  if (r.num === 0n) return '0';
  const exponentFormat = /\d[eE][+-]?\d+$/.test(text);
  // Binary only for whole values of at least 1024 in magnitude, else decimal SI (no rounding).
  if (/[KMGTPE]i$/.test(text) && r.num % r.den === 0n) {
    let v = r.num / r.den;
    if (v <= -1024n || v >= 1024n) {
      let i = 0;
      while (i < BINARY.length - 1 && v % 1024n === 0n) {
        v /= 1024n;
        i++;
      }
      return `${v}${BINARY[i]}`;
    }
  }
  // mantissa x 10^exp with no trailing zeros, then exp lowered to a multiple of 3.
  let mantissa = r.num;
  let exp = -(r.den.toString().length - 1); // den is a power of ten
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exp++;
  }
  const over = ((exp % 3) + 3) % 3;
  mantissa *= 10n ** BigInt(over);
  exp -= over;
  if (exponentFormat) return exp === 0 ? `${mantissa}` : `${mantissa}e${exp}`;
  return `${mantissa}${DECIMAL[exp] ?? `e${exp}`}`;
}

/**
 * A byte count written back when only the number is kept (resource lists hold bigints):
 * the one of its canonical binary and decimal forms with fewer digits, binary on a tie. People write
 * small mantissas, so this is the form written in practice: 67108864n -> "64Mi",
 * 64000000n -> "64M", 2048000000n -> "2048M" (not "2000000Ki").
 */
export function canonicalBytes(value: bigint): string {
  const decimal = canonicalQuantity(`${value}`)!;
  if (value === 0n || value % 1024n !== 0n) return decimal;
  const binary = canonicalQuantity(`${value / 1024n}Ki`)!;
  const digits = (q: string) => /^\d*/.exec(q)![0].length;
  return digits(decimal) < digits(binary) ? decimal : binary;
}
