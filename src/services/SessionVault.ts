import { AuthError, SessionChangedError } from '../vocabulary/AuthError.js';
import type { Secret } from '../vocabulary/Secret.js';
import type { SessionRecord } from '../vocabulary/SessionRecord.js';
import type { PendingChallenge } from '../vocabulary/statechartContract.js';
import type { OpenResult, SessionStore } from '../storage/SessionStore.js';

function storageError(action: string, cause: unknown): AuthError {
  if (cause instanceof AuthError && (cause.name === 'StorageError' || cause instanceof SessionChangedError)) return cause;
  return new AuthError('StorageError', { message: `Could not ${action} the stored session.`, cause });
}

function cancelled(): AuthError {
  return new AuthError('CancelledError', { message: 'The call was cancelled before its result was kept.' });
}

/**
 * Keeps the session's secrets out of the statechart: the machine's context holds a summary,
 * the vault holds the record and writes it through to the store. Writes run one at a time,
 * and a write whose caller was cancelled is dropped, so a late result can never overwrite a
 * clear that came after it. Every write is a compare-and-set against the generation the vault
 * last read or wrote: when another app or process changed the stored session meanwhile, the
 * write is dropped, the vault takes the stored session, and the write rejects with
 * `SessionChangedError`.
 */
export class SessionVault {
  #current: SessionRecord | null = null;
  /** The stored generation {@link current} came from; `null` when nothing is stored. */
  #generation: string | null = null;
  /** An open sign-in challenge (a new password, an MFA step): memory only, it lives for minutes. */
  pendingChallenge: PendingChallenge | null = null;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: SessionStore) {}

  /** The session in memory, with its secrets. */
  get current(): SessionRecord | null {
    return this.#current;
  }

  /** The stored generation of {@link current}. */
  get generation(): string | null {
    return this.#generation;
  }

  /** True when an access group is in use, so other apps may change the session. */
  get shared(): boolean {
    return this.store.shared;
  }

  /** True while a storage call of the vault is under way (a deadline then blames storage). */
  get busy(): boolean {
    return this.#busy > 0;
  }

  #busy = 0;

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const tracked = async () => {
      this.#busy += 1;
      try {
        return await work();
      } finally {
        this.#busy -= 1;
      }
    };
    const run = this.#queue.then(tracked, tracked);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Start-up: migration and restore. Never rejects for bad records (see OpenResult.problems). */
  open(): Promise<OpenResult> {
    return this.#serial(async () => {
      let result: OpenResult;
      try {
        result = await this.store.open();
      } catch (error) {
        result = { session: null, generation: null, problems: [storageError('read', error)] };
      }
      this.#current = result.session;
      this.#generation = result.generation;
      return result;
    });
  }

  /** Reads the store again, for sessions shared with other apps. */
  reload(): Promise<SessionRecord | null> {
    return this.#serial(async () => {
      await this.#adoptStored();
      return this.#current;
    });
  }

  /** Keeps a new session: store first, then memory, so memory never runs ahead of storage. */
  commit(session: SessionRecord, signal?: AbortSignal): Promise<SessionRecord> {
    return this.#serial(async () => {
      if (signal?.aborted) throw cancelled();
      try {
        this.#generation = (await this.store.save(session, this.#generation)).generation;
      } catch (error) {
        if (error instanceof SessionChangedError) await this.#adoptStored();
        throw storageError('save', error);
      }
      this.#current = session;
      return session;
    });
  }

  /** Removes the session from the store and from memory. */
  clear(): Promise<void> {
    return this.#serial(async () => {
      try {
        await this.store.clear();
      } catch (error) {
        throw storageError('clear', error);
      }
      this.#current = null;
      this.#generation = null;
    });
  }

  /** Takes the stored session as the current one. */
  async #adoptStored(): Promise<void> {
    let stored;
    try {
      stored = await this.store.read();
    } catch (error) {
      throw storageError('read', error);
    }
    this.#current = stored.session;
    this.#generation = stored.generation;
  }
}
