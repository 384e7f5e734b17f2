/**
 * In-memory state of the user-pool half: pools, app clients, users, sign-in sessions between
 * challenges, issued tokens, and the SMS and email messages the emulator "sends".
 * Nothing is persisted; a restarted emulator starts with only its default pool.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SrpVerifier, ServerEphemeral } from './srp.js';

export type MfaType = 'SMS_MFA' | 'SOFTWARE_TOKEN_MFA' | 'EMAIL_OTP';
export type MfaConfiguration = 'OFF' | 'ON' | 'OPTIONAL';
export type ChallengeName =
  | 'PASSWORD_VERIFIER'
  | 'NEW_PASSWORD_REQUIRED'
  | 'SMS_MFA'
  | 'SOFTWARE_TOKEN_MFA'
  | 'EMAIL_OTP'
  | 'SELECT_MFA_TYPE'
  | 'MFA_SETUP';

export interface PasswordPolicy {
  MinimumLength: number;
  RequireUppercase: boolean;
  RequireLowercase: boolean;
  RequireNumbers: boolean;
  RequireSymbols: boolean;
  TemporaryPasswordValidityDays: number;
}

export interface UserPoolClient {
  ClientId: string;
  ClientName: string;
  UserPoolId: string;
  ClientSecret?: string;
  ExplicitAuthFlows: string[];
  PreventUserExistenceErrors: 'LEGACY' | 'ENABLED';
  EnableTokenRevocation: boolean;
  /** Minutes a sign-in session (between challenges) lives: 3 to 15, default 3. */
  AuthSessionValidity: number;
  accessTokenSeconds: number;
  idTokenSeconds: number;
  refreshTokenSeconds: number;
  createdAtMs: number;
  modifiedAtMs: number;
}

export interface UserPool {
  Id: string;
  Name: string;
  Arn: string;
  /** The identity-pool login key and the issuer (`https://` + it) of its tokens. */
  loginKey: string;
  MfaConfiguration: MfaConfiguration;
  /** Which second factors the pool offers (SetUserPoolMfaConfig). */
  mfa: { sms: boolean; totp: boolean; email: boolean };
  smsAuthenticationMessage?: string;
  emailMessage?: string;
  emailSubject?: string;
  policy: PasswordPolicy;
  createdAtMs: number;
  modifiedAtMs: number;
  clients: Map<string, UserPoolClient>;
  users: Map<string, User>;
}

export interface User {
  username: string;
  sub: string;
  attributes: Map<string, string>;
  status: 'FORCE_CHANGE_PASSWORD' | 'CONFIRMED';
  enabled: boolean;
  srp?: SrpVerifier;
  /** Second factors the user has turned on, and the one preferred. */
  mfa: { enabled: Set<MfaType>; preferred?: MfaType };
  /** The verified authenticator secret (base32). */
  totpSecret?: string;
  /** A secret from AssociateSoftwareToken with an access token, until VerifySoftwareToken. */
  pendingTotpSecret?: string;
  /** The last TOTP step accepted: a code is good once. */
  lastTotpStep?: number;
  createdAtMs: number;
  modifiedAtMs: number;
}

/** A sign-in between InitiateAuth and its tokens, named by the opaque `Session` string. */
export interface AuthSession {
  poolId: string;
  clientId: string;
  username: string;
  challenge: ChallengeName;
  expiresAtMs: number;
  /** PASSWORD_VERIFIER: the server's ephemeral and the secret block it handed out. */
  srp?: { A: bigint; ephemeral: ServerEphemeral; secretBlock: string };
  /** SMS_MFA and EMAIL_OTP: the code sent. */
  code?: string;
  /** MFA_SETUP: the secret from AssociateSoftwareToken, and whether VerifySoftwareToken passed. */
  setupSecret?: string;
  setupVerified?: boolean;
  /** Wrong codes sent so far in this session. */
  wrongCodes?: number;
}

/** A refresh token the pool issued; access tokens issued with it share its `originJti`. */
export interface RefreshGrant {
  poolId: string;
  clientId: string;
  username: string;
  originJti: string;
  authTimeSeconds: number;
  expiresAtMs: number;
  revoked: boolean;
}

export interface AccessGrant {
  poolId: string;
  clientId: string;
  username: string;
  originJti: string;
  expiresAtMs: number;
}

/** A code or temporary password the emulator would have sent, readable through the admin API. */
export interface SentMessage {
  userPoolId: string;
  username: string;
  channel: 'SMS' | 'EMAIL';
  /** The phone number or email address it went to. */
  destination: string;
  /** What it was for. */
  purpose: 'SMS_MFA' | 'EMAIL_OTP' | 'TEMPORARY_PASSWORD';
  /** The code, or the temporary password. */
  code: string;
  /** The text a user would have received. */
  message: string;
  /** Epoch ms on the emulator's clock. */
  at: number;
}

export interface MessageFilter {
  userPoolId?: string;
  username?: string;
  channel?: 'SMS' | 'EMAIL';
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const MAX_MESSAGES = 1000;

/** Random characters from the alphabet Cognito's ids use. */
export function randomId(length: number, alphabet = ID_ALPHABET): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

/** An opaque random string, for sessions and refresh tokens. */
export function opaque(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

export class UserPoolStore {
  readonly pools = new Map<string, UserPool>();
  readonly sessions = new Map<string, AuthSession>();
  readonly refreshGrants = new Map<string, RefreshGrant>();
  readonly accessGrants = new Map<string, AccessGrant>();
  private sent: SentMessage[] = [];

  newUser(username: string, attributes: Map<string, string>, now: number): User {
    return {
      username,
      sub: randomUUID(),
      attributes,
      status: 'FORCE_CHANGE_PASSWORD',
      enabled: true,
      mfa: { enabled: new Set() },
      createdAtMs: now,
      modifiedAtMs: now,
    };
  }

  /** Starts or moves on a sign-in: every step hands out a fresh Session string. */
  openSession(session: AuthSession): string {
    const id = opaque(96);
    this.sessions.set(id, session);
    return id;
  }

  recordMessage(message: SentMessage): void {
    this.sent.push(message);
    if (this.sent.length > MAX_MESSAGES) this.sent.splice(0, this.sent.length - MAX_MESSAGES);
  }

  messages(filter: MessageFilter = {}): SentMessage[] {
    return this.sent
      .filter(
        (m) =>
          (filter.userPoolId === undefined || m.userPoolId === filter.userPoolId) &&
          (filter.username === undefined || m.username === filter.username) &&
          (filter.channel === undefined || m.channel === filter.channel),
      )
      .map((m) => ({ ...m }));
  }

  clearMessages(): void {
    this.sent = [];
  }

  /** Ends every session of a user: refresh tokens and the access tokens issued with them. */
  signOutEverywhere(poolId: string, username: string): void {
    for (const grant of this.refreshGrants.values()) {
      if (grant.poolId === poolId && grant.username === username) grant.revoked = true;
    }
    for (const [token, grant] of this.accessGrants) {
      if (grant.poolId === poolId && grant.username === username) this.accessGrants.delete(token);
    }
  }

  /** Ends one refresh token and the access tokens issued with it. */
  revokeRefresh(grant: RefreshGrant): void {
    grant.revoked = true;
    for (const [token, access] of this.accessGrants) {
      if (access.originJti === grant.originJti) this.accessGrants.delete(token);
    }
  }
}
