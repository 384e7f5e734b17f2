/**
 * The server side of Cognito's SRP-6a (USER_SRP_AUTH): the 3072-bit group of RFC 5054 with
 * g = 2, SHA-256, Cognito's k and u, its verifier x = H(salt | H(poolName | userId | ":" | password)),
 * and the HKDF-derived key the client signs the PASSWORD_VERIFIER answer with.
 *
 * Every hash input is a big number in Cognito's "padded hex" form: even length, and a leading
 * 00 byte when the top bit is set (so it reads as a positive two's-complement number). Clients
 * hash exactly those bytes, so the server must too.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';

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
export const g = 2n;

/** Hex of a non-negative number, padded as Cognito does (see the module comment). */
export function padHex(value: bigint): string {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  else if ('89abcdef'.includes(hex[0] as string)) hex = `00${hex}`;
  return hex;
}

/** SHA-256 of the bytes a hex string spells, as hex. */
export function hexHash(hex: string): string {
  return bytesToHex(sha256(hexToBytes(hex)));
}

export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
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

/** k = H(N | g), Cognito's multiplier. */
export const k = BigInt(`0x${hexHash(padHex(N) + padHex(g))}`);

/** u = H(A | B), the scrambling parameter. */
export function scrambler(A: bigint, B: bigint): bigint {
  return BigInt(`0x${hexHash(padHex(A) + padHex(B))}`);
}

/** The part of a user pool id after the underscore, which Cognito mixes into x and the claim. */
export function poolNameOf(userPoolId: string): string {
  return userPoolId.slice(userPoolId.indexOf('_') + 1);
}

/** x = H(salt | H(poolName | userId | ":" | password)). */
export function privateKeyX(userPoolId: string, userIdForSrp: string, password: string, salt: bigint): bigint {
  const inner = bytesToHex(sha256(utf8ToBytes(`${poolNameOf(userPoolId)}${userIdForSrp}:${password}`)));
  return BigInt(`0x${hexHash(padHex(salt) + inner)}`);
}

/** What the pool keeps instead of a password for SRP: a random salt and the verifier v = g^x. */
export interface SrpVerifier {
  salt: bigint;
  verifier: bigint;
}

export function makeVerifier(userPoolId: string, userIdForSrp: string, password: string): SrpVerifier {
  const salt = BigInt(`0x${bytesToHex(randomBytes(16))}`);
  return { salt, verifier: modPow(g, privateKeyX(userPoolId, userIdForSrp, password, salt), N) };
}

/** The server's half of one SRP exchange. */
export interface ServerEphemeral {
  b: bigint;
  B: bigint;
}

/** B = k·v + g^b, with b fresh and B never 0 mod N. */
export function serverEphemeral(verifier: bigint): ServerEphemeral {
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const b = BigInt(`0x${bytesToHex(randomBytes(32))}`) % N;
    const B = (k * verifier + modPow(g, b, N)) % N;
    if (b !== 0n && B !== 0n) return { b, B };
  }
  throw new Error('Could not draw an SRP ephemeral.');
}

/** The 16-byte key both sides derive: HKDF-SHA256 over S with u as salt and Cognito's info string. */
export function sessionKey(S: bigint, u: bigint): Uint8Array {
  return hkdf(sha256, hexToBytes(padHex(S)), hexToBytes(padHex(u)), utf8ToBytes('Caldera Derived Key'), 16);
}

/**
 * The key the server expects the client to have derived, or undefined when A is unacceptable
 * (A mod N = 0, which would let a client sign in without the password).
 */
export function serverSessionKey(A: bigint, ephemeral: ServerEphemeral, verifier: bigint): Uint8Array | undefined {
  if (A % N === 0n) return undefined;
  const u = scrambler(A, ephemeral.B);
  if (u === 0n) return undefined;
  const S = modPow(A * modPow(verifier, u, N), ephemeral.b, N);
  return sessionKey(S, u);
}

/** The PASSWORD_CLAIM_SIGNATURE: HMAC-SHA256(key, poolName | userId | secretBlock | timestamp), base64. */
export function claimSignature(
  key: Uint8Array,
  userPoolId: string,
  userIdForSrp: string,
  secretBlock: Uint8Array,
  timestamp: string,
): string {
  const message = concatBytes(
    utf8ToBytes(poolNameOf(userPoolId)),
    utf8ToBytes(userIdForSrp),
    secretBlock,
    utf8ToBytes(timestamp),
  );
  return Buffer.from(hmac(sha256, key, message)).toString('base64');
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Cognito's TIMESTAMP format, "Tue Nov 26 11:28:00 UTC 2026": day not padded, time in UTC. */
export function srpTimestamp(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${WEEKDAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`
  );
}

const TIMESTAMP_PATTERN = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{1,2}) (\d{2}):(\d{2}):(\d{2}) UTC (\d{4})$/;

/** Epoch ms of a TIMESTAMP in Cognito's format, or undefined when it is not one (weekday included). */
export function parseSrpTimestamp(text: string): number | undefined {
  const match = TIMESTAMP_PATTERN.exec(text);
  if (!match) return undefined;
  const [, , month, day, hh, mm, ss, year] = match;
  const ms = Date.UTC(Number(year), MONTHS.indexOf(month as string), Number(day), Number(hh), Number(mm), Number(ss));
  return Number.isNaN(ms) || srpTimestamp(ms) !== text ? undefined : ms;
}
