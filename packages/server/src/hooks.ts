/**
 * The hooks the command path calls around every command (the server's guards before it, its
 * after-command hooks after), in the order they were added. A call through such a list costs
 * about a hundred instructions even when the hook returns at once (callgrind, 2026-11-23: four
 * guards and three after-command hooks were 13% of an INCR), so a hook that has nothing to do
 * most of the time (no client blocked, no message pending, no script busy) is switched off
 * while so: its module switches it on when work appears, and the hook switches itself off when
 * it finds none.
 */
export class Hooks<F> {
  /** The hooks switched on, in order: what the command path runs. Replaced, never mutated. */
  active: readonly F[] = [];
  private readonly all: F[] = [];
  private readonly off = new Set<F>();

  /** Adds a hook after the others (switched on unless `on` is false). */
  push(fn: F, on = true): void {
    this.all.push(fn);
    if (!on) this.off.add(fn);
    this.update();
  }

  /** Adds a hook before the others. */
  unshift(fn: F): void {
    this.all.unshift(fn);
    this.update();
  }

  /** Switches a hook on or off, keeping its place in the order. */
  switch(fn: F, on: boolean): void {
    if (this.off.has(fn) !== on) return;
    if (on) this.off.delete(fn);
    else this.off.add(fn);
    this.update();
  }

  private update(): void {
    this.active = this.all.filter((fn) => !this.off.has(fn));
  }
}
