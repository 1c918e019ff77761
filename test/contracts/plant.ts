/**
 * Deliberately broken fakes: our own component, with what it sends changed by one rule. The rule
 * sees each effect with the method of its call and may rewrite it or drop it (null).
 */
import type { Component, Effect, Input, MethodPath } from "../../src/core/protocol.ts";
import type { Engine, Proc } from "../../src/runtime/engine.ts";

export interface EffectContext {
  /** Method of the call an effect belongs to (ours or one we serve). */
  method: MethodPath | undefined;
  now: number;
}

export type Rewrite = (e: Effect, ctx: EffectContext) => Effect | Effect[] | null;

/** Methods that hand back effects besides `handle` (the controller's apply and delete). */
const EFFECT_METHODS = ["handle", "apply", "delete"];

export function plant(role: string, rewrite: Rewrite): NonNullable<Engine["wrap"]> {
  return (inner: Component, proc: Proc): Component => {
    if (proc.role !== role) return inner;
    const methods = new Map<string, MethodPath>();
    const rewriteAll = (effects: Effect[], now: number): Effect[] => {
      const out: Effect[] = [];
      for (const e of effects) {
        if (e.kind === "call") methods.set(e.call, e.method);
        const method = "call" in e ? methods.get(e.call) : undefined;
        const r = rewrite(e, { method, now });
        if (Array.isArray(r)) out.push(...r);
        else if (r) out.push(r);
      }
      return out;
    };
    return new Proxy(inner, {
      get(target, key) {
        const v = Reflect.get(target, key);
        if (typeof key !== "string" || !EFFECT_METHODS.includes(key) || typeof v !== "function") return v;
        return (...args: unknown[]) => {
          if (key === "handle") {
            const input = args[0] as Input;
            if (input.kind === "incoming") methods.set(input.call, input.method);
          }
          const last = key === "handle" ? args[1] : args[args.length - 1];
          const now = typeof last === "number" ? last : 0;
          return rewriteAll((v as (...a: unknown[]) => Effect[]).apply(target, args), now);
        };
      },
    });
  };
}

export const isMethod = (ctx: EffectContext, name: string) => ctx.method?.endsWith(`/${name}`) ?? false;

/** A request or reply message, rewritten; other effects as they are. */
export function mapMessage(e: Effect, f: (m: Record<string, any>) => Record<string, any> | null): Effect | null {
  if (e.kind === "call" && e.request !== undefined) {
    const m = f(structuredClone(e.request) as Record<string, any>);
    return m === null ? null : { ...e, request: m };
  }
  if (e.kind === "send" || e.kind === "reply") {
    const m = f(structuredClone(e.message) as Record<string, any>);
    return m === null ? null : { ...e, message: m };
  }
  return e;
}
