/**
 * Fault rules as the identity-pool emulator applies them ("the next N calls of an operation fail
 * with X", consumed in the order added, `*` for any operation), shared by the in-memory test
 * doubles, the user-pool fault proxy and the command model, so that all three consume rules
 * the same way. Also the AWS SDK's retry rule the model needs: three attempts, and only
 * throttling, 5xx and dropped connections are tried again.
 */

/**
 * What an injected failure is. `Hang` (test doubles only): no answer until the call is aborted.
 * `Hold` (test doubles only): the call waits until the test releases it (or it is aborted), then
 * goes on as usual: a call that finishes after something else happened meanwhile.
 */
export type FaultError =
  | 'TooManyRequestsException'
  | 'InternalErrorException'
  | 'ConnectionDropped'
  | 'NotAuthorizedException'
  | 'Hang'
  | 'Hold';

export const TRANSIENT_FAULTS: ReadonlySet<FaultError> = new Set([
  'TooManyRequestsException',
  'InternalErrorException',
  'ConnectionDropped',
]);

/** The SDK's default attempts per operation. */
export const MAX_ATTEMPTS = 3;

export interface FaultRule {
  operation: string;
  error: FaultError;
  remaining: number;
}

export class FaultQueue {
  rules: FaultRule[] = [];

  add(operation: string, error: FaultError, count: number): void {
    this.rules.push({ operation, error, remaining: count });
  }

  /** Consumes one failure from the first rule that applies to `operation`. */
  take(operation: string): FaultError | undefined {
    const rule = this.rules.find((r) => r.operation === operation || r.operation === '*');
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    return rule.error;
  }

  clear(): void {
    this.rules = [];
  }

  get pending(): number {
    return this.rules.reduce((n, r) => n + r.remaining, 0);
  }

  toString(): string {
    return this.rules.map((r) => `${r.operation}:${r.error}x${r.remaining}`).join(',') || 'none';
  }
}
