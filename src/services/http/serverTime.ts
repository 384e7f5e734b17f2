/**
 * Cognito's clock at each answer, kept beside the parsed answer: the services read it to learn
 * how far the device's clock is off (DESIGN §5: every answer carries a `Date` header).
 */
const serverTimes = new WeakMap<object, number>();

/** Notes Cognito's clock when it sent `answer`, epoch ms (ignored unless a finite number). */
export function noteServerTime(answer: object, epochMs: number): void {
  if (Number.isFinite(epochMs)) serverTimes.set(answer, epochMs);
}

/** Cognito's clock when it sent `answer`, epoch ms; undefined when the answer did not say. */
export function serverTimeOf(answer: object): number | undefined {
  return serverTimes.get(answer);
}
