/**
 * UTF-8 decoding by hand: the client path must run where `TextDecoder`, `atob` and `Buffer`
 * are missing (older React Native engines, some embedded runtimes). Malformed sequences become
 * U+FFFD, as `TextDecoder` does by default.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  // Cognito's answers are ASCII JSON: those are turned into text a slice at a time, many times
  // faster than code point by code point (this runs on every answer of a federation).
  if (isAscii(bytes)) return asciiText(bytes);
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

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i += 1) if (bytes[i]! >= 0x80) return false;
  return true;
}

/** Bytes below 0x80 as text, in slices that stay well inside the engine's argument limit. */
function asciiText(bytes: Uint8Array): string {
  let out = '';
  for (let at = 0; at < bytes.length; at += 4096) {
    out += String.fromCharCode.apply(null, bytes.subarray(at, at + 4096) as unknown as number[]);
  }
  return out;
}
