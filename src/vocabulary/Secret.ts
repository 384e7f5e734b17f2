const MASK = '[secret]';
const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

/**
 * A secret value (provider token, secret key, session token, password) that masks itself
 * whenever it is printed, logged or serialised. Call `reveal()` at the one place the raw
 * value is needed: the wire call or the storage write.
 */
export class Secret {
  readonly #value: string;

  /** Wraps a raw secret value. */
  constructor(value: string) {
    this.#value = value;
  }

  /** The raw value. Only the Cognito services and the storage layer should call this. */
  reveal(): string {
    return this.#value;
  }

  /** The mask `[secret]`, never the value. */
  toString(): string {
    return MASK;
  }

  /** The mask `[secret]`, so `JSON.stringify` never writes the value. */
  toJSON(): string {
    return MASK;
  }

  /** The mask `[secret]`, for Node's `util.inspect` and `console.log`. */
  [inspectCustom](): string {
    return MASK;
  }

  /** `'Secret'`, so `Object.prototype.toString` names the type, not the value. */
  get [Symbol.toStringTag](): string {
    return 'Secret';
  }
}

/** The text every masked secret prints as. */
export const SECRET_MASK = MASK;
