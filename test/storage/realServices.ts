import type { TestContext } from 'vitest';

/**
 * Whether a missing real service (Secret Service, browser) must fail its tests rather than skip
 * them: always in CI, and locally when `variable` is set to 1.
 */
export function realServiceRequired(variable: string): boolean {
  const ci = process.env.CI;
  return (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0') || process.env[variable] === '1';
}

/**
 * Fails the test when the service is required but missing, skips it with the reason when it is
 * only missing, and does nothing when the service is there.
 */
export function needService(ctx: TestContext, missing: string | undefined, variable: string): void {
  if (missing === undefined) return;
  if (realServiceRequired(variable)) {
    throw new Error(`${missing} (required because CI or ${variable}=1 is set)`);
  }
  ctx.skip(`${missing}; set ${variable}=1 to make this a failure`);
}

/** Runs `work`, giving up after `ms` milliseconds with a message. */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
