import { inspect } from 'node:util';

const REDACTED = '[secret]';

/**
 * A temporary password (later a Temporary Access Pass). Every way a value usually leaks —
 * JSON, template strings, console.log, util.inspect, loggers that walk own properties —
 * prints "[secret]". `reveal()` is the only way out, so a leak needs a deliberate call.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    if (typeof value !== 'string' || value.length === 0) throw new TypeError('A secret needs a non-empty string');
    this.#value = value;
    Object.freeze(this);
  }

  /** The clear value: call it only at the one place that must hand it over (Graph, the delivery port). */
  reveal(): string {
    return this.#value;
  }

  /** Constant-time-ish comparison, for tests and dedupe, without revealing either value. */
  equals(other: Secret): boolean {
    const a = this.#value;
    const b = other.#value;
    if (a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i += 1) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
    return diff === 0;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

export const redacted = REDACTED;
