import { afterEach, describe, expect, it, vi } from 'vitest';
import { retryTransient } from '../../src/connector-kit/retry-transient.js';
import { StaffwireError, VendorError } from '../../src/errors/index.js';

const options = { baseDelayMs: 1, maxInlineDelayMs: 2000 };
const serverError = () => new VendorError('HTTP 500', { vendorCode: 500, httpStatus: 500, category: 'server' });

describe('retryTransient', () => {
  afterEach(() => vi.restoreAllMocks());

  it("makes one attempt with attempts 1 and hands the first transient error up as it is, for the step's policy", async () => {
    let calls = 0;
    const limited = new VendorError('HTTP 429', { vendorCode: 429, httpStatus: 429, category: 'rate_limit', retryAfterMs: 1500 });
    const promise = retryTransient(async () => {
      calls++;
      throw limited;
    }, { ...options, attempts: 1 });
    await expect(promise).rejects.toBe(limited);
    expect(calls).toBe(1);
  });

  it('makes up to `attempts` attempts on transient errors and returns the first success', async () => {
    let calls = 0;
    const result = await retryTransient(async (attempt) => {
      calls++;
      if (attempt < 3) throw serverError();
      return 'done';
    }, { ...options, attempts: 3 });
    expect([result, calls]).toEqual(['done', 3]);
  });

  it('waits each back-off through the given sleep, with the server’s advice and the signal', async () => {
    const waits: { ms: number; signal: AbortSignal | undefined }[] = [];
    const signal = new AbortController().signal;
    // The jitter's draw, fixed: the back-off is then exactly three quarters of the doubled base delay.
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const limited = new VendorError('HTTP 429', { vendorCode: 429, httpStatus: 429, category: 'rate_limit', retryAfterMs: 1500 });
    const result = await retryTransient(
      async (attempt) => {
        if (attempt === 1) throw limited;
        if (attempt === 2) throw serverError();
        return 'done';
      },
      { attempts: 3, baseDelayMs: 400, maxInlineDelayMs: 2000, signal, sleep: async (ms, given) => void waits.push({ ms, signal: given }) },
    );
    expect(result).toBe('done');
    expect(waits.map((w) => w.signal)).toEqual([signal, signal]);
    expect(waits[0]!.ms).toBe(1500);
    // No advice: the base delay, doubled per attempt, times the jitter (0.5 + random / 2).
    expect(waits[1]!.ms).toBe(400 * 2 * 0.75);
  });

  it('does not retry a client error', async () => {
    let calls = 0;
    const refused = new StaffwireError('bad request', { code: 'vendor.400', category: 'client' });
    await expect(
      retryTransient(async () => {
        calls++;
        throw refused;
      }, { ...options, attempts: 3 }),
    ).rejects.toBe(refused);
    expect(calls).toBe(1);
  });

  it.each([0, -1, Number.NaN])('treats a budget of %s as one attempt, never as endless retries', async (attempts) => {
    let calls = 0;
    await expect(
      retryTransient(async () => {
        calls++;
        throw serverError();
      }, { ...options, attempts }),
    ).rejects.toThrow('HTTP 500');
    expect(calls).toBe(1);
  });
});
