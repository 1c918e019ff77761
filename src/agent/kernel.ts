/**
 * A tiny cooperative runner that lets the agent's concurrent activities (the Go goroutines of the
 * real agent: start-up, one per model operation, the readiness ticker) be written as sequential
 * generator functions, while staying sans-IO.
 *
 * A task yields what it waits for — a gRPC call, a sleep, a per-key lock — and the runner turns
 * that into effects (`call`, `setTimer`) and resumes the task when the matching input arrives.
 * Everything happens synchronously inside `Agent.handle`, in a fixed order (FIFO run queue, FIFO
 * lock hand-over), so the same inputs always produce the same effects.
 */
import type { Address, CallId, Effect, Fields, GrpcStatus, LogLevel, MethodPath, Millis, Observation } from "../core/protocol.ts";
import { Status } from "../core/protocol.ts";

export type CallResult = { ok: true; message: unknown } | { ok: false; status: GrpcStatus };

export type Op =
  | { op: "call"; target: Address; method: MethodPath; request: unknown; deadlineMs?: Millis }
  | { op: "sleep"; ms: Millis; label: string }
  | { op: "lock"; key: string };

export type Task<T> = Generator<Op, T, unknown>;

/** Unary call; resolves when the call closes. */
export function* rpc(target: Address, method: MethodPath, request: unknown, deadlineMs?: Millis): Task<CallResult> {
  return (yield callOp(target, method, request, deadlineMs)) as CallResult;
}

/**
 * The op of a unary call, for the hottest callers to yield themselves (`(yield callOp(…)) as
 * CallResult`): every level of `yield*` is passed through again on each resumption.
 */
export function callOp(target: Address, method: MethodPath, request: unknown, deadlineMs?: Millis): Op {
  return { op: "call", target, method, request, deadlineMs };
}

/**
 * A component's log fields with the Go function that logs (`func`), one object per function name:
 * most lines name their function, and sharing the fields saves an object per line. The objects
 * are shared, so they are only read (or spread into a line's own fields).
 */
export function fieldsPerFunction<B extends Fields>(base: B): (func: string) => B & { readonly func: string } {
  const made = new Map<string, B & { readonly func: string }>();
  return (func) => {
    let f = made.get(func);
    if (f === undefined) made.set(func, (f = { ...base, func }));
    return f;
  };
}

export function* sleep(ms: Millis, label: string): Task<void> {
  yield { op: "sleep", ms, label };
}

/** Exclusive per-key lock, handed over in request order. Release with `Kernel.unlock`. */
export function* lock(key: string): Task<void> {
  yield lockOp(key);
}

/** The op of `lock`, for the hottest callers to yield themselves (`yield lockOp(key)`), as `callOp`. */
export function lockOp(key: string): Op {
  return { op: "lock", key };
}

/**
 * A task. It waits for one thing at a time, so while it waits for a unary call it is that call's
 * entry in the table of open calls itself (`target`, `message`): no entry of its own per call,
 * which every answer would look up apart from the task.
 */
interface Running {
  kind: "task";
  gen: Task<unknown>;
  onDone?: (value: unknown) => void;
  /** What the task is resumed with when its turn in the run queue comes. */
  input: unknown;
  /** Where the call the task waits for went; undefined while it waits for none. */
  target: Address | undefined;
  /** That call's answer so far. */
  message: unknown;
}

export interface StreamHandlers {
  onMessage(message: unknown): void;
  onClose(status: GrpcStatus): void;
}

interface PendingStream {
  kind: "stream";
  target: Address;
  handlers: StreamHandlers;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3, fatal: 4 };

/** The method part of a path, as call ids carry it. The agent calls a fixed set of methods. */
const METHOD_NAMES = new Map<MethodPath, string>();
function methodName(method: MethodPath): string {
  let name = METHOD_NAMES.get(method);
  if (name === undefined) {
    name = method.slice(method.lastIndexOf("/") + 1);
    if (METHOD_NAMES.size < 256) METHOD_NAMES.set(method, name);
  }
  return name;
}

export class Kernel {
  now: Millis = 0;
  private out: Effect[] = [];
  private seq = 0;
  private readonly calls = new Map<CallId, Running | PendingStream>();
  private readonly timers = new Map<string, () => void>();
  private readonly locks = new Map<string, Running[]>();
  /** Tasks ready to go on. A task waits for one thing at a time, so it is queued at most once. */
  private readonly runQueue: Running[] = [];
  private draining = false;
  private halted = false;

  constructor(private readonly logThreshold: LogLevel) {}

  get isHalted(): boolean {
    return this.halted;
  }

  flush(): Effect[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  emit(effect: Effect): void {
    if (!this.halted) this.out.push(effect);
  }

  /**
   * A log line, if the logger's level lets it through. `threshold` defaults to the level the agent's
   * logger was set to; lines of Go's package-level logger (never re-levelled) pass "info".
   * `fields` is a line's fields, or undefined for a line without any: every caller passes the
   * shared fields of its logger or a literal with keys, never an empty object, so the line is
   * not searched for keys (which every line paid for).
   */
  log(level: LogLevel, msg: string, fields?: Fields, threshold: LogLevel = this.logThreshold): void {
    if (LEVEL_RANK[level] < LEVEL_RANK[threshold]) return;
    this.emit(fields !== undefined ? { kind: "log", level, msg, fields } : { kind: "log", level, msg });
  }

  /** Whether the agent's logger lets a line of `level` through: lines costly to build ask first. */
  logs(level: LogLevel): boolean {
    return LEVEL_RANK[level] >= LEVEL_RANK[this.logThreshold];
  }

  observe(event: Observation): void {
    this.emit({ kind: "observe", event });
  }

  /** Stop everything: no more effects, no more resumptions. */
  halt(): void {
    this.halted = true;
    this.runQueue.length = 0;
    this.calls.clear();
    this.timers.clear();
    this.locks.clear();
  }

  // -- tasks ------------------------------------------------------------------------------------

  spawn<T>(gen: Task<T>, onDone?: (value: T) => void): void {
    if (this.halted) return;
    this.runQueue.push({
      kind: "task",
      gen,
      onDone: onDone as ((v: unknown) => void) | undefined,
      input: undefined,
      target: undefined,
      message: undefined,
    });
    this.drain();
  }

  private resume(task: Running, value: unknown): void {
    task.input = value;
    this.runQueue.push(task);
    this.drain();
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (!this.halted) {
        const task = this.runQueue.shift();
        if (!task) break;
        const input = task.input;
        task.input = undefined;
        const r = task.gen.next(input);
        if (r.done) task.onDone?.(r.value);
        else this.dispatch(task, r.value);
      }
    } finally {
      this.draining = false;
    }
  }

  private dispatch(task: Running, op: Op): void {
    if (this.halted) return;
    switch (op.op) {
      case "call": {
        const id = this.nextCallId(op.method);
        task.target = op.target;
        task.message = undefined;
        this.calls.set(id, task);
        this.emit(
          op.deadlineMs === undefined
            ? { kind: "call", call: id, target: op.target, method: op.method, request: op.request }
            : { kind: "call", call: id, target: op.target, method: op.method, request: op.request, deadlineMs: op.deadlineMs },
        );
        return;
      }
      case "sleep": {
        this.setTimer(op.label, op.ms, () => this.resume(task, undefined));
        return;
      }
      case "lock": {
        const queue = this.locks.get(op.key);
        if (queue === undefined) {
          this.locks.set(op.key, []);
          task.input = undefined;
          this.runQueue.push(task);
        } else {
          queue.push(task);
        }
        return;
      }
    }
  }

  unlock(key: string): void {
    const queue = this.locks.get(key);
    if (queue === undefined) throw new Error(`agent kernel: unlock of ${key}, which is not locked`);
    const next = queue.shift();
    if (next === undefined) this.locks.delete(key);
    else this.resume(next, undefined);
  }

  /** Take the lock now if nobody holds it (Go's TryLock); the caller releases it with `unlock`. */
  tryLock(key: string): boolean {
    if (this.locks.has(key)) return false;
    this.locks.set(key, []);
    return true;
  }

  isLocked(key: string): boolean {
    return this.locks.has(key);
  }

  // -- timers -----------------------------------------------------------------------------------

  setTimer(label: string, ms: Millis, fire: () => void): string {
    const id = `agent:${++this.seq}:${label}`;
    this.timers.set(id, fire);
    this.emit({ kind: "setTimer", timer: id, afterMs: Math.max(0, ms) });
    return id;
  }

  clearTimer(id: string): void {
    if (this.timers.delete(id)) this.emit({ kind: "clearTimer", timer: id });
  }

  onTimer(id: string): boolean {
    const fire = this.timers.get(id);
    if (!fire) return false;
    this.timers.delete(id);
    fire();
    this.drain();
    return true;
  }

  // -- calls ------------------------------------------------------------------------------------

  private nextCallId(method: MethodPath): CallId {
    return `agent:${++this.seq}:${methodName(method)}`;
  }

  /** A streaming call (server or client streaming) whose messages go to callbacks. */
  openStream(target: Address, method: MethodPath, request: unknown, handlers: StreamHandlers): CallId {
    const id = this.nextCallId(method);
    this.calls.set(id, { kind: "stream", target, handlers });
    this.emit(
      request === undefined
        ? { kind: "call", call: id, target, method }
        : { kind: "call", call: id, target, method, request },
    );
    return id;
  }

  /** Cancel a call we started; its owner is told with `status` as if it had closed so. */
  cancel(id: CallId, status: GrpcStatus): void {
    if (!this.calls.has(id)) return;
    this.emit({ kind: "cancel", call: id });
    this.onClosed(id, status);
  }

  /** Forget a call without telling its owner (after `halfClose`, for example). */
  forget(id: CallId): void {
    this.calls.delete(id);
  }

  /** Calls still open to `target`, oldest first. */
  openCallsTo(target: Address): CallId[] {
    return [...this.calls.entries()].filter(([, c]) => c.target === target).map(([id]) => id);
  }

  onResponse(id: CallId, message: unknown): boolean {
    const c = this.calls.get(id);
    if (!c) return false;
    if (c.kind === "task") c.message = message;
    else c.handlers.onMessage(message);
    this.drain();
    return true;
  }

  onClosed(id: CallId, status: GrpcStatus): boolean {
    const c = this.calls.get(id);
    if (!c) return false;
    this.calls.delete(id);
    if (c.kind === "task") {
      const result: CallResult =
        status.code === Status.OK ? { ok: true, message: c.message ?? {} } : { ok: false, status };
      c.target = undefined;
      c.message = undefined;
      this.resume(c, result);
    } else {
      c.handlers.onClose(status);
      this.drain();
    }
    return true;
  }
}
