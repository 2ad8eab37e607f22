import { expect } from 'vitest';
import { ApiError } from '../../src/errors/api-error.js';
import { UpstreamError } from '../../src/errors/upstream-error.js';

/** The error a promise rejects with; the test fails if it resolves or rejects with anything but an `UpstreamError`. */
export async function upstreamFailure(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

/** The error `action` throws; the test fails if it returns or throws anything but an `ApiError` (or a subclass). */
export function thrownApiError(action: () => unknown): ApiError {
  return thrownInstanceOf(action, ApiError);
}

/** The error `action` throws; the test fails if it returns or throws anything but an `UpstreamError`. */
export function thrownUpstreamError(action: () => unknown): UpstreamError {
  return thrownInstanceOf(action, UpstreamError);
}

function thrownInstanceOf<T>(action: () => unknown, type: new (...args: never[]) => T): T {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as T;
  }
  throw new Error(`expected an ${type.name}`);
}

/** Catch the error a function throws, unchecked, so assertions can read its fields; the test fails if it returns. */
export function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}
