// Kubernetes name rules (apimachinery util/validation) and the two names derived from them:
// generateName completion (apiserver storage/names) and the pod hostname (kubelet).
// Validators return a one-line error (value quoted first) or null, so callers can prefix a field.

import { randomInt } from 'node:crypto';

export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;
export const LABEL_VALUE_MAX = 63;
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;

const LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Name part of a qualified name (label keys, label values).
const QUALIFIED_NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** `"value"` for messages; very long values are shortened so the error stays one readable line. */
export function quote(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return JSON.stringify(shown);
}

function tooLong(value: string, max: number): string {
  return `${quote(value)}: must be at most ${max} characters (has ${value.length})`;
}

export function dns1123LabelError(value: string): string | null {
  if (value.length > DNS1123_LABEL_MAX) return tooLong(value, DNS1123_LABEL_MAX);
  if (!LABEL_RE.test(value)) {
    return `${quote(value)}: must be a lowercase RFC 1123 label (a-z, 0-9, '-'; starting and ending with a-z or 0-9), at most 63 characters`;
  }
  return null;
}

export function dns1123SubdomainError(value: string): string | null {
  if (value.length > DNS1123_SUBDOMAIN_MAX) return tooLong(value, DNS1123_SUBDOMAIN_MAX);
  if (!SUBDOMAIN_RE.test(value)) {
    return `${quote(value)}: must be a lowercase RFC 1123 subdomain (a-z, 0-9, '-', '.'), at most 253 characters`;
  }
  return null;
}

// generateName: the apiserver keeps the prefix to 58 characters so that prefix + 5 fits a label,
// and draws from an alphabet without vowels or look-alike digits (no accidental words).
const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const GENERATE_PREFIX_MAX = 58;
const GENERATE_SUFFIX_LEN = 5;

/** Completes a `metadata.generateName` prefix into a name; call again on a name collision. */
export function generateName(prefix: string): string {
  let suffix = '';
  for (let i = 0; i < GENERATE_SUFFIX_LEN; i++) {
    suffix += GENERATE_ALPHABET[randomInt(GENERATE_ALPHABET.length)];
  }
  return prefix.slice(0, GENERATE_PREFIX_MAX) + suffix;
}

/**
 * The UTS hostname of a pod, as the kubelet derives it: spec.hostname, else the pod name,
 * cut to 63 characters with trailing '-' and '.' trimmed.
 */
export function podHostname(pod: { metadata: { name: string }; spec: { hostname?: string } }): string {
  const name = pod.spec.hostname ?? pod.metadata.name;
  if (name.length <= DNS1123_LABEL_MAX) return name;
  return name.slice(0, DNS1123_LABEL_MAX).replace(/[-.]+$/, '');
}

/** Label and annotation keys: `[prefix/]name`, prefix a DNS subdomain, name a qualified name ≤ 63. */
export function labelKeyError(key: string): string | null {
  const parts = key.split('/');
  if (parts.length > 2) {
    return `${quote(key)}: a key must be a name with an optional DNS subdomain prefix and '/' (e.g. "example.com/my-name")`;
  }
  const name = parts[parts.length - 1] ?? '';
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix === '') return `${quote(key)}: key prefix before '/' must not be empty`;
    const prefixErr = dns1123SubdomainError(prefix);
    if (prefixErr) return `${quote(key)}: key prefix ${prefixErr}`;
  }
  if (name === '') return `${quote(key)}: key name must not be empty`;
  if (name.length > LABEL_VALUE_MAX) return `${quote(key)}: key name must be at most 63 characters`;
  if (!QUALIFIED_NAME_RE.test(name)) {
    return `${quote(key)}: key name must consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric`;
  }
  return null;
}

export function labelValueError(value: string): string | null {
  if (value === '') return null;
  if (value.length > LABEL_VALUE_MAX) return tooLong(value, LABEL_VALUE_MAX);
  if (!QUALIFIED_NAME_RE.test(value)) {
    return `${quote(value)}: a label value must be empty or consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric`;
  }
  return null;
}

/** Kubernetes caps the total size of all annotation keys and values (bytes) at 256 KiB. */
export function annotationsSizeError(annotations: Record<string, string>): string | null {
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    total += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (total > ANNOTATIONS_MAX_BYTES) {
    return `total size of annotations is ${total} bytes, must be at most ${ANNOTATIONS_MAX_BYTES} (256 KiB)`;
  }
  return null;
}
