/**
 * The store's servers by name, and a record of what changed among them, so that a placement
 * that keeps its list of server snapshots between decisions (src/scheduler/placement.ts) can
 * bring the list up to date by looking at the servers that changed instead of at every server:
 * at 1,000 servers, reading each one's revision was a third of a placement.
 *
 * - `layout` moves whenever a server is added, replaced or deleted, however it is done (the
 *   map's own `set`, `delete` and `clear` count it), so a list taken at another layout is
 *   rebuilt from the whole table.
 * - Every change to what a snapshot reads of a server goes through `touch`, which bumps the
 *   server's revision and notes the server in `touched`; the last `RECENT` touches are kept,
 *   and a list further behind than that is rebuilt as well.
 */
import { ChangeRing, type ChangesSince } from "../core/change-ring.ts";
import type { Server } from "./model.ts";

/** Touches kept; a placement is rarely more than a few behind (a load, its agent's events). */
const RECENT = 256;

export class ServerTable extends Map<string, Server> {
  /** Moves on every addition, replacement and deletion of a server. */
  layout = 0;
  readonly #touched = new ChangeRing<Server>(RECENT);

  override set(name: string, server: Server): this {
    // `Map`'s constructor adds its entries with `set` before the fields above exist
    if (this.layout !== undefined && super.get(name) !== server) this.layout++;
    return super.set(name, server);
  }

  override delete(name: string): boolean {
    const had = super.delete(name);
    if (had) this.layout++;
    return had;
  }

  override clear(): void {
    if (this.size > 0) this.layout++;
    super.clear();
  }

  /** `server` is about to change what a placement snapshot reads of it (or of its replicas). */
  touch(server: Server): void {
    server.revision++;
    this.#touched.note(server);
  }

  /** The servers touched, as a reader that catches up reads them (a server touched twice is there twice). */
  get touched(): ChangesSince<Server> {
    return this.#touched;
  }
}
