/**
 * UTF-8 decoding by hand: the client path must run where `TextDecoder`, `atob` and `Buffer`
 * are missing (older React Native engines, some embedded runtimes). Malformed sequences become
 * U+FFFD, as `TextDecoder` does by default.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  let out = '';
  let chunk: number[] = [];
  const flush = () => {
    out += String.fromCharCode(...chunk);
    chunk = [];
  };
  const push = (codePoint: number) => {
    if (codePoint > 0xffff) {
      const v = codePoint - 0x10000;
      chunk.push(0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
    } else {
      chunk.push(codePoint);
    }
    if (chunk.length >= 4096) flush();
  };
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes[i]!;
    if (b0 < 0x80) {
      push(b0);
      i += 1;
      continue;
    }
    // Lead byte: how many continuation bytes, and the smallest code point allowed (no overlongs).
    let needed: number;
    let codePoint: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      needed = 1;
      codePoint = b0 & 0x1f;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      needed = 2;
      codePoint = b0 & 0x0f;
      if (b0 === 0xe0) lower = 0xa0;
      if (b0 === 0xed) upper = 0x9f; // no surrogates
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      needed = 3;
      codePoint = b0 & 0x07;
      if (b0 === 0xf0) lower = 0x90;
      if (b0 === 0xf4) upper = 0x8f; // nothing past U+10FFFF
    } else {
      push(0xfffd);
      i += 1;
      continue;
    }
    i += 1;
    let seen = 0;
    while (seen < needed) {
      const b = i < bytes.length ? bytes[i]! : -1;
      const lo = seen === 0 ? lower : 0x80;
      const hi = seen === 0 ? upper : 0xbf;
      if (b < lo || b > hi) break;
      codePoint = (codePoint << 6) | (b & 0x3f);
      i += 1;
      seen += 1;
    }
    // A truncated or broken sequence is one replacement character (the WHATWG "maximal subpart" rule).
    push(seen === needed ? codePoint : 0xfffd);
  }
  flush();
  return out;
}

/**
 * UTF-8 encoding by hand, for the same runtimes as {@link decodeUtf8}. A lone surrogate becomes
 * U+FFFD, as `TextEncoder` does.
 */
export function encodeUtf8(text: string): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i += 1) {
    let codePoint = text.charCodeAt(i);
    if (codePoint >= 0xd800 && codePoint <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (codePoint <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        codePoint = 0x10000 + ((codePoint - 0xd800) << 10) + (next - 0xdc00);
        i += 1;
      } else {
        codePoint = 0xfffd;
      }
    }
    if (codePoint < 0x80) {
      bytes.push(codePoint);
    } else if (codePoint < 0x800) {
      bytes.push(0xc0 | (codePoint >> 6), 0x80 | (codePoint & 0x3f));
    } else if (codePoint < 0x10000) {
      bytes.push(0xe0 | (codePoint >> 12), 0x80 | ((codePoint >> 6) & 0x3f), 0x80 | (codePoint & 0x3f));
    } else {
      bytes.push(
        0xf0 | (codePoint >> 18),
        0x80 | ((codePoint >> 12) & 0x3f),
        0x80 | ((codePoint >> 6) & 0x3f),
        0x80 | (codePoint & 0x3f),
      );
    }
  }
  return Uint8Array.from(bytes);
}
