/**
 * grpc-js makes an `Error` on every call it starts, so that an error it may report later carries
 * the caller's stack in its text. Capturing those frames is most of what starting a call costs
 * our side; where only an error's code and details are read, calls are started without them.
 */

/** Runs `start` with no stack frames captured by the errors made meanwhile. */
export function withoutStackFrames<T>(start: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return start();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
