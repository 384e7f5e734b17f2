// The clock offset kept with stored credentials (Cognito's clock minus the device's): a record of
// version 2 carries it as an optional field, held on restore to the rules of the rest of the record.
import { describe, expect, it } from 'vitest';
import { AuthError } from '../../src/vocabulary/AuthError.js';
import { decodeStoredSession, encodeStoredSession } from '../../src/storage/sessionCodec.js';
import type { FederatedSession } from '../../src/vocabulary/SessionRecord.js';
import { summarize } from '../../src/vocabulary/statechartContract.js';
import { sampleSession } from './sessions.js';

const DAY = 86_400_000;

function storedText(clockOffsetMs: unknown): string {
  const record = JSON.parse(encodeStoredSession({ session: sampleSession('federated'), generation: 'g-1' })) as {
    credentials: Record<string, unknown>;
  };
  if (clockOffsetMs !== undefined) record.credentials['clockOffsetMs'] = clockOffsetMs;
  return JSON.stringify(record);
}

describe('the clock offset stored with credentials', () => {
  it('comes back from storage with the session, and the summary judges expiry on the device clock by it', () => {
    const session = sampleSession('federated') as FederatedSession;
    const withOffset: FederatedSession = { ...session, credentials: { ...session.credentials, clockOffsetMs: -DAY } };
    const restored = decodeStoredSession(encodeStoredSession({ session: withOffset, generation: 'g-1' })).session as FederatedSession;
    expect(restored.credentials.clockOffsetMs).toBe(-DAY);
    // Cognito a day behind the device: the credentials expire a day later by the device's clock.
    expect(summarize(restored)!.credentialsExpiration).toBe(session.credentials.expiration + DAY);
  });

  it('is optional: a record written before clock-skew correction restores, with Cognito taken at the device clock', () => {
    const restored = decodeStoredSession(storedText(undefined)).session as FederatedSession;
    expect(restored.credentials.clockOffsetMs).toBeUndefined();
    expect(summarize(restored)!.credentialsExpiration).toBe(restored.credentials.expiration);
  });

  it.each([
    ['a string', '3600000'],
    ['a fraction', 1.5],
    ['more than a year', 367 * DAY],
    ['a boolean', true],
  ])('refuses %s as a StorageError naming the field, not its value', (_label, value) => {
    let error: unknown;
    try {
      decodeStoredSession(storedText(value));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).name).toBe('StorageError');
    expect((error as AuthError).message).toContain('clockOffsetMs');
    expect((error as AuthError).message).not.toContain(String(value));
  });
});
