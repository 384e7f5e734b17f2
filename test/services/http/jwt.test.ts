import fc from 'fast-check';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { decodeBase64Url } from '../../../src/services/http/base64url.js';
import { decodeJwtClaims } from '../../../src/services/http/jwt.js';
import { decodeUtf8 } from '../../../src/services/http/utf8.js';

const part = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
const jwt = (claims: unknown) => `${part({ alg: 'RS256', kid: 'k' })}.${part(claims)}.c2lnbmF0dXJl`;

/** Claims with strings from the whole of Unicode (astral planes included) and nested values. */
const claimValue = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ unit: 'grapheme' }), { maxKeys: 3 }),
);
const claims = fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 12 }), claimValue, { maxKeys: 8 });

describe('decodeJwtClaims', () => {
  it('reads the same claims as jose decodeJwt, for any claims', () => {
    fc.assert(
      fc.property(claims, (c) => {
        const token = jwt(c);
        expect(decodeJwtClaims(token)).toEqual(decodeJwt(token));
      }),
      { numRuns: 500 },
    );
  });

  it('reads non-ASCII claims (names, emoji, CJK) as jose does', () => {
    const token = jwt({ sub: 'ü-1', name: 'Zoë Ångström', nick: '山田 太郎', emoji: '🙂👍🏽', 'cognito:username': 'jürgen' });
    expect(decodeJwtClaims(token)).toEqual(decodeJwt(token));
    expect(decodeJwtClaims(token)?.['emoji']).toBe('🙂👍🏽');
  });

  it('refuses what is not a JWT with an object payload, where jose throws', () => {
    for (const token of ['', 'a.b', 'a.b.c.d', `x.${part([1, 2])}.s`, `x.${part('text')}.s`, 'x.!!!.s', `x.${part({ a: 1 }).slice(0, -1)}%.s`]) {
      expect(decodeJwtClaims(token)).toBeUndefined();
      expect(() => decodeJwt(token)).toThrow();
    }
  });
});

describe('decodeUtf8 and decodeBase64Url, written without TextDecoder, atob or Buffer', () => {
  it('decodes any bytes as TextDecoder does, replacing malformed sequences alike', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(decodeUtf8(bytes)).toBe(new TextDecoder().decode(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes any well-formed text back to itself', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(decodeUtf8(new TextEncoder().encode(text))).toBe(text);
      }),
    );
  });

  it('decodes base64url as Buffer does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const encoded = Buffer.from(bytes).toString('base64url');
        expect(decodeBase64Url(encoded)).toEqual(new Uint8Array(bytes));
      }),
    );
  });
});
