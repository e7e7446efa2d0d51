/**
 * The skiplist of a sorted set (t_zset.c zskiplist): nodes ordered by (score, member), where
 * members compare in byte order — binary strings (DESIGN "Bytes") compare with `<` exactly like
 * memcmp/sdscmp, shorter prefix first. Every forward link above the bottom level carries a span
 * (how many rank positions it jumps), so rank lookups and rank-indexed access are O(log N) like
 * Redis's.
 *
 * Layout, chosen for memory and for cache misses (a skiplist walk is pointer chasing): the bottom
 * level's link is a plain field (`next`; its span is always 1), and the levels above it live in
 * one array per node, [forward1, span1, forward2, span2, ...]. Three nodes in four have a single
 * level and so no array at all, and a hop costs one or two memory reads instead of Redis-in-JS's
 * three (node, forward array, span array).
 */

export const ZSKIPLIST_MAXLEVEL = 32;
const ZSKIPLIST_P = 0.25;

type Level = ZNode | number | null;

export class ZNode {
  backward: ZNode | null = null;
  /** The level-0 forward link. */
  next: ZNode | null = null;
  /** Levels 1 and up, as [forward, span] pairs; null for a node of level 1. */
  up: Level[] | null;

  constructor(
    public score: number,
    public ele: string,
    level: number,
  ) {
    if (level > 1) {
      const up = new Array<Level>(2 * (level - 1));
      for (let j = 0; j < up.length; j += 2) {
        up[j] = null;
        up[j + 1] = 0;
      }
      this.up = up;
    } else {
      this.up = null;
    }
  }

  get level(): number {
    return this.up === null ? 1 : 1 + (this.up.length >> 1);
  }

  /** The forward link at level i (for tests and diagnostics). */
  forwardAt(i: number): ZNode | null {
    return i === 0 ? this.next : (this.up![2 * (i - 1)] as ZNode | null);
  }

  /** The span at level i (level 0 spans 1 position when there is a next node). */
  spanAt(i: number): number {
    return i === 0 ? (this.next === null ? 0 : 1) : (this.up![2 * i - 1] as number);
  }
}

/** A score interval (zrangespec): min/max with exclusive flags. */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/**
 * One end of a lex interval (zlexrangespec): `inf` -1 is "-" (below every string), 1 is "+"
 * (above every string), 0 a real string bound in `value`.
 */
export interface LexBound {
  inf: -1 | 0 | 1;
  value: string;
  ex: boolean;
}

export interface LexRange {
  min: LexBound;
  max: LexBound;
}

export function valueGteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}

export function valueLteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}

/** sdscmplex: compares a member with a lex bound (the shared min/max strings act as -inf/+inf). */
function cmpLex(ele: string, b: LexBound): number {
  if (b.inf !== 0) return -b.inf;
  return ele < b.value ? -1 : ele > b.value ? 1 : 0;
}

export function lexGteMin(ele: string, r: LexRange): boolean {
  const c = cmpLex(ele, r.min);
  return r.min.ex ? c > 0 : c >= 0;
}

export function lexLteMax(ele: string, r: LexRange): boolean {
  const c = cmpLex(ele, r.max);
  return r.max.ex ? c < 0 : c <= 0;
}

/** True when no string can be inside the range (min above max, or equal and open). */
function lexRangeEmpty(r: LexRange): boolean {
  const a = r.min;
  const b = r.max;
  let cmp: number;
  if (a.inf === b.inf && a.inf !== 0) cmp = 0;
  else if (a.inf === -1 || b.inf === 1) cmp = -1;
  else if (a.inf === 1 || b.inf === -1) cmp = 1;
  else cmp = a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  return cmp > 0 || (cmp === 0 && (a.ex || b.ex));
}

function randomLevel(): number {
  let level = 1;
  while (level < ZSKIPLIST_MAXLEVEL && Math.random() < ZSKIPLIST_P) level++;
  return level;
}

/** A node-order predicate for descents: true while the search must keep moving forward. */
type Before = (n: ZNode) => boolean;

// Scratch arrays for insert/delete: commands run one at a time on a shard's thread.
const update: ZNode[] = [];
const rankAt: number[] = [];
for (let i = 0; i < ZSKIPLIST_MAXLEVEL; i++) rankAt.push(0);

export class SkipList {
  readonly header = new ZNode(0, '', 1);
  tail: ZNode | null = null;
  length = 0;
  level = 1;
  /**
   * Nodes stepped over by searches since creation. Not used by the engine: it lets tests check
   * that rank and range lookups do O(log N) work without timing anything.
   */
  visits = 0;

  constructor() {
    this.header.up = [];
  }

  first(): ZNode | null {
    return this.header.next;
  }

  /**
   * Fills an empty list with the pairs (scores[i], eles[i]) taken in `order`, which must be
   * ascending (score, ele) without repeats: each node is appended at the tail, so building N
   * nodes is O(N) instead of N searches. The levels are drawn as zslInsert draws them.
   */
  loadSorted(scores: ArrayLike<number>, eles: readonly (string | undefined)[], order: ArrayLike<number>): void {
    const header = this.header;
    const hup = header.up!;
    if (this.length !== 0) throw new Error('loadSorted on a non-empty skiplist');
    // update[i] / rankAt[i]: the last node seen at level i >= 1, and its rank.
    let prev = header;
    let level = this.level;
    const n = order.length;
    for (let k = 0; k < n; k++) {
      const idx = order[k]!;
      const nl = randomLevel();
      const node = new ZNode(scores[idx]!, eles[idx]!, nl);
      const rank = k + 1;
      prev.next = node;
      node.backward = prev === header ? null : prev;
      prev = node;
      if (nl > level) {
        for (let i = level; i < nl; i++) {
          hup.push(null, 0);
          update[i] = header;
          rankAt[i] = 0;
        }
        level = nl;
      }
      for (let i = 1; i < nl; i++) {
        const lu = update[i]!.up!;
        lu[2 * (i - 1)] = node;
        lu[2 * i - 1] = rank - rankAt[i]!;
        update[i] = node;
        rankAt[i] = rank;
      }
    }
    // A span past the last node of a level counts the nodes after it, as zslInsert keeps them.
    for (let i = 1; i < level; i++) update[i]!.up![2 * i - 1] = n - rankAt[i]!;
    this.tail = prev === header ? null : prev;
    this.length = n;
    this.level = level;
  }

  /** Inserts a (score, ele) pair known to be absent; returns its node (zslInsert). */
  insert(score: number, ele: string): ZNode {
    const header = this.header;
    let x = header;
    let rank = 0;
    let visits = 0;
    for (let i = this.level - 1; i >= 1; i--) {
      const j = 2 * (i - 1);
      let up = x.up!;
      let nx = up[j] as ZNode | null;
      while (nx !== null && (nx.score < score || (nx.score === score && nx.ele < ele))) {
        rank += up[j + 1] as number;
        x = nx;
        up = x.up!;
        nx = up[j] as ZNode | null;
        visits++;
      }
      rankAt[i] = rank;
      update[i] = x;
    }
    let nx = x.next;
    while (nx !== null && (nx.score < score || (nx.score === score && nx.ele < ele))) {
      rank++;
      x = nx;
      nx = x.next;
      visits++;
    }
    rankAt[0] = rank;
    update[0] = x;
    this.visits += visits;

    const level = randomLevel();
    if (level > this.level) {
      const hup = header.up!;
      for (let i = this.level; i < level; i++) {
        hup.push(null, this.length);
        rankAt[i] = 0;
        update[i] = header;
      }
      this.level = level;
    }
    const node = new ZNode(score, ele, level);
    node.next = x.next;
    x.next = node;
    const nup = node.up;
    for (let i = 1; i < level; i++) {
      const j = 2 * (i - 1);
      const uup = update[i]!.up!;
      nup![j] = uup[j]!;
      uup[j] = node;
      nup![j + 1] = (uup[j + 1] as number) - (rank - rankAt[i]!);
      uup[j + 1] = rank - rankAt[i]! + 1;
    }
    for (let i = level; i < this.level; i++) {
      const uup = update[i]!.up!;
      uup[2 * i - 1] = (uup[2 * i - 1] as number) + 1;
    }
    node.backward = x === header ? null : x;
    if (node.next !== null) node.next.backward = node;
    else this.tail = node;
    this.length++;
    return node;
  }

  /** Unlinks x given the predecessors at each level (zslDeleteNode). */
  private unlink(x: ZNode): void {
    update[0]!.next = x.next;
    const xup = x.up;
    for (let i = 1; i < this.level; i++) {
      const j = 2 * (i - 1);
      const uup = update[i]!.up!;
      if (uup[j] === x) {
        uup[j + 1] = (uup[j + 1] as number) + (xup![j + 1] as number) - 1;
        uup[j] = xup![j]!;
      } else {
        uup[j + 1] = (uup[j + 1] as number) - 1;
      }
    }
    if (x.next !== null) x.next.backward = x.backward;
    else this.tail = x.backward;
    const hup = this.header.up!;
    while (this.level > 1 && hup[2 * (this.level - 2)] === null) {
      hup.length -= 2;
      this.level--;
    }
    this.length--;
  }

  /**
   * Fills the scratch `update` with the last node at each level for which `before` holds, and
   * returns the one at level 0.
   */
  private descend(before: Before): ZNode {
    let x = this.header;
    let visits = 0;
    for (let i = this.level - 1; i >= 1; i--) {
      const j = 2 * (i - 1);
      let nx = x.up![j] as ZNode | null;
      while (nx !== null && before(nx)) {
        x = nx;
        nx = x.up![j] as ZNode | null;
        visits++;
      }
      update[i] = x;
    }
    let nx = x.next;
    while (nx !== null && before(nx)) {
      x = nx;
      nx = x.next;
      visits++;
    }
    update[0] = x;
    this.visits += visits;
    return x;
  }

  /** Fills `update` with the last node before (score, ele) at each level. */
  private findUpdate(score: number, ele: string): ZNode {
    let x = this.header;
    let visits = 0;
    for (let i = this.level - 1; i >= 1; i--) {
      const j = 2 * (i - 1);
      let nx = x.up![j] as ZNode | null;
      while (nx !== null && (nx.score < score || (nx.score === score && nx.ele < ele))) {
        x = nx;
        nx = x.up![j] as ZNode | null;
        visits++;
      }
      update[i] = x;
    }
    let nx = x.next;
    while (nx !== null && (nx.score < score || (nx.score === score && nx.ele < ele))) {
      x = nx;
      nx = x.next;
      visits++;
    }
    update[0] = x;
    this.visits += visits;
    return x;
  }

  /** Deletes the node holding (score, ele); returns false when absent (zslDelete). */
  delete(score: number, ele: string): boolean {
    const x = this.findUpdate(score, ele).next;
    if (x !== null && x.score === score && x.ele === ele) {
      this.unlink(x);
      return true;
    }
    return false;
  }

  /**
   * Changes the score of an existing (curscore, ele) (zslUpdateScore): in place when the node
   * stays between its neighbours, else removed and reinserted. Returns the node now holding ele.
   */
  updateScore(curscore: number, ele: string, newscore: number): ZNode {
    const x = this.findUpdate(curscore, ele).next;
    if (x === null || x.score !== curscore || x.ele !== ele) throw new Error('zset: updateScore of a missing element');
    const prev = x.backward;
    const next = x.next;
    if (
      (prev === null || prev.score < newscore || (prev.score === newscore && prev.ele < ele)) &&
      (next === null || next.score > newscore || (next.score === newscore && next.ele > ele))
    ) {
      x.score = newscore;
      return x;
    }
    this.unlink(x);
    return this.insert(newscore, ele);
  }

  /** 1-based rank of (score, ele), 0 when absent (zslGetRank). */
  getRank(score: number, ele: string): number {
    const header = this.header;
    let x = header;
    let rank = 0;
    let visits = 0;
    for (let i = this.level - 1; i >= 1; i--) {
      const j = 2 * (i - 1);
      let up = x.up!;
      let nx = up[j] as ZNode | null;
      while (nx !== null && (nx.score < score || (nx.score === score && nx.ele <= ele))) {
        rank += up[j + 1] as number;
        x = nx;
        up = x.up!;
        nx = up[j] as ZNode | null;
        visits++;
      }
      if (x !== header && x.score === score && x.ele === ele) {
        this.visits += visits;
        return rank;
      }
    }
    let nx = x.next;
    while (nx !== null && (nx.score < score || (nx.score === score && nx.ele <= ele))) {
      rank++;
      x = nx;
      nx = x.next;
      visits++;
    }
    this.visits += visits;
    return x !== header && x.score === score && x.ele === ele ? rank : 0;
  }

  /** The node at a 1-based rank, or null (zslGetElementByRank). */
  getByRank(rank: number): ZNode | null {
    const header = this.header;
    let x = header;
    let traversed = 0;
    let visits = 0;
    for (let i = this.level - 1; i >= 1; i--) {
      const j = 2 * (i - 1);
      let up = x.up!;
      let nx = up[j] as ZNode | null;
      while (nx !== null && traversed + (up[j + 1] as number) <= rank) {
        traversed += up[j + 1] as number;
        x = nx;
        up = x.up!;
        nx = up[j] as ZNode | null;
        visits++;
      }
      if (traversed === rank) {
        this.visits += visits;
        return x === header ? null : x;
      }
    }
    let nx = x.next;
    while (nx !== null && traversed < rank) {
      traversed++;
      x = nx;
      nx = x.next;
      visits++;
    }
    this.visits += visits;
    return traversed === rank && x !== header ? x : null;
  }

  // ---------------------------------------------------------------------------------------------
  // Score ranges

  isInRange(r: ScoreRange): boolean {
    if (r.min > r.max || (r.min === r.max && (r.minex || r.maxex))) return false;
    const t = this.tail;
    if (t === null || !valueGteMin(t.score, r)) return false;
    const f = this.header.next;
    return f !== null && valueLteMax(f.score, r);
  }

  firstInRange(r: ScoreRange): ZNode | null {
    if (!this.isInRange(r)) return null;
    const n = this.descend((n) => !valueGteMin(n.score, r)).next;
    return n !== null && valueLteMax(n.score, r) ? n : null;
  }

  lastInRange(r: ScoreRange): ZNode | null {
    if (!this.isInRange(r)) return null;
    const x = this.descend((n) => valueLteMax(n.score, r));
    return x !== this.header && valueGteMin(x.score, r) ? x : null;
  }

  // ---------------------------------------------------------------------------------------------
  // Lex ranges (meaningful when all scores are equal, as in Redis)

  isInLexRange(r: LexRange): boolean {
    if (lexRangeEmpty(r)) return false;
    const t = this.tail;
    if (t === null || !lexGteMin(t.ele, r)) return false;
    const f = this.header.next;
    return f !== null && lexLteMax(f.ele, r);
  }

  firstInLexRange(r: LexRange): ZNode | null {
    if (!this.isInLexRange(r)) return null;
    const n = this.descend((n) => !lexGteMin(n.ele, r)).next;
    return n !== null && lexLteMax(n.ele, r) ? n : null;
  }

  lastInLexRange(r: LexRange): ZNode | null {
    if (!this.isInLexRange(r)) return null;
    const x = this.descend((n) => lexLteMax(n.ele, r));
    return x !== this.header && lexGteMin(x.ele, r) ? x : null;
  }

  // ---------------------------------------------------------------------------------------------
  // Range deletion: O(log N + M). onRemove sees each removed member (to drop it from the dict).

  /** Removes nodes from the one after `update[0]` while `inRange` holds. */
  private deleteWhile(inRange: (n: ZNode) => boolean, onRemove: (ele: string) => void): number {
    let n = update[0]!.next;
    let removed = 0;
    while (n !== null && inRange(n)) {
      const next = n.next;
      this.unlink(n);
      onRemove(n.ele);
      removed++;
      n = next;
    }
    return removed;
  }

  deleteRangeByScore(r: ScoreRange, onRemove: (ele: string) => void): number {
    this.descend((n) => !valueGteMin(n.score, r));
    return this.deleteWhile((n) => valueLteMax(n.score, r), onRemove);
  }

  deleteRangeByLex(r: LexRange, onRemove: (ele: string) => void): number {
    this.descend((n) => !lexGteMin(n.ele, r));
    return this.deleteWhile((n) => lexLteMax(n.ele, r), onRemove);
  }

  /** Deletes 1-based ranks start..end inclusive (zslDeleteRangeByRank). */
  deleteRangeByRank(start: number, end: number, onRemove: (ele: string) => void): number {
    let x = this.header;
    let traversed = 0;
    for (let i = this.level - 1; i >= 1; i--) {
      const j = 2 * (i - 1);
      let up = x.up!;
      let nx = up[j] as ZNode | null;
      while (nx !== null && traversed + (up[j + 1] as number) < start) {
        traversed += up[j + 1] as number;
        x = nx;
        up = x.up!;
        nx = up[j] as ZNode | null;
      }
      update[i] = x;
    }
    let nx = x.next;
    while (nx !== null && traversed + 1 < start) {
      traversed++;
      x = nx;
      nx = x.next;
    }
    update[0] = x;
    traversed++;
    return this.deleteWhile(() => traversed++ <= end, onRemove);
  }
}
