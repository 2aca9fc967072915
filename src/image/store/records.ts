// The store's image records: one JSON file (images.json), replaced atomically under
// db.lock, so names move between images in one step. Pure helpers for names and lookups.
import { formatImageReference, parseImageReference } from '../../model/image-reference.js';

export interface LayerRecord {
  /** The compressed blob's digest. */
  digest: string;
  diffId: string;
  mediaType: string;
  /** The blob's size. */
  size: number;
}

export interface ImageRecord {
  /** `sha256:` of the config blob. */
  id: string;
  /** Full normalised references, `docker.io/library/busybox:1.36`. */
  names: string[];
  /** The manifest's digest. */
  digest: string;
  layers: LayerRecord[];
  /** Bytes of file content in the unpacked layers. */
  size: number;
  created?: string;
}

export interface ImageDb {
  images: Record<string, ImageRecord>;
}

export const EMPTY_DB: ImageDb = { images: {} };

/** A full reference for a name, or undefined when the text is not one (a bare tag). */
export function normaliseName(text: string): string | undefined {
  const ref = parseImageReference(text);
  if (typeof ref === 'string' || ref.digest !== undefined) return undefined;
  return formatImageReference(ref);
}

/** Adds `rec` (or merges it into the image of the same ID) and moves its names to it. */
export function upsertImage(db: ImageDb, rec: ImageRecord): ImageDb {
  const images: Record<string, ImageRecord> = {};
  for (const [id, other] of Object.entries(db.images)) {
    if (id === rec.id) continue;
    images[id] = { ...other, names: other.names.filter((n) => !rec.names.includes(n)) };
  }
  const prev = db.images[rec.id];
  images[rec.id] = { ...rec, names: [...new Set([...(prev?.names ?? []), ...rec.names])] };
  return { images };
}

export type Lookup = { image: ImageRecord; by: 'name' | 'id' | 'digest'; name?: string };

/**
 * Finds an image by name (any form Docker accepts: `busybox`, `busybox:1.36`, full),
 * by ID (`sha256:<hex>`, the hex, or a unique prefix of 12+ digits), or by digest
 * (`repo@sha256:...`: the manifest digest).
 */
export function lookupImage(db: ImageDb, text: string): Lookup | undefined {
  const all = Object.values(db.images);
  const hex = text.startsWith('sha256:') ? text.slice(7) : text;
  if (/^[a-f0-9]{12,64}$/.test(hex)) {
    const hits = all.filter((i) => i.id.slice(7).startsWith(hex));
    if (hits.length === 1) return { image: hits[0]!, by: 'id' };
  }
  const ref = parseImageReference(text);
  if (typeof ref === 'string') return undefined;
  if (ref.digest !== undefined) {
    const hit = all.find((i) => i.digest === ref.digest || i.id === ref.digest);
    return hit ? { image: hit, by: 'digest' } : undefined;
  }
  const name = formatImageReference(ref);
  const hit = all.find((i) => i.names.includes(name));
  return hit ? { image: hit, by: 'name', name } : undefined;
}
