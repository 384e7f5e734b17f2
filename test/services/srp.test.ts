/**
 * Our SRP (src/services/srp.ts) against AWS's own: amazon-cognito-identity-js's AuthenticationHelper
 * computes A, u and the HKDF key from the same fixed randoms (a, the server's salt and B), and the
 * claim signature is made as its CognitoUser makes it. Non-ASCII names and passwords included.
 */
import { createHash, createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  claimSignature,
  clientEphemeral,
  N,
  padHex,
  passwordAuthenticationKey,
  passwordVerifierResponses,
  poolNameOf,
  readPasswordVerifierChallenge,
  scramblingParameter,
  srpTimestamp,
} from '../../src/services/srp.js';
import { encodeBase64 } from '../../src/services/http/base64url.js';
import { encodeUtf8 } from '../../src/services/http/encodeUtf8.js';
import { AuthError } from '../../src/vocabulary/AuthError.js';

// AWS's helper has no types and no public entry for these classes: load them from its CommonJS build.
const require = createRequire(import.meta.url);
type BigIntegerLike = { toString(radix: number): string };
const BigInteger = require('amazon-cognito-identity-js/lib/BigInteger.js').default as new (hex: string, radix: number) => BigIntegerLike;
const AuthenticationHelper = require('amazon-cognito-identity-js/lib/AuthenticationHelper.js').default as new (poolName: string) => {
  smallAValue: BigIntegerLike;
  largeAValue: BigIntegerLike | undefined;
  getLargeAValue(callback: (error: unknown, A: BigIntegerLike) => void): void;
  calculateU(A: BigIntegerLike, B: BigIntegerLike): BigIntegerLike;
  getPasswordAuthenticationKey(
    username: string,
    password: string,
    B: BigIntegerLike,
    salt: BigIntegerLike,
    callback: (error: unknown, key: Uint8Array) => void,
  ): void;
};
const DateHelper = require('amazon-cognito-identity-js/lib/DateHelper.js').default as new () => { getNowString(): string };

/** Deterministic bytes: SHA-256 in counter mode over a label. */
function bytesFrom(label: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let at = 0, block = 0; at < length; block += 1) {
    const digest = createHash('sha256').update(`${label}/${block}`).digest();
    out.set(digest.subarray(0, Math.min(digest.length, length - at)), at);
    at += digest.length;
  }
  return out;
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** What AWS's helper computes for the same a, salt and B. */
async function awsValues(poolName: string, aHex: string, userIdForSrp: string, password: string, saltHex: string, BHex: string) {
  const helper = new AuthenticationHelper(poolName);
  helper.smallAValue = new BigInteger(aHex, 16);
  helper.largeAValue = undefined;
  const A = await new Promise<BigIntegerLike>((resolve, reject) =>
    helper.getLargeAValue((error, value) => (error ? reject(error) : resolve(value))),
  );
  const B = new BigInteger(BHex, 16);
  const u = helper.calculateU(A, B);
  const key = await new Promise<Uint8Array>((resolve, reject) =>
    helper.getPasswordAuthenticationKey(userIdForSrp, password, B, new BigInteger(saltHex, 16), (error, value) =>
      error ? reject(error) : resolve(value),
    ),
  );
  return { A: A.toString(16), u: u.toString(16), key: hexOf(key) };
}

/** The claim signature as amazon-cognito-identity-js's CognitoUser builds it. */
function awsSignature(key: Uint8Array, poolName: string, userIdForSrp: string, secretBlock: string, timestamp: string): string {
  const message = Buffer.concat([
    Buffer.from(poolName, 'utf8'),
    Buffer.from(userIdForSrp, 'utf8'),
    Buffer.from(secretBlock, 'base64'),
    Buffer.from(timestamp, 'utf8'),
  ]);
  return createHmac('sha256', key).update(message).digest('base64');
}

const CASES = [
  { userPoolId: 'us-east-1_AbCdEf123', userIdForSrp: 'alice', password: 'Passw0rd!' },
  { userPoolId: 'eu-west-1_Zz9', userIdForSrp: '5f3c6a1e-8d0b-4b8e-9b1a-1c2d3e4f5a6b', password: 'correct horse battery staple' },
  { userPoolId: 'ap-southeast-2_x', userIdForSrp: 'zoë@exämple.com', password: 'Grüße-Straße-ÆØÅ-1!' },
  { userPoolId: 'us-west-2_Pool', userIdForSrp: '用户名', password: 'пароль-密码-🔑-🚀-Ω' },
  { userPoolId: 'us-east-2_EmojiPool', userIdForSrp: '😀user', password: '\u00e9\u0301\ufb01' },
];

describe('SRP values equal amazon-cognito-identity-js AuthenticationHelper for the same randoms', () => {
  for (const [index, { userPoolId, userIdForSrp, password }] of CASES.entries()) {
    it(`case ${index + 1}: A, u, the HKDF key and the claim signature (${userIdForSrp})`, async () => {
      const aBytes = bytesFrom(`a${index}`, 128);
      // Salts of 16 bytes; B below N. Different lengths and top bits exercise the padding rules.
      const saltHex = hexOf(bytesFrom(`salt${index}`, 16 - index));
      const B = BigInt(`0x${hexOf(bytesFrom(`B${index}`, 384))}`) % N;
      const BHex = B.toString(16);
      const secretBlock = Buffer.from(bytesFrom(`block${index}`, 1000 + index)).toString('base64');
      const timestamp = srpTimestamp(Date.UTC(2026, 10, 26, 11, 28, index));

      const ephemeral = clientEphemeral(() => aBytes);
      const aws = await awsValues(poolNameOf(userPoolId), hexOf(aBytes), userIdForSrp, password, saltHex, BHex);
      expect(ephemeral.A.toString(16)).toBe(aws.A);
      expect(scramblingParameter(ephemeral.A, B).toString(16)).toBe(aws.u);

      const challenge = readPasswordVerifierChallenge({ SALT: saltHex, SRP_B: BHex, SECRET_BLOCK: secretBlock, USER_ID_FOR_SRP: userIdForSrp });
      const key = passwordAuthenticationKey({ userPoolId, userIdForSrp, password, ephemeral, challenge });
      expect(hexOf(key)).toBe(aws.key);

      const expectedSignature = awsSignature(Buffer.from(aws.key, 'hex'), poolNameOf(userPoolId), userIdForSrp, secretBlock, timestamp);
      expect(claimSignature({ key, userPoolId, userIdForSrp, secretBlock, timestamp })).toBe(expectedSignature);
      expect(passwordVerifierResponses({ userPoolId, password, ephemeral, challenge, timestamp })).toEqual({
        USERNAME: userIdForSrp,
        PASSWORD_CLAIM_SECRET_BLOCK: secretBlock,
        TIMESTAMP: timestamp,
        PASSWORD_CLAIM_SIGNATURE: expectedSignature,
      });
    });
  }

  it('a wrong password gives another key', async () => {
    const ephemeral = clientEphemeral(() => bytesFrom('a', 128));
    const challenge = { salt: 0x1234n, B: 0xabcdefn };
    const base = { userPoolId: 'us-east-1_A', userIdForSrp: 'alice', ephemeral, challenge };
    expect(hexOf(passwordAuthenticationKey({ ...base, password: 'one' }))).not.toBe(
      hexOf(passwordAuthenticationKey({ ...base, password: 'two' })),
    );
  });

  it('pads hex as Cognito does: even length, 00 before a set top bit', () => {
    expect(padHex(0x1n)).toBe('01');
    expect(padHex(0x7fn)).toBe('7f');
    expect(padHex(0x80n)).toBe('0080');
    expect(padHex(0xabcn)).toBe('0abc');
    expect(padHex(0xec12n)).toBe('00ec12');
  });

  it('names the pool as AWS clients do: the part of the id after the underscore', () => {
    expect(poolNameOf('us-east-1_AbCdEf123')).toBe('AbCdEf123');
  });
});

describe('TIMESTAMP', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("is written as AWS's DateHelper writes it (day not padded, time padded, UTC)", () => {
    for (const at of [Date.UTC(2026, 10, 26, 11, 28, 0), Date.UTC(2027, 0, 3, 4, 5, 6), Date.UTC(2024, 1, 29, 23, 59, 59)]) {
      vi.useFakeTimers({ now: at, toFake: ['Date'] });
      expect(srpTimestamp(at)).toBe(new DateHelper().getNowString());
    }
    expect(srpTimestamp(Date.UTC(2026, 10, 26, 11, 28, 0))).toBe('Thu Nov 26 11:28:00 UTC 2026');
  });
});

describe('the PASSWORD_VERIFIER challenge is refused when SRP cannot use it safely', () => {
  const good = { SALT: 'ab12', SRP_B: 'cd34', SECRET_BLOCK: 'c2VjcmV0', USER_ID_FOR_SRP: 'alice' };
  const bad: [string, Record<string, string>][] = [
    ['SRP_B = 0', { ...good, SRP_B: '0' }],
    ['SRP_B = N', { ...good, SRP_B: N.toString(16) }],
    ['SRP_B = 2N', { ...good, SRP_B: (2n * N).toString(16) }],
    ['SRP_B not hex', { ...good, SRP_B: 'xyz' }],
    ['no SALT', { SRP_B: good.SRP_B, SECRET_BLOCK: good.SECRET_BLOCK, USER_ID_FOR_SRP: good.USER_ID_FOR_SRP }],
    ['SECRET_BLOCK not base64', { ...good, SECRET_BLOCK: 'not base64!' }],
    ['no USER_ID_FOR_SRP', { ...good, USER_ID_FOR_SRP: '' }],
  ];
  for (const [name, parameters] of bad) {
    it(name, () => {
      let caught: unknown;
      try {
        readPasswordVerifierChallenge(parameters);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(AuthError);
      expect((caught as AuthError).name).toBe('ServiceError');
    });
  }

  it('reads a good one', () => {
    expect(readPasswordVerifierChallenge(good)).toEqual({ salt: 0xab12n, B: 0xcd34n, secretBlock: 'c2VjcmV0', userIdForSrp: 'alice' });
  });
});

describe('hand-written encoders', () => {
  it('encodeUtf8 equals Buffer for ASCII, non-ASCII, astral and lone surrogates', () => {
    for (const text of ['', 'abc', 'zoë', 'Grüße', '用户名', '🔑🚀', 'a\ud800b', '\udc00', 'end\ud83d', '\u0000\u007f\u0080\u07ff\u0800\uffff']) {
      expect(hexOf(encodeUtf8(text))).toBe(Buffer.from(text, 'utf8').toString('hex'));
    }
  });

  it('encodeBase64 equals Buffer for every length up to 40', () => {
    for (let length = 0; length <= 40; length += 1) {
      const bytes = bytesFrom(`b64-${length}`, length);
      expect(encodeBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    }
  });
});
