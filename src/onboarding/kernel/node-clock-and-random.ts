/** The production Clock and RandomSource: node's clock and crypto.randomInt (uniform, no modulo bias). */
import { randomInt, randomUUID } from 'node:crypto';
import type { Clock, RandomSource } from './ports.js';

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

export const cryptoRandom: RandomSource = {
  // randomInt rejects draws above the largest multiple of max, so every value is equally likely.
  int: (maxExclusive) => randomInt(0, maxExclusive),
  uuid: () => randomUUID(),
};
