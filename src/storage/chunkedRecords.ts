import { createInProcessLock, type InProcessLock } from './inProcessLock.js';
import type { SecureStorage } from '../vocabulary/SecureStorage.js';
import { storageError } from './storageError.js';

/**
 * Records split into chunks, for platform stores whose items hold little (expo-secure-store:
 * 2,048 UTF-8 bytes; Windows Credential Manager: 2,560 bytes of UTF-16). Pure JavaScript: no
 * `TextEncoder`, `Buffer` or `crypto`, so it runs in React Native as it is.
 *
 * Each key has a head item. A value that fits is the head itself, one write, as before chunking
 * existed. A larger one goes into chunks under a fresh generation, and the head becomes a small
 * manifest naming that generation, the number of chunks, the value's length and a checksum.
 * A write puts every new chunk in place before it switches the head (one atomic write of the
 * store), and removes the old chunks only after: a crash at any write leaves the head on the old
 * record whole or the new one whole, never a mix. A reader follows the head and checks it got
 * every chunk; a record it cannot read whole reads as absent, and the next write replaces it.
 * Chunks a write left behind when it stopped are named in a pending item, written before the
 * chunks, and removed by the next write or removal of the key.
 */

/** The calls of a platform store of small items; names are valid there (see {@link ChunkNames}). */
export interface SmallItemStore {
  getItem(name: string): Promise<string | null>;
  setItem(name: string, value: string): Promise<void>;
  removeItem(name: string): Promise<void>;
}

/**
 * Where the items of a key live in the platform store. The three kinds of names never equal one
 * another, and each is a one-to-one function of its arguments, so records of two keys never meet.
 * Generations are made of `0-9a-z` only.
 */
export interface ChunkNames {
  /** The item holding the value of `key`, or its manifest. */
  head(key: string): string;
  /** Chunk `index` (from 0) of the record of `key` written under `generation`. */
  chunk(key: string, generation: string, index: number): string;
  /** The item naming chunks of `key` that a write may have left behind. */
  pending(key: string): string;
}

/** The size a store gives one code point (a pair of surrogates is one, a lone surrogate another). */
export type CodePointSize = (codePoint: number) => number;

/** Sizes in UTF-8 bytes, as expo-secure-store counts them (a lone surrogate is stored as U+FFFD). */
export const utf8Bytes: CodePointSize = (c) => (c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4);

/** Sizes in UTF-16 bytes, as the Windows Credential Manager stores a password. */
export const utf16Bytes: CodePointSize = (c) => (c < 0x10000 ? 2 : 4);

/** The code points of `text`, as [start, end) offsets, and their code point values. */
function* codePoints(text: string): Generator<[start: number, end: number, codePoint: number]> {
  for (let i = 0; i < text.length; ) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        yield [i, i + 2, 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00)];
        i += 2;
        continue;
      }
    }
    yield [i, i + 1, unit >= 0xd800 && unit <= 0xdfff ? 0xfffd : unit];
    i += 1;
  }
}

/** The size of `text` in the store's unit. */
export function sizeOf(text: string, size: CodePointSize): number {
  let total = 0;
  for (const [, , codePoint] of codePoints(text)) total += size(codePoint);
  return total;
}

/** Splits `text` into pieces of at most `max` each, never between the two halves of a pair. */
export function splitBySize(text: string, size: CodePointSize, max: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  let used = 0;
  for (const [from, , codePoint] of codePoints(text)) {
    const own = size(codePoint);
    if (used > 0 && used + own > max) {
      pieces.push(text.slice(start, from));
      start = from;
      used = 0;
    }
    used += own;
  }
  if (start < text.length || pieces.length === 0) pieces.push(text.slice(start));
  return pieces;
}

/** FNV-1a over the UTF-16 code units, as 8 hex digits: catches a chunk that is torn or foreign. */
export function checksumOf(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** What a head starts with when it is a manifest. A value that starts so is always chunked. */
export const MANIFEST_PREFIX = '~cognito-auth-machine-chunks/1;';

/** The most chunks a record may have (a session record needs two or three). */
export const MAX_CHUNKS = 64;

interface Manifest {
  generation: string;
  count: number;
  length: number;
  checksum: string;
}

const MANIFEST = /^([0-9a-z]{1,40});([1-9][0-9]{0,2});(0|[1-9][0-9]{0,8});([0-9a-f]{8})$/;

function encodeManifest({ generation, count, length, checksum }: Manifest): string {
  return `${MANIFEST_PREFIX}${generation};${count};${length};${checksum}`;
}

/** The manifest of a head; `null` when the head is a manifest that does not parse. */
function decodeManifest(head: string): Manifest | null {
  const match = MANIFEST.exec(head.slice(MANIFEST_PREFIX.length));
  if (!match) return null;
  const count = Number(match[2]);
  if (count > MAX_CHUNKS) return null;
  return { generation: match[1] as string, count, length: Number(match[3]), checksum: match[4] as string };
}

/** The pending item: chunks, by generation and count, that may be in the store unreferenced. */
function decodePending(text: string | null): Array<Pick<Manifest, 'generation' | 'count'>> {
  if (text === null) return [];
  return text.split(' ').flatMap((entry) => {
    const match = /^([0-9a-z]{1,40});([1-9][0-9]{0,2})$/.exec(entry);
    return match && Number(match[2]) <= MAX_CHUNKS ? [{ generation: match[1] as string, count: Number(match[2]) }] : [];
  });
}

function encodePending(entries: Array<Pick<Manifest, 'generation' | 'count'>>): string {
  return entries.map(({ generation, count }) => `${generation};${count}`).join(' ');
}

let writes = 0;

/**
 * A fresh generation of chunks, from `0-9a-z`: the time, a counter and chance. Unique among the
 * writers of one store without `crypto`: the counter tells this process's writes apart, the time
 * and chance those of other processes.
 */
export function freshChunkGeneration(): string {
  writes = (writes + 1) % 1_679_616;
  const chance = Math.floor(Math.random() * 2_176_782_336).toString(36).padStart(6, '0');
  return `${Date.now().toString(36)}${writes.toString(36).padStart(4, '0')}${chance}`;
}

/** Options of {@link createChunkedRecords}. */
export interface ChunkedRecordsOptions {
  /** The platform store. */
  items: SmallItemStore;
  names: ChunkNames;
  /** How the store counts the size of a value. */
  size: CodePointSize;
  /** The most one item may hold, in the unit of `size`. */
  maxItemSize: number;
  /** Serializes the calls on one key; share one among stores over the same platform store. */
  serial?: InProcessLock;
}

/** How often a reader follows a head that moved while it read the chunks. */
const READ_ATTEMPTS = 3;

/**
 * The three calls of a {@link SecureStorage} over a store of small items, with values of any
 * size split into chunks that are read back whole or not at all. Calls on one key are served one
 * at a time in this process. Errors of the store pass through unchanged; a value too large even
 * for {@link MAX_CHUNKS} chunks is refused with a `StorageError`.
 */
export function createChunkedRecords(
  options: ChunkedRecordsOptions,
): Pick<SecureStorage, 'getItem' | 'setItem' | 'removeItem'> {
  const { items, names, size, maxItemSize } = options;
  const serial = options.serial ?? createInProcessLock();
  // A key's calls are serialized under a name no storage lock uses.
  const one = <T>(key: string, work: () => Promise<T>) => serial(`\u0000chunked\u0000${key}`, work);

  const removeChunks = async (key: string, { generation, count }: Pick<Manifest, 'generation' | 'count'>) => {
    // Last chunk first, so a removal cut short leaves a prefix of the chunks, like a write does.
    for (let index = count - 1; index >= 0; index -= 1) await items.removeItem(names.chunk(key, generation, index));
  };

  /** The whole record the manifest names, or `null` when a chunk is missing or not its own. */
  const readChunks = async (key: string, manifest: Manifest): Promise<string | null> => {
    const pieces = await Promise.all(
      Array.from({ length: manifest.count }, (_, index) => items.getItem(names.chunk(key, manifest.generation, index))),
    );
    if (pieces.some((piece) => typeof piece !== 'string')) return null;
    const value = pieces.join('');
    return value.length === manifest.length && checksumOf(value) === manifest.checksum ? value : null;
  };

  const read = async (key: string): Promise<string | null> => {
    const headName = names.head(key);
    let head = await items.getItem(headName);
    for (let attempt = 1; ; attempt += 1) {
      if (head === null || !head.startsWith(MANIFEST_PREFIX)) return head;
      const manifest = decodeManifest(head);
      const value = manifest && (await readChunks(key, manifest));
      if (value !== null) return value;
      // Another process may have replaced the record while its chunks were read: follow the
      // head again. A head that stays put names chunks that are not there whole: absent.
      const again = await items.getItem(headName);
      if (again === head || attempt >= READ_ATTEMPTS) return null;
      head = again;
    }
  };

  const write = async (key: string, value: string): Promise<void> => {
    const headName = names.head(key);
    const pendingName = names.pending(key);
    const before = await items.getItem(headName);
    const old = before !== null && before.startsWith(MANIFEST_PREFIX) ? decodeManifest(before) : null;
    const pendingBefore = await items.getItem(pendingName);
    const leftovers = decodePending(pendingBefore).filter((e) => e.generation !== old?.generation);
    // Chunks of writes cut short first, while the pending item still names them.
    for (const leftover of leftovers) await removeChunks(key, leftover);

    const inline = !value.startsWith(MANIFEST_PREFIX) && sizeOf(value, size) <= maxItemSize;
    const pieces = inline ? [] : splitBySize(value, size, maxItemSize);
    if (pieces.length > MAX_CHUNKS) {
      throw storageError(
        `The value is too large for this store, even split into ${MAX_CHUNKS} items.`,
        undefined,
        'Use a storage backend without a size limit per item.',
      );
    }
    const manifest: Manifest | null = inline
      ? null
      : { generation: freshChunkGeneration(), count: pieces.length, length: value.length, checksum: checksumOf(value) };
    // Named before they are written, with the old record's chunks: a stop at any later write
    // leaves no chunk that the next write or removal of this key does not find.
    const pending = [...(manifest ? [manifest] : []), ...(old ? [old] : [])];
    if (pending.length > 0) await items.setItem(pendingName, encodePending(pending));
    if (manifest) {
      for (const [index, piece] of pieces.entries()) await items.setItem(names.chunk(key, manifest.generation, index), piece);
      await items.setItem(headName, encodeManifest(manifest));
    } else {
      await items.setItem(headName, value);
    }
    // The new record is in place: the old one's chunks go.
    if (old) await removeChunks(key, old);
    if (pending.length > 0 || pendingBefore !== null) await items.removeItem(pendingName);
  };

  const remove = async (key: string): Promise<void> => {
    const headName = names.head(key);
    const pendingName = names.pending(key);
    const head = await items.getItem(headName);
    const current = head !== null && head.startsWith(MANIFEST_PREFIX) ? decodeManifest(head) : null;
    const pendingText = await items.getItem(pendingName);
    const leftovers = decodePending(pendingText);
    // The chunks first: a removal cut short leaves a head that reads as absent, and the next
    // write or removal of this key finishes it.
    if (current) await removeChunks(key, current);
    await items.removeItem(headName);
    for (const leftover of leftovers) if (leftover.generation !== current?.generation) await removeChunks(key, leftover);
    if (pendingText !== null) await items.removeItem(pendingName);
  };

  return {
    getItem: (key) => one(key, () => read(key)),
    setItem: (key, value) => one(key, () => write(key, value)),
    removeItem: (key) => one(key, () => remove(key)),
  };
}
