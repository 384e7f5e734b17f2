/**
 * In-memory state: identity pools, identities, and which login belongs to which identity.
 * Nothing is persisted; a restarted emulator starts empty.
 */
import { randomUUID } from 'node:crypto';
import type { IssuedCredentials } from './sigv4.js';

/** How many handed-out credentials are remembered for signature checks; the oldest go first. */
const ISSUED_CREDENTIALS_KEPT = 10_000;

/** A user pool an identity pool trusts, as in the `CognitoIdentityProviders` field. */
export interface CognitoIdentityProviderEntry {
  ProviderName: string;
  ClientId?: string;
  ServerSideTokenCheck?: boolean;
}

/** An identity pool, holding the same fields Cognito's `IdentityPool` shape has, plus what the emulator adds. */
export interface Pool {
  IdentityPoolId: string;
  IdentityPoolName: string;
  AllowUnauthenticatedIdentities: boolean;
  AllowClassicFlow: boolean;
  /** Public providers: login key to app/client id(s), comma separated as Cognito stores them. */
  SupportedLoginProviders: Record<string, string>;
  DeveloperProviderName?: string;
  OpenIdConnectProviderARNs: string[];
  CognitoIdentityProviders: CognitoIdentityProviderEntry[];
  SamlProviderARNs: string[];
  IdentityPoolTags: Record<string, string>;
  /** Role ARNs by `authenticated` / `unauthenticated`, as SetIdentityPoolRoles sets them. */
  roles: Record<string, string>;
  /** Lifetime of the AWS credentials handed out (Cognito takes it from the role; here it is per pool). */
  credentialLifetimeSeconds: number;
}

/** One identity of a pool and the logins linked to it (login key to subject). */
export interface Identity {
  identityId: string;
  identityPoolId: string;
  logins: Map<string, string>;
  createdAtMs: number;
  modifiedAtMs: number;
}

/** Pools, identities and the index from a login (pool, provider, subject) to its identity. */
export class Store {
  readonly pools = new Map<string, Pool>();
  /** Identities in creation order, so listing is stable. */
  readonly identities = new Map<string, Identity>();
  private readonly loginIndex = new Map<string, string>();
  /** Credentials handed out, by access key id, so a request signed with them can be checked. */
  private readonly issued = new Map<string, IssuedCredentials>();

  constructor(private readonly clock: () => number) {}

  /** Remembers credentials handed out; a load test's many are bounded by dropping the oldest. */
  recordIssuedCredentials(credentials: IssuedCredentials): void {
    this.issued.set(credentials.accessKeyId, credentials);
    if (this.issued.size > ISSUED_CREDENTIALS_KEPT) {
      const oldest = this.issued.keys().next().value;
      if (oldest !== undefined) this.issued.delete(oldest);
    }
  }

  issuedCredentials(accessKeyId: string): IssuedCredentials | undefined {
    return this.issued.get(accessKeyId);
  }

  addPool(pool: Pool): void {
    this.pools.set(pool.IdentityPoolId, pool);
  }

  /** Makes a new identity; its id carries the pool's region as Cognito's do. */
  createIdentity(pool: Pool): Identity {
    const region = pool.IdentityPoolId.split(':')[0];
    const now = this.clock();
    const identity: Identity = {
      identityId: `${region}:${randomUUID()}`,
      identityPoolId: pool.IdentityPoolId,
      logins: new Map(),
      createdAtMs: now,
      modifiedAtMs: now,
    };
    this.identities.set(identity.identityId, identity);
    return identity;
  }

  /** The identity a login (provider and subject) is linked to in a pool, if any. */
  identityForLogin(poolId: string, loginKey: string, subject: string): Identity | undefined {
    const identityId = this.loginIndex.get(indexKey(poolId, loginKey, subject));
    return identityId === undefined ? undefined : this.identities.get(identityId);
  }

  /** Links a login to an identity, so the same login always comes back to the same identity. */
  link(identity: Identity, loginKey: string, subject: string): void {
    identity.logins.set(loginKey, subject);
    identity.modifiedAtMs = this.clock();
    this.loginIndex.set(indexKey(identity.identityPoolId, loginKey, subject), identity.identityId);
  }

  /** Removes a pool with its identities and their links. */
  deletePool(poolId: string): void {
    this.pools.delete(poolId);
    for (const identity of this.identitiesOf(poolId)) {
      for (const [loginKey, subject] of identity.logins) this.loginIndex.delete(indexKey(poolId, loginKey, subject));
      this.identities.delete(identity.identityId);
    }
  }

  identitiesOf(poolId: string): Identity[] {
    return [...this.identities.values()].filter((identity) => identity.identityPoolId === poolId);
  }
}

// A newline cannot occur in a login key or pool id, so it separates the parts unambiguously.
function indexKey(poolId: string, loginKey: string, subject: string): string {
  return `${poolId}\n${loginKey}\n${subject}`;
}
