/**
 * Time-based one-time passwords as authenticator apps compute them (RFC 6238 over RFC 4226:
 * HMAC-SHA1, 30-second steps, 6 digits) and the base32 secrets Cognito hands out for them.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { randomBytes } from '@noble/hashes/utils.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const TOTP_STEP_SECONDS = 30;

export function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '').toUpperCase();
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new Error('Not a base32 string.');
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

/** A fresh TOTP secret: 32 random bytes, base32 like Cognito's SecretCode. */
export function newTotpSecret(): string {
  return base32Encode(randomBytes(32));
}

/** The 30-second step a moment falls in. */
export function totpStep(epochMs: number): number {
  return Math.floor(epochMs / 1000 / TOTP_STEP_SECONDS);
}

/** The HOTP value for a counter: dynamic truncation of HMAC-SHA1, `digits` decimal digits. */
export function hotp(key: Uint8Array, counter: number, digits = 6): string {
  const message = new Uint8Array(8);
  new DataView(message.buffer).setBigUint64(0, BigInt(counter));
  const mac = hmac(sha1, key, message);
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const binary = new DataView(mac.buffer, mac.byteOffset + offset, 4).getUint32(0) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The code an authenticator shows for a base32 secret at a moment. */
export function totpCode(secretBase32: string, epochMs: number): string {
  return hotp(base32Decode(secretBase32), totpStep(epochMs));
}

/**
 * The step a code matches, looking one step back and one ahead for clock drift, as Cognito
 * does; undefined when it matches none.
 */
export function matchTotp(secretBase32: string, code: string, epochMs: number): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const key = base32Decode(secretBase32);
  const step = totpStep(epochMs);
  for (const candidate of [step, step - 1, step + 1]) if (hotp(key, candidate) === code) return candidate;
  return undefined;
}
