/**
 * Fault injection and the call log, for tests and benchmarks: added latency, the next N
 * calls of an operation failing with a named error or a dropped connection, and a record
 * of every Cognito call that never holds a token value.
 */
import {
  AUTH_ERROR_NAMES,
  COGNITO_ERROR_NAMES,
  EmulatorUsageError,
  USER_POOL_ERROR_NAMES,
  type AuthErrorName,
  type CognitoErrorName,
} from './errors.js';
import { OPERATION_NAMES as IDENTITY_POOL_OPERATION_NAMES } from './operations.js';
import { USER_POOL_OPERATION_NAMES } from './userPool/operations.js';

/** Operations of both halves; their names do not overlap. */
const OPERATION_NAMES = [...IDENTITY_POOL_OPERATION_NAMES, ...USER_POOL_OPERATION_NAMES];

/** What an injected failure looks like: a Cognito or SigV4 error, or the socket closed without an answer. */
export type FaultErrorName = CognitoErrorName | AuthErrorName | 'ConnectionDropped';

/** Fail the next `count` calls of `operation` (every operation when absent or `*`). */
export interface ErrorFault {
  operation?: string;
  error: FaultErrorName;
  /** How many calls fail (default 1). */
  count?: number;
  /** The error message; a Cognito-like default is used when absent. */
  message?: string;
}

/** Add `latencyMs` before answering each call of `operation` (every operation when absent or `*`); 0 removes it. */
export interface LatencyFault {
  latencyMs: number;
  operation?: string;
}

export type FaultSpec = ErrorFault | LatencyFault;

/** One Cognito call as the emulator saw it. Login keys only: token values are never recorded. */
export interface CallRecord {
  operation: string;
  identityPoolId?: string;
  identityId?: string;
  /** The keys of the `Logins` map sent (provider names), never the tokens. */
  loginKeys: string[];
  /** When the call arrived, epoch ms on the emulator's clock. */
  at: number;
  /** Wall time spent answering, including injected latency. */
  durationMs: number;
  outcome: 'success' | 'error' | 'dropped';
  /** The error name (`__type`) when the outcome is `error`, or `ConnectionDropped`. */
  error?: string;
  /** True when the failure was injected rather than earned. */
  injected?: boolean;
  /** The role the credentials were issued for (GetCredentialsForIdentity). */
  roleArn?: string;
}

/** The fault rules in force, as the admin API reports them. */
export interface FaultState {
  latencyMs: Record<string, number>;
  errors: Array<{ operation: string; error: FaultErrorName; remaining: number; message?: string }>;
}

const ANY_OPERATION = '*';
const MAX_LATENCY_MS = 120_000;
const FAULT_ERROR_NAMES: readonly string[] = [
  ...COGNITO_ERROR_NAMES,
  ...USER_POOL_ERROR_NAMES,
  ...AUTH_ERROR_NAMES,
  'ConnectionDropped',
];

/** Messages close to what Cognito says for each error, for injected failures without one. */
const DEFAULT_MESSAGES: Partial<Record<FaultErrorName, string>> = {
  TooManyRequestsException: 'Rate exceeded',
  InternalErrorException: 'An internal error occurred.',
  NotAuthorizedException: 'Invalid login token.',
  LimitExceededException: 'The identity pool has reached its limit of identities.',
  ResourceConflictException: 'The login is already linked to another identity.',
  ExternalServiceException: 'An error occurred while calling the identity provider.',
  InvalidIdentityPoolConfigurationException: 'Invalid identity pool configuration. Check assigned IAM roles for this pool.',
};

/** Holds latency settings and pending error rules, and hands them out call by call. */
export class FaultInjector {
  private readonly latency = new Map<string, number>();
  private errors: Array<{ operation: string; error: FaultErrorName; remaining: number; message?: string }> = [];

  constructor(initialLatencyMs = 0) {
    if (initialLatencyMs > 0) this.latency.set(ANY_OPERATION, initialLatencyMs);
  }

  /**
   * Adds a rule, checking it first (the admin API passes along whatever JSON it was sent).
   * @throws EmulatorUsageError for a rule that names an unknown operation or error, or bad numbers.
   */
  add(spec: unknown): void {
    if (typeof spec !== 'object' || spec === null) throw new EmulatorUsageError('A fault must be a JSON object.');
    const raw = spec as Record<string, unknown>;
    const operation = checkOperation(raw['operation']);
    if ('latencyMs' in raw) {
      const ms = raw['latencyMs'];
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_LATENCY_MS) {
        throw new EmulatorUsageError(`latencyMs must be a number from 0 to ${MAX_LATENCY_MS}.`);
      }
      if (ms === 0) this.latency.delete(operation);
      else this.latency.set(operation, ms);
      return;
    }
    const error = raw['error'];
    if (typeof error !== 'string' || !FAULT_ERROR_NAMES.includes(error)) {
      throw new EmulatorUsageError(`error must be one of: ${FAULT_ERROR_NAMES.join(', ')}.`);
    }
    const count = raw['count'] ?? 1;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
      throw new EmulatorUsageError('count must be a positive integer.');
    }
    const message = raw['message'];
    if (message !== undefined && typeof message !== 'string') throw new EmulatorUsageError('message must be a string.');
    this.errors.push({
      operation,
      error: error as FaultErrorName,
      remaining: count,
      ...(message !== undefined ? { message } : {}),
    });
  }

  /** Removes every rule and all latency, including latency set at start. */
  clear(): void {
    this.latency.clear();
    this.errors = [];
  }

  /** Latency for a call: the one for every operation plus the one for this operation. */
  latencyFor(operation: string): number {
    return (this.latency.get(ANY_OPERATION) ?? 0) + (this.latency.get(operation) ?? 0);
  }

  /** Consumes one failure from the first rule that applies to the operation, if any. */
  take(operation: string): { error: FaultErrorName; message: string } | undefined {
    const rule = this.errors.find((r) => r.operation === operation || r.operation === ANY_OPERATION);
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.errors = this.errors.filter((r) => r !== rule);
    return { error: rule.error, message: rule.message ?? DEFAULT_MESSAGES[rule.error] ?? `Injected ${rule.error}.` };
  }

  state(): FaultState {
    return {
      latencyMs: Object.fromEntries(this.latency),
      errors: this.errors.map((rule) => ({ ...rule })),
    };
  }
}

function checkOperation(value: unknown): string {
  if (value === undefined || value === null || value === ANY_OPERATION) return ANY_OPERATION;
  if (typeof value !== 'string' || !(OPERATION_NAMES as string[]).includes(value)) {
    throw new EmulatorUsageError(`operation must be '*' or one of: ${OPERATION_NAMES.join(', ')}.`);
  }
  return value;
}

/** The call log, capped so a long benchmark cannot grow it without bound. */
export class CallLog {
  private records: CallRecord[] = [];

  constructor(private readonly limit = 100_000) {}

  add(record: CallRecord): void {
    this.records.push(record);
    if (this.records.length > this.limit) this.records.splice(0, this.records.length - this.limit);
  }

  list(): CallRecord[] {
    return this.records.map((record) => ({ ...record, loginKeys: [...record.loginKeys] }));
  }

  clear(): void {
    this.records = [];
  }
}
