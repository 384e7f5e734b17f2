/**
 * The client side of Cognito's SRP-6a (USER_SRP_AUTH), as AWS's own clients do it
 * (amazon-cognito-identity-js's AuthenticationHelper, amplify-js v6's `srp` helpers): the
 * 3072-bit group of RFC 5054 with g = 2 and SHA-256, k = H(N | g), u = H(A | B),
 * x = H(salt | H(poolName | userIdForSrp | ":" | password)), S = (B - k·g^x)^(a + u·x) mod N,
 * a 16-byte HKDF-SHA256 key over S (salt u, info "Caldera Derived Key"), and the
 * PASSWORD_CLAIM_SIGNATURE = base64(HMAC-SHA256(key, poolName | userIdForSrp | secret block | timestamp)).
 *
 * Every hash input is a big number in Cognito's "padded hex" form: even length, and a leading
 * 00 byte when the top bit is set (a positive two's-complement number, as Java writes it). The
 * server hashes exactly those bytes, so the client must too.
 *
 * Only user-pool sign-in loads this module (with its hashes): it is imported by `userPool.ts`,
 * which the services load on the first sign-in. No `TextEncoder`, `Buffer` or `crypto.subtle`.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js';
import { AuthError } from '../vocabulary/AuthError.js';
import { decodeBase64Url, encodeBase64 } from './http/base64url.js';
import { encodeUtf8 } from './http/encodeUtf8.js';

/** RFC 5054's 3072-bit prime (also RFC 3526 group 15). */
export const N = BigInt(
  '0x' +
    'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74' +
    '020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437' +
    '4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
    'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05' +
    '98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB' +
    '9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
    'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718' +
    '3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33' +
    'A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
    'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864' +
    'D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2' +
    '08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF',
);
const g = 2n;

/** Bytes of the small secret a: 1024 random bits, as AWS's clients draw it (N is far larger). */
const SECRET_BYTES = 128;
const INFO = encodeUtf8('Caldera Derived Key');

/** Hex of a non-negative number, padded as Cognito does (see the module comment). */
export function padHex(value: bigint): string {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  else if ('89abcdef'.includes(hex[0]!)) hex = `00${hex}`;
  return hex;
}

function hashHex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

function fromHex(hex: string): bigint {
  return BigInt(`0x${hex}`);
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = ((base % modulus) + modulus) % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    e >>= 1n;
    b = (b * b) % modulus;
  }
  return result;
}

/** k = H(N | pad(g)), Cognito's multiplier. */
const k = fromHex(hashHex(hexToBytes(padHex(N) + padHex(g))));

/** The part of a user pool id after the underscore (`us-east-1_AbC` → `AbC`), mixed into x and the claim. */
export function poolNameOf(userPoolId: string): string {
  return userPoolId.split('_')[1] ?? '';
}

/** The client's half of one SRP exchange: the secret a and the public A = g^a mod N. */
export interface SrpClientEphemeral {
  a: bigint;
  A: bigint;
}

function secureRandomBytes(length: number): Uint8Array {
  const crypto = (globalThis as { crypto?: { getRandomValues?: (array: Uint8Array) => Uint8Array } }).crypto;
  if (typeof crypto?.getRandomValues !== 'function') {
    throw new AuthError('ValidationError', {
      message: 'SRP sign-in needs crypto.getRandomValues, which this runtime does not provide.',
      recoverySuggestion:
        'Install a getRandomValues polyfill (on React Native: react-native-get-random-values), or sign in with authFlowType USER_PASSWORD_AUTH.',
    });
  }
  return crypto.getRandomValues(new Uint8Array(length));
}

/**
 * Draws a fresh secret a and its A = g^a mod N (never 0 mod N). `randomBytes` is for tests that
 * replay fixed values.
 */
export function clientEphemeral(randomBytes: (length: number) => Uint8Array = secureRandomBytes): SrpClientEphemeral {
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const a = fromHex(bytesToHex(randomBytes(SECRET_BYTES)));
    const A = modPow(g, a, N);
    if (a !== 0n && A % N !== 0n) return { a, A };
  }
  throw new AuthError('ServiceError', { message: 'Could not draw an SRP secret: the random source returned zeros.' });
}

/** u = H(pad(A) | pad(B)), the scrambling parameter. */
export function scramblingParameter(A: bigint, B: bigint): bigint {
  return fromHex(hashHex(hexToBytes(padHex(A) + padHex(B))));
}

/** The server's PASSWORD_VERIFIER parameters, parsed. */
export interface PasswordVerifierChallenge {
  /** SALT, as a number. */
  salt: bigint;
  /** SRP_B, the server's public value. */
  B: bigint;
  /** SECRET_BLOCK as Cognito sent it (base64); it goes back unchanged and its bytes are signed. */
  secretBlock: string;
  /** USER_ID_FOR_SRP: the name Cognito knows the user by (the typed name may be an alias). */
  userIdForSrp: string;
}

function refused(what: string): AuthError {
  return new AuthError('ServiceError', {
    message: `Sign-in failed: Cognito's PASSWORD_VERIFIER challenge ${what}.`,
    recoverySuggestion: 'Check the user pool endpoint; the answer did not look like Cognito.',
  });
}

const HEX = /^[0-9a-fA-F]{1,2048}$/;

/** Reads the PASSWORD_VERIFIER challenge parameters, refusing anything SRP cannot safely use. */
export function readPasswordVerifierChallenge(parameters: Record<string, string> | undefined): PasswordVerifierChallenge {
  const { SALT, SRP_B, SECRET_BLOCK, USER_ID_FOR_SRP } = parameters ?? {};
  if (typeof SALT !== 'string' || !HEX.test(SALT)) throw refused('has no SALT in hex');
  if (typeof SRP_B !== 'string' || !HEX.test(SRP_B)) throw refused('has no SRP_B in hex');
  if (typeof SECRET_BLOCK !== 'string' || secretBlockBytes(SECRET_BLOCK) === undefined) {
    throw refused('has no SECRET_BLOCK in base64');
  }
  if (typeof USER_ID_FOR_SRP !== 'string' || USER_ID_FOR_SRP === '') throw refused('names no USER_ID_FOR_SRP');
  const B = fromHex(SRP_B);
  // B ≡ 0 would make S independent of the password: a server (or someone in between) could sign the user in blind.
  if (B % N === 0n) throw refused('has an unusable SRP_B');
  return { salt: fromHex(SALT), B, secretBlock: SECRET_BLOCK, userIdForSrp: USER_ID_FOR_SRP };
}

/** The bytes of the SECRET_BLOCK (standard base64; the URL-safe alphabet is read too, as amplify-js does). */
function secretBlockBytes(secretBlock: string): Uint8Array | undefined {
  const unpadded = secretBlock.replace(/={1,2}$/, '');
  // One alphabet or the other, not a mix.
  if (unpadded.length === 0 || (/[-_]/.test(unpadded) && /[+/]/.test(unpadded))) return undefined;
  return decodeBase64Url(unpadded.replace(/\+/g, '-').replace(/\//g, '_'));
}

/**
 * The 16-byte key both sides derive: S = (B - k·g^x)^(a + u·x) mod N with
 * x = H(pad(salt) | H(poolName | userIdForSrp | ":" | password)), then HKDF-SHA256(ikm = pad(S),
 * salt = pad(u), info = "Caldera Derived Key").
 */
export function passwordAuthenticationKey(input: {
  userPoolId: string;
  userIdForSrp: string;
  password: string;
  ephemeral: SrpClientEphemeral;
  challenge: Pick<PasswordVerifierChallenge, 'salt' | 'B'>;
}): Uint8Array {
  const { ephemeral, challenge } = input;
  const u = scramblingParameter(ephemeral.A, challenge.B);
  if (u === 0n) throw refused('has an unusable SRP_B');
  const inner = hashHex(encodeUtf8(`${poolNameOf(input.userPoolId)}${input.userIdForSrp}:${input.password}`));
  const x = fromHex(hashHex(hexToBytes(padHex(challenge.salt) + inner)));
  const S = modPow(challenge.B - k * modPow(g, x, N), ephemeral.a + u * x, N);
  return hkdf(sha256, hexToBytes(padHex(S)), hexToBytes(padHex(u)), INFO, 16);
}

/** PASSWORD_CLAIM_SIGNATURE: base64(HMAC-SHA256(key, poolName | userIdForSrp | secret block bytes | timestamp)). */
export function claimSignature(input: {
  key: Uint8Array;
  userPoolId: string;
  userIdForSrp: string;
  secretBlock: string;
  timestamp: string;
}): string {
  const block = secretBlockBytes(input.secretBlock);
  if (!block) throw refused('has no SECRET_BLOCK in base64');
  const message = concatBytes(
    encodeUtf8(poolNameOf(input.userPoolId)),
    encodeUtf8(input.userIdForSrp),
    block,
    encodeUtf8(input.timestamp),
  );
  return encodeBase64(hmac(sha256, input.key, message));
}

/** SECRET_HASH for an app client with a secret: base64(HMAC-SHA256(client secret, username + client id)). */
export function secretHash(clientSecret: string, username: string, clientId: string): string {
  return encodeBase64(hmac(sha256, encodeUtf8(clientSecret), encodeUtf8(username + clientId)));
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Cognito's TIMESTAMP format, "Thu Nov 26 11:28:00 UTC 2026": day not padded, time in UTC. */
export function srpTimestamp(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${WEEKDAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`
  );
}

/**
 * The ChallengeResponses of PASSWORD_VERIFIER: the claim that proves the password without sending it.
 * USERNAME is Cognito's USER_ID_FOR_SRP, as AWS's clients answer.
 */
export function passwordVerifierResponses(input: {
  userPoolId: string;
  password: string;
  ephemeral: SrpClientEphemeral;
  challenge: PasswordVerifierChallenge;
  timestamp: string;
}): Record<'USERNAME' | 'PASSWORD_CLAIM_SECRET_BLOCK' | 'PASSWORD_CLAIM_SIGNATURE' | 'TIMESTAMP', string> {
  const { userPoolId, challenge, timestamp } = input;
  const key = passwordAuthenticationKey({
    userPoolId,
    userIdForSrp: challenge.userIdForSrp,
    password: input.password,
    ephemeral: input.ephemeral,
    challenge,
  });
  return {
    USERNAME: challenge.userIdForSrp,
    PASSWORD_CLAIM_SECRET_BLOCK: challenge.secretBlock,
    TIMESTAMP: timestamp,
    PASSWORD_CLAIM_SIGNATURE: claimSignature({ key, userPoolId, userIdForSrp: challenge.userIdForSrp, secretBlock: challenge.secretBlock, timestamp }),
  };
}
