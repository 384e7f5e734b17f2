/** Reading the SDK's errors the same way in both oracle tests. */

/** The fields of an SDK service exception that callers read. */
export function fieldsOf(error: unknown) {
  const e = error as { name: string; message: string; $fault?: string; $metadata?: Record<string, unknown> };
  return {
    name: e.name,
    message: e.message,
    $fault: e.$fault,
    httpStatusCode: e.$metadata?.['httpStatusCode'],
    requestId: e.$metadata?.['requestId'],
    attempts: e.$metadata?.['attempts'],
  };
}

/** The error a promise rejects with; a promise that resolves fails the test. */
export async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}
