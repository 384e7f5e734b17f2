import { decodeBase64Url } from './base64url.js';
import { decodeUtf8 } from './utf8.js';

/** The claims of a JWT payload. */
export type JwtClaims = Record<string, unknown>;

/**
 * Reads the claims of a compact JWS without verifying it: we only read who the user is and
 * when the tokens expire; Cognito and the services that accept the token verify it.
 * Returns undefined for anything that is not a JWT with a JSON object payload.
 */
export function decodeJwtClaims(token: string): JwtClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const bytes = decodeBase64Url(parts[1]!);
  if (!bytes) return undefined;
  try {
    const claims: unknown = JSON.parse(decodeUtf8(bytes));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? (claims as JwtClaims) : undefined;
  } catch {
    return undefined;
  }
}
