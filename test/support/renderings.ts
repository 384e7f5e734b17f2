/**
 * The ways an app might print what the library hands it, for the secret scans: the same
 * renderings in every suite, so a leak one scan would see, all of them see.
 */
import { inspect } from 'node:util';

/** util.inspect options that print everything, on one line. */
export const deep = { depth: null, breakLength: Infinity } as const;

/** JSON text of a value, or a note when it cannot be serialised. */
export function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'undefined';
  } catch (error) {
    return `[unserialisable: ${(error as Error).message}]`;
  }
}

/** An error as an app would print or log it (message, stack, String, JSON, inspect), for every cause. */
export function errorRenderings(source: string, error: unknown): Array<[label: string, text: string]> {
  const out: Array<[string, string]> = [];
  let current: unknown = error;
  const seen = new Set<unknown>();
  for (let depth = 0; current !== undefined && current !== null && !seen.has(current); depth += 1) {
    seen.add(current);
    const where = `${source} (cause ${depth})`;
    if (current instanceof Error) {
      out.push([`${where} message`, current.message], [`${where} stack`, current.stack ?? '']);
    }
    out.push(
      [`${where} String`, String(current)],
      [`${where} JSON`, safeJson(current)],
      [`${where} inspect`, inspect(current, deep)],
      [`${where} inspect showHidden`, inspect(current, { ...deep, showHidden: true })],
    );
    current = (current as { cause?: unknown }).cause;
  }
  return out;
}
