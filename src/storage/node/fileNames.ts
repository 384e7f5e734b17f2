import { AuthError } from '../../vocabulary/AuthError.js';

/**
 * File names for storage keys. A key's UTF-8 bytes are written in lowercase hex, which is safe
 * on every file system, including case-insensitive ones, and never a reserved or hidden name.
 * File names are limited to 255 bytes, so a long key is cut into directory segments of
 * {@link SEGMENT_LENGTH} hex digits: `d<segment>/…/k<rest>`. Joining the segments back gives the
 * hex, so no two keys share a path; `d` and `k` keep directories and files apart, and temporary
 * files start with a dot, which no key's name does. Lock files (see `fileLock.ts`) are `l` and a
 * hash, and their drafts and claims `.l…`, so they never meet a key's file or its temporary files.
 */
export const SEGMENT_LENGTH = 200;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The path parts (directories, then the file) under the storage directory for a key. */
export function keyToPathParts(key: string): string[] {
  if (typeof key !== 'string' || LONE_SURROGATE.test(key)) {
    // UTF-8 would turn every lone surrogate into the same replacement character.
    throw new AuthError('ValidationError', { message: 'Storage keys must be well-formed Unicode text.' });
  }
  const hex = Buffer.from(key, 'utf8').toString('hex');
  const parts: string[] = [];
  let start = 0;
  for (; hex.length - start > SEGMENT_LENGTH; start += SEGMENT_LENGTH) {
    parts.push(`d${hex.slice(start, start + SEGMENT_LENGTH)}`);
  }
  parts.push(`k${hex.slice(start)}`);
  return parts;
}

/** The inverse of {@link keyToPathParts}; `undefined` for parts it did not make. */
export function pathPartsToKey(parts: readonly string[]): string | undefined {
  if (parts.length === 0) return undefined;
  let hex = '';
  for (const [index, part] of parts.entries()) {
    const last = index === parts.length - 1;
    const pattern = last ? /^k(?:[0-9a-f]{2})*$/ : /^d[0-9a-f]+$/;
    const body = part.slice(1);
    if (!pattern.test(part) || (last ? body.length > SEGMENT_LENGTH : body.length !== SEGMENT_LENGTH)) return undefined;
    hex += body;
  }
  if (hex.length % 2 !== 0) return undefined;
  const key = Buffer.from(hex, 'hex').toString('utf8');
  return Buffer.from(key, 'utf8').toString('hex') === hex ? key : undefined;
}
