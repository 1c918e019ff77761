/**
 * Sequential programs over sans-IO effects. Much of the operator is goroutines that block on
 * gRPC calls and timers (a reconcile waiting for `LoadModel`, a stream loop waiting for the next
 * message, a retry waiting out its back-off). Here each such goroutine is a generator that yields
 * what it waits for; the runner turns that into effects (`call`, `setTimer`, `cancel`) and
 * resumes the generator when the matching input arrives. Everything is deterministic.
 */
import { Status, type CallId, type Effect, type GrpcStatus, type MethodPath, type Millis } from "../core/protocol.ts";

export type TaskId = number;

export type Op =
  /** Start a unary call and wait for its end. Resumes with `UnaryResult`. */
  | { op: "unary"; target: string; method: MethodPath; request: unknown; deadlineAt: Millis | null; tag: string }
  /** Start a server stream; resumes at once with its `CallId`. */
  | { op: "open"; target: string; method: MethodPath; request: unknown; tag: string }
  /** Wait for the next message or the end of a stream this task opened. Resumes with `RecvEvent`. */
  | { op: "recv"; call: CallId }
  /**
   * Hand every message of a stream this task opened to `onMessage`, in order, until the stream
   * ends; resumes with the end. What a loop of `recv` calling `onMessage` does, without resuming
   * the program for each message.
   */
  | { op: "each"; call: CallId; onMessage: (message: unknown) => void }
  | { op: "sleep"; ms: Millis }
  /**
   * Wait until a stream either ends (resumes with its status) or has stayed open `ms`, or has
   * delivered a message (resumes with null). The stream is then left to itself.
   */
  | { op: "probe"; call: CallId; ms: Millis }
  /** Wait for another task, at most `timeoutMs` (which aborts it). Resumes with `JoinResult`. */
  | { op: "join"; task: TaskId; timeoutMs: Millis }
  /** Wait until someone calls `notify(key)`. */
  | { op: "wait"; key: string };

export interface UnaryResult {
  status: GrpcStatus;
  message: unknown;
}

export type StreamEnd = { kind: "end"; status: GrpcStatus; received: number };
export type RecvEvent = { kind: "message"; message: unknown } | StreamEnd;

export type JoinResult = { timedOut: false; result: unknown } | { timedOut: true };

export type Program<T> = Generator<Op, T, unknown>;

// Typed wrappers, so programs read `const r = yield* unary(...)`.
export function* unary(target: string, method: MethodPath, request: unknown, deadlineAt: Millis | null, tag: string): Program<UnaryResult> {
  return (yield { op: "unary", target, method, request, deadlineAt, tag }) as UnaryResult;
}
export function* open(target: string, method: MethodPath, request: unknown, tag: string): Program<CallId> {
  return (yield { op: "open", target, method, request, tag }) as CallId;
}
/**
 * The op that waits for a stream's next message, to be yielded directly (`(yield op) as
 * RecvEvent`) and reused for every message of the stream: a stream loop's per-message cost, with
 * no generator of its own per message.
 */
export function recvOp(call: CallId): Op {
  return { op: "recv", call };
}
/**
 * A stream loop whose body does not wait: `onMessage` runs for each message as it arrives (a
 * stream of many messages then costs no generator resumption per message). Returns the end.
 */
export function* each(call: CallId, onMessage: (message: unknown) => void): Program<StreamEnd> {
  return (yield { op: "each", call, onMessage }) as StreamEnd;
}
export function* sleep(ms: Millis): Program<void> {
  yield { op: "sleep", ms };
}
export function* probe(call: CallId, ms: Millis): Program<GrpcStatus | null> {
  return (yield { op: "probe", call, ms }) as GrpcStatus | null;
}
export function* join(task: TaskId, timeoutMs: Millis): Program<JoinResult> {
  return (yield { op: "join", task, timeoutMs }) as JoinResult;
}
export function* wait(key: string): Program<void> {
  yield { op: "wait", key };
}

type Waiting =
  | { kind: "unary" | "recv"; call: CallId }
  | { kind: "each"; call: CallId; onMessage: (message: unknown) => void }
  | { kind: "sleep"; timer: string }
  | { kind: "probe"; call: CallId; timer: string }
  | { kind: "join"; task: TaskId; timer: string }
  | { kind: "wait"; key: string };

interface Task {
  id: TaskId;
  label: string;
  gen: Program<unknown>;
  waiting: Waiting | null;
  done: boolean;
  result: unknown;
  joiners: Set<TaskId>;
  onDone: ((result: unknown) => void) | undefined;
}

interface CallState {
  id: CallId;
  /** The task reading it, or null once nobody reads it any more (messages are then dropped). */
  owner: TaskId | null;
  unary: boolean;
  tag: string;
  buffer: RecvEvent[];
  last: unknown;
  received: number;
}

export interface RunnerIO {
  emit(effect: Effect): void;
  now(): Millis;
}

export class TaskRunner {
  private readonly tasks = new Map<TaskId, Task>();
  private readonly calls = new Map<CallId, CallState>();
  private readonly timers = new Map<string, TaskId>();
  private readonly waiters = new Map<string, Set<TaskId>>();
  /** Results of finished programs nobody has joined yet (programs without `onDone`). */
  private readonly results = new Map<TaskId, unknown>();
  private nextTask = 1;
  private nextCall = 1;
  private nextTimer = 1;

  constructor(
    private readonly io: RunnerIO,
    private readonly prefix: string,
  ) {}

  /** Start a program now; `onDone` gets its return value (not called when it is aborted). */
  spawn<T>(label: string, gen: Program<T>, onDone?: (result: T) => void): TaskId {
    const id = this.nextTask++;
    const task: Task = {
      id, label, gen: gen as Program<unknown>, waiting: null, done: false, result: undefined, joiners: new Set(),
      onDone: onDone as ((r: unknown) => void) | undefined,
    };
    this.tasks.set(id, task);
    this.step(task, undefined);
    return id;
  }

  isRunning(id: TaskId): boolean {
    return this.tasks.has(id);
  }

  /**
   * Stop a program where it waits. Its pending unary call is cancelled (as a Go context would
   * be); streams it opened are cancelled too when `cancelStreams` (a closed connection),
   * otherwise left open and unread (a goroutine that returned without cancelling its context).
   */
  abort(id: TaskId, cancelStreams = false): void {
    const task = this.tasks.get(id);
    if (!task) return;
    this.tasks.delete(id);
    task.done = true;
    this.clearWaiting(task);
    for (const cs of [...this.calls.values()]) {
      if (cs.owner !== id) continue;
      if (cs.unary || cancelStreams) {
        this.calls.delete(cs.id);
        this.io.emit({ kind: "cancel", call: cs.id });
      } else {
        cs.owner = null;
        this.io.emit({ kind: "stopReading", call: cs.id });
      }
    }
    task.gen.return(undefined);
    for (const j of task.joiners) {
      const joiner = this.tasks.get(j);
      if (joiner?.waiting?.kind === "join" && joiner.waiting.task === id) this.resume(joiner, { timedOut: false, result: undefined });
    }
  }

  /**
   * End every call opened with `tag` as a closed connection ends them: the client side sees
   * `status` and the call is cancelled on the wire.
   */
  failCalls(tag: string, status: GrpcStatus): void {
    for (const cs of [...this.calls.values()]) {
      if (cs.tag !== tag) continue;
      this.io.emit({ kind: "cancel", call: cs.id });
      this.onClosed(cs.id, status);
    }
  }

  notify(key: string): void {
    const set = this.waiters.get(key);
    if (!set) return;
    this.waiters.delete(key);
    for (const id of [...set]) {
      const t = this.tasks.get(id);
      if (t?.waiting?.kind === "wait" && t.waiting.key === key) this.resume(t, undefined);
    }
  }

  // -- inputs -------------------------------------------------------------------------------

  /** Returns false when the call is not one of ours. */
  onResponse(call: CallId, message: unknown): boolean {
    const cs = this.calls.get(call);
    if (!cs) return this.isOurs(call);
    cs.received++;
    if (cs.unary) {
      cs.last = message;
      return true;
    }
    if (cs.owner === null) return true;
    const task = this.tasks.get(cs.owner);
    if (!task) return true;
    const w = task.waiting;
    if (w?.kind === "each" && w.call === call) w.onMessage(message);
    else if (w?.kind === "recv" && w.call === call) this.resume(task, { kind: "message", message });
    else if (w?.kind === "probe" && w.call === call) this.resolveProbe(task, cs, null);
    else cs.buffer.push({ kind: "message", message });
    return true;
  }

  onClosed(call: CallId, status: GrpcStatus): boolean {
    const cs = this.calls.get(call);
    if (!cs) return this.isOurs(call);
    this.calls.delete(call);
    if (cs.owner === null) return true;
    const task = this.tasks.get(cs.owner);
    if (!task) return true;
    const w = task.waiting;
    if (cs.unary) {
      if (w?.kind === "unary" && w.call === call) this.resume(task, { status, message: cs.last } satisfies UnaryResult);
      return true;
    }
    const ev: StreamEnd = { kind: "end", status, received: cs.received };
    if ((w?.kind === "recv" || w?.kind === "each") && w.call === call) this.resume(task, ev);
    else if (w?.kind === "probe" && w.call === call) this.resolveProbe(task, cs, status);
    else {
      cs.buffer.push(ev);
      this.calls.set(call, cs); // keep the buffered end for the next recv
    }
    return true;
  }

  onTimer(name: string): boolean {
    const id = this.timers.get(name);
    if (id === undefined) return name.startsWith(`${this.prefix}t`);
    this.timers.delete(name);
    const task = this.tasks.get(id);
    if (!task) return true;
    const w = task.waiting;
    if (w?.kind === "sleep" && w.timer === name) this.resume(task, undefined);
    else if (w?.kind === "probe" && w.timer === name) {
      const cs = this.calls.get(w.call);
      if (cs) this.resolveProbe(task, cs, null);
      else this.resume(task, null);
    } else if (w?.kind === "join" && w.timer === name) {
      this.tasks.get(w.task)?.joiners.delete(task.id);
      this.abort(w.task);
      this.resume(task, { timedOut: true } satisfies JoinResult);
    }
    return true;
  }

  // -- driving ------------------------------------------------------------------------------

  private isOurs(call: CallId): boolean {
    return call.startsWith(this.prefix);
  }

  private resolveProbe(task: Task, cs: CallState, status: GrpcStatus | null): void {
    // after the probe nobody reads the stream: it is left open, as Go leaves it
    cs.owner = null;
    cs.buffer = [];
    if (status === null) this.io.emit({ kind: "stopReading", call: cs.id });
    this.resume(task, status);
  }

  private resume(task: Task, value: unknown): void {
    this.clearWaiting(task);
    this.step(task, value);
  }

  private clearWaiting(task: Task): void {
    const w = task.waiting;
    task.waiting = null;
    if (!w) return;
    if ("timer" in w && this.timers.delete(w.timer)) this.io.emit({ kind: "clearTimer", timer: w.timer });
    if (w.kind === "wait") this.waiters.get(w.key)?.delete(task.id);
  }

  private timer(task: Task, ms: Millis): string {
    const name = `${this.prefix}t${this.nextTimer++}`;
    this.timers.set(name, task.id);
    this.io.emit({ kind: "setTimer", timer: name, afterMs: Math.max(0, ms) });
    return name;
  }

  private openCall(task: Task, target: string, method: MethodPath, request: unknown, unary: boolean, tag: string, deadlineAt: Millis | null): CallId {
    const id = `${this.prefix}c${this.nextCall++}`;
    this.calls.set(id, { id, owner: task.id, unary, tag, buffer: [], last: undefined, received: 0 });
    const effect: Effect = { kind: "call", call: id, target, method, request };
    if (deadlineAt !== null) effect.deadlineMs = Math.max(0, deadlineAt - this.io.now());
    this.io.emit(effect);
    return id;
  }

  private step(task: Task, input: unknown): void {
    let value = input;
    for (;;) {
      const r = task.gen.next(value);
      if (r.done) return this.finish(task, r.value);
      const op = r.value;
      switch (op.op) {
        case "open":
          value = this.openCall(task, op.target, op.method, op.request, false, op.tag, null);
          continue;
        case "recv": {
          const cs = this.calls.get(op.call);
          if (!cs) {
            value = { kind: "end", status: { code: Status.CANCELLED, details: "context canceled" }, received: 0 } satisfies RecvEvent;
            continue;
          }
          const next = cs.buffer.shift();
          if (next) {
            if (next.kind === "end") this.calls.delete(op.call);
            value = next;
            continue;
          }
          task.waiting = { kind: "recv", call: op.call };
          return;
        }
        case "each": {
          const cs = this.calls.get(op.call);
          if (!cs) {
            value = { kind: "end", status: { code: Status.CANCELLED, details: "context canceled" }, received: 0 } satisfies StreamEnd;
            continue;
          }
          // messages that came while the task did something else go first, as a recv loop reads them
          let next = cs.buffer.shift();
          while (next?.kind === "message") {
            op.onMessage(next.message);
            next = cs.buffer.shift();
          }
          if (next) {
            this.calls.delete(op.call);
            value = next;
            continue;
          }
          task.waiting = { kind: "each", call: op.call, onMessage: op.onMessage };
          return;
        }
        case "unary":
          task.waiting = { kind: "unary", call: this.openCall(task, op.target, op.method, op.request, true, op.tag, op.deadlineAt) };
          return;
        case "sleep":
          task.waiting = { kind: "sleep", timer: this.timer(task, op.ms) };
          return;
        case "probe": {
          const cs = this.calls.get(op.call);
          if (!cs) {
            value = { code: Status.CANCELLED, details: "context canceled" } satisfies GrpcStatus;
            continue;
          }
          const first = cs.buffer.shift();
          if (first) {
            cs.owner = null;
            cs.buffer = [];
            value = first.kind === "end" ? first.status : null;
            continue;
          }
          task.waiting = { kind: "probe", call: op.call, timer: this.timer(task, op.ms) };
          return;
        }
        case "join": {
          const other = this.tasks.get(op.task);
          if (!other) {
            value = { timedOut: false, result: this.results.get(op.task) } satisfies JoinResult;
            this.results.delete(op.task);
            continue;
          }
          other.joiners.add(task.id);
          task.waiting = { kind: "join", task: op.task, timer: this.timer(task, op.timeoutMs) };
          return;
        }
        case "wait": {
          let set = this.waiters.get(op.key);
          if (!set) this.waiters.set(op.key, (set = new Set()));
          set.add(task.id);
          task.waiting = { kind: "wait", key: op.key };
          return;
        }
      }
    }
  }

  private finish(task: Task, result: unknown): void {
    task.done = true;
    task.result = result;
    this.tasks.delete(task.id);
    // streams the program opened and did not finish reading are left open and unread
    for (const cs of this.calls.values()) if (cs.owner === task.id && !cs.unary) cs.owner = null;
    for (const j of task.joiners) {
      const joiner = this.tasks.get(j);
      if (joiner?.waiting?.kind === "join" && joiner.waiting.task === task.id) this.resume(joiner, { timedOut: false, result } satisfies JoinResult);
    }
    if (task.onDone) task.onDone(result);
    else if (task.joiners.size === 0) this.results.set(task.id, result);
  }

  /** Nobody reads this stream any more; it stays open (a Go stream whose context is never cancelled). */
  abandon(call: CallId): void {
    const cs = this.calls.get(call);
    if (!cs || cs.unary) return;
    cs.owner = null;
    cs.buffer = [];
  }
}
