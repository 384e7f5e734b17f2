/**
 * The tests' own authenticator (RFC 6238 over RFC 4226: HMAC-SHA1, 30-second steps), written
 * apart from the emulator's so a shared mistake cannot hide; checked against the RFC's vectors.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Decodes RFC 4648 base32 (the form of Cognito's SecretCode). */
export function fromBase32(text: string): Uint8Array {
  const bits = [...text.replace(/=+$/, '').toUpperCase()]
    .map((char) => {
      const index = ALPHABET.indexOf(char);
      if (index < 0) throw new Error('not base32');
      return index.toString(2).padStart(5, '0');
    })
    .join('');
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(Number.parseInt(bits.slice(i, i + 8), 2));
  return Uint8Array.from(bytes);
}

/** The RFC 6238 code for a key at a moment (seconds since the epoch). */
export function totp(key: Uint8Array, epochSeconds: number, digits = 6): string {
  const counter = Math.floor(epochSeconds / 30);
  const message = new Uint8Array(8);
  // Counters past 2^32 (the RFC's year-2603 vector) need both halves.
  new DataView(message.buffer).setUint32(0, Math.floor(counter / 2 ** 32));
  new DataView(message.buffer).setUint32(4, counter >>> 0);
  const mac = hmac(sha1, key, message);
  const offset = (mac[19] as number) & 0xf;
  const value =
    (((mac[offset] as number) & 0x7f) << 24) |
    ((mac[offset + 1] as number) << 16) |
    ((mac[offset + 2] as number) << 8) |
    (mac[offset + 3] as number);
  return String(value % 10 ** digits).padStart(digits, '0');
}

/** What an authenticator app shows for a Cognito SecretCode at a moment in epoch ms. */
export function totpFor(secretCode: string, epochMs: number): string {
  return totp(fromBase32(secretCode), Math.floor(epochMs / 1000));
}
