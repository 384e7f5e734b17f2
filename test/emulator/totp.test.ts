/** Both authenticators (the tests' and the emulator's) against RFC 6238's published SHA-1 vectors. */
import { describe, expect, it } from 'vitest';
import { base32Encode, hotp, totpCode } from '../../emulator/userPool/totp.js';
import { fromBase32, totp, totpFor } from './totp.js';

// RFC 6238, Appendix B: the SHA-1 rows (key "12345678901234567890", 8 digits).
const RFC_6238_SHA1: Array<[number, string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];
const KEY = new TextEncoder().encode('12345678901234567890');

describe('TOTP (RFC 6238)', () => {
  it.each(RFC_6238_SHA1)('the tests’ authenticator gives the RFC code at %i s', (seconds, code) => {
    expect(totp(KEY, seconds, 8)).toBe(code);
  });

  it.each(RFC_6238_SHA1)('the emulator’s gives the RFC code at %i s', (seconds, code) => {
    expect(hotp(KEY, Math.floor(seconds / 30), 8)).toBe(code);
  });

  it('reads base32 secrets the way the emulator writes them', () => {
    const secret = base32Encode(KEY);
    expect(secret).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(fromBase32(secret)).toEqual(KEY);
    expect(totpFor(secret, 59_000)).toBe(totpCode(secret, 59_000));
    expect(totpFor(secret, 59_000)).toBe('287082');
  });
});
