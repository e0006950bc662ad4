/**
 * Hide sets (Prosser): the macro names a token came through, which it may not expand again.
 * Sets are shared and never mutated: a body token without one takes the expansion's set as is,
 * and unions are cached, so a runaway macro costs little memory per token.
 */
export class HideSets {
  private readonly unions = new WeakMap<
    ReadonlySet<string>,
    WeakMap<ReadonlySet<string>, ReadonlySet<string>>
  >();
  private readonly singletons = new Map<string, ReadonlySet<string>>();

  /** `a ∪ b`; the same pair of sets gives the same set object. */
  union(a: ReadonlySet<string> | undefined, b: ReadonlySet<string>): ReadonlySet<string> {
    if (!a || a.size === 0 || a === b) return b;
    let byB = this.unions.get(a);
    if (!byB) {
      byB = new WeakMap();
      this.unions.set(a, byB);
    }
    let merged = byB.get(b);
    if (!merged) {
      const set = new Set(a);
      for (const name of b) set.add(name);
      merged = set;
      byB.set(b, merged);
    }
    return merged;
  }

  /** `{name}`, one set object per name. */
  of(name: string): ReadonlySet<string> {
    let set = this.singletons.get(name);
    if (!set) {
      set = new Set([name]);
      this.singletons.set(name, set);
    }
    return set;
  }
}
