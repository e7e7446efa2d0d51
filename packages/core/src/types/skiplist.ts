/**
 * The skiplist of a sorted set (t_zset.c zskiplist): nodes ordered by (score, member), where
 * members compare in byte order — binary strings (DESIGN "Bytes") compare with `<` exactly like
 * memcmp/sdscmp, shorter prefix first. Every forward link carries a span (how many rank positions
 * it jumps), so rank lookups and rank-indexed access are O(log N) like Redis's.
 *
 * Nodes keep their levels in two parallel arrays (forward links and spans) sized to the node's
 * level; the header grows its arrays as the list's level grows instead of reserving 32 levels up
 * front, because most sorted sets are small.
 */

export const ZSKIPLIST_MAXLEVEL = 32;
const ZSKIPLIST_P = 0.25;

export class ZNode {
  backward: ZNode | null = null;
  readonly forward: (ZNode | null)[];
  readonly span: number[];
  constructor(
    public score: number,
    public ele: string,
    level: number,
  ) {
    this.forward = new Array<ZNode | null>(level).fill(null);
    this.span = new Array<number>(level).fill(0);
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

// Scratch arrays for insert/delete: commands run one at a time on a shard's thread.
const update: ZNode[] = new Array<ZNode>(ZSKIPLIST_MAXLEVEL);
const rankAt: number[] = new Array<number>(ZSKIPLIST_MAXLEVEL).fill(0);

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

  first(): ZNode | null {
    return this.header.forward[0]!;
  }

  /** Inserts a (score, ele) pair known to be absent; returns its node (zslInsert). */
  insert(score: number, ele: string): ZNode {
    const header = this.header;
    let x = header;
    let visits = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      rankAt[i] = i === this.level - 1 ? 0 : rankAt[i + 1]!;
      let next = x.forward[i]!;
      while (next !== null && (next.score < score || (next.score === score && next.ele < ele))) {
        rankAt[i]! += x.span[i]!;
        x = next;
        next = x.forward[i]!;
        visits++;
      }
      update[i] = x;
    }
    this.visits += visits;
    const level = randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        header.forward.push(null);
        header.span.push(this.length);
        rankAt[i] = 0;
        update[i] = header;
      }
      this.level = level;
    }
    const node = new ZNode(score, ele, level);
    for (let i = 0; i < level; i++) {
      const u = update[i]!;
      node.forward[i] = u.forward[i]!;
      u.forward[i] = node;
      node.span[i] = u.span[i]! - (rankAt[0]! - rankAt[i]!);
      u.span[i] = rankAt[0]! - rankAt[i]! + 1;
    }
    for (let i = level; i < this.level; i++) update[i]!.span[i]!++;
    node.backward = update[0] === header ? null : update[0]!;
    const next = node.forward[0]!;
    if (next !== null) next.backward = node;
    else this.tail = node;
    this.length++;
    return node;
  }

  /** Unlinks x given the predecessors at each level (zslDeleteNode). */
  private unlink(x: ZNode, upd: ZNode[]): void {
    for (let i = 0; i < this.level; i++) {
      const u = upd[i]!;
      if (u.forward[i] === x) {
        u.span[i]! += x.span[i]! - 1;
        u.forward[i] = x.forward[i]!;
      } else {
        u.span[i]!--;
      }
    }
    const next = x.forward[0]!;
    if (next !== null) next.backward = x.backward;
    else this.tail = x.backward;
    const header = this.header;
    while (this.level > 1 && header.forward[this.level - 1] === null) {
      header.forward.pop();
      header.span.pop();
      this.level--;
    }
    this.length--;
  }

  /** Fills the scratch `update` with the last node before (score, ele) at each level. */
  private findUpdate(score: number, ele: string): ZNode {
    let x = this.header;
    let visits = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]!;
      while (next !== null && (next.score < score || (next.score === score && next.ele < ele))) {
        x = next;
        next = x.forward[i]!;
        visits++;
      }
      update[i] = x;
    }
    this.visits += visits;
    return x;
  }

  /** Deletes the node holding (score, ele); returns false when absent (zslDelete). */
  delete(score: number, ele: string): boolean {
    const x = this.findUpdate(score, ele).forward[0]!;
    if (x !== null && x.score === score && x.ele === ele) {
      this.unlink(x, update);
      return true;
    }
    return false;
  }

  /**
   * Changes the score of an existing (curscore, ele) (zslUpdateScore): in place when the node
   * stays between its neighbours, else removed and reinserted. Returns the node now holding ele.
   */
  updateScore(curscore: number, ele: string, newscore: number): ZNode {
    const x = this.findUpdate(curscore, ele).forward[0]!;
    if (x === null || x.score !== curscore || x.ele !== ele) throw new Error('zset: updateScore of a missing element');
    const prev = x.backward;
    const next = x.forward[0]!;
    if (
      (prev === null || prev.score < newscore || (prev.score === newscore && prev.ele < ele)) &&
      (next === null || next.score > newscore || (next.score === newscore && next.ele > ele))
    ) {
      x.score = newscore;
      return x;
    }
    this.unlink(x, update);
    return this.insert(newscore, ele);
  }

  /** 1-based rank of (score, ele), 0 when absent (zslGetRank). */
  getRank(score: number, ele: string): number {
    let x = this.header;
    let rank = 0;
    let visits = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]!;
      while (next !== null && (next.score < score || (next.score === score && next.ele <= ele))) {
        rank += x.span[i]!;
        x = next;
        next = x.forward[i]!;
        visits++;
      }
      if (x !== this.header && x.score === score && x.ele === ele) {
        this.visits += visits;
        return rank;
      }
    }
    this.visits += visits;
    return 0;
  }

  /** The node at a 1-based rank, or null (zslGetElementByRank). */
  getByRank(rank: number): ZNode | null {
    let x = this.header;
    let traversed = 0;
    let visits = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]!;
      while (next !== null && traversed + x.span[i]! <= rank) {
        traversed += x.span[i]!;
        x = next;
        next = x.forward[i]!;
        visits++;
      }
      if (traversed === rank) {
        this.visits += visits;
        return x === this.header ? null : x;
      }
    }
    this.visits += visits;
    return null;
  }

  // ---------------------------------------------------------------------------------------------
  // Score ranges

  isInRange(r: ScoreRange): boolean {
    if (r.min > r.max || (r.min === r.max && (r.minex || r.maxex))) return false;
    const t = this.tail;
    if (t === null || !valueGteMin(t.score, r)) return false;
    const f = this.header.forward[0]!;
    return f !== null && valueLteMax(f.score, r);
  }

  firstInRange(r: ScoreRange): ZNode | null {
    if (!this.isInRange(r)) return null;
    let x = this.header;
    let visits = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]!;
      while (next !== null && !valueGteMin(next.score, r)) {
        x = next;
        next = x.forward[i]!;
        visits++;
      }
    }
    this.visits += visits;
    const n = x.forward[0]!;
    return n !== null && valueLteMax(n.score, r) ? n : null;
  }

  lastInRange(r: ScoreRange): ZNode | null {
    if (!this.isInRange(r)) return null;
    let x = this.header;
    let visits = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]!;
      while (next !== null && valueLteMax(next.score, r)) {
        x = next;
        next = x.forward[i]!;
        visits++;
      }
    }
    this.visits += visits;
    return x !== this.header && valueGteMin(x.score, r) ? x : null;
  }

  // ---------------------------------------------------------------------------------------------
  // Lex ranges (meaningful when all scores are equal, as in Redis)

  isInLexRange(r: LexRange): boolean {
    if (lexRangeEmpty(r)) return false;
    const t = this.tail;
    if (t === null || !lexGteMin(t.ele, r)) return false;
    const f = this.header.forward[0]!;
    return f !== null && lexLteMax(f.ele, r);
  }

  firstInLexRange(r: LexRange): ZNode | null {
    if (!this.isInLexRange(r)) return null;
    let x = this.header;
    let visits = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]!;
      while (next !== null && !lexGteMin(next.ele, r)) {
        x = next;
        next = x.forward[i]!;
        visits++;
      }
    }
    this.visits += visits;
    const n = x.forward[0]!;
    return n !== null && lexLteMax(n.ele, r) ? n : null;
  }

  lastInLexRange(r: LexRange): ZNode | null {
    if (!this.isInLexRange(r)) return null;
    let x = this.header;
    let visits = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]!;
      while (next !== null && lexLteMax(next.ele, r)) {
        x = next;
        next = x.forward[i]!;
        visits++;
      }
    }
    this.visits += visits;
    return x !== this.header && lexGteMin(x.ele, r) ? x : null;
  }

  // ---------------------------------------------------------------------------------------------
  // Range deletion: O(log N + M). onRemove sees each removed member (to drop it from the dict).

  deleteRangeByScore(r: ScoreRange, onRemove: (ele: string) => void): number {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]!;
      while (next !== null && !valueGteMin(next.score, r)) {
        x = next;
        next = x.forward[i]!;
      }
      update[i] = x;
    }
    let n = x.forward[0]!;
    let removed = 0;
    while (n !== null && valueLteMax(n.score, r)) {
      const next = n.forward[0]!;
      this.unlink(n, update);
      onRemove(n.ele);
      removed++;
      n = next;
    }
    return removed;
  }

  deleteRangeByLex(r: LexRange, onRemove: (ele: string) => void): number {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]!;
      while (next !== null && !lexGteMin(next.ele, r)) {
        x = next;
        next = x.forward[i]!;
      }
      update[i] = x;
    }
    let n = x.forward[0]!;
    let removed = 0;
    while (n !== null && lexLteMax(n.ele, r)) {
      const next = n.forward[0]!;
      this.unlink(n, update);
      onRemove(n.ele);
      removed++;
      n = next;
    }
    return removed;
  }

  /** Deletes 1-based ranks start..end inclusive (zslDeleteRangeByRank). */
  deleteRangeByRank(start: number, end: number, onRemove: (ele: string) => void): number {
    let x = this.header;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]!;
      while (next !== null && traversed + x.span[i]! < start) {
        traversed += x.span[i]!;
        x = next;
        next = x.forward[i]!;
      }
      update[i] = x;
    }
    traversed++;
    let n = x.forward[0]!;
    let removed = 0;
    while (n !== null && traversed <= end) {
      const next = n.forward[0]!;
      this.unlink(n, update);
      onRemove(n.ele);
      removed++;
      traversed++;
      n = next;
    }
    return removed;
  }
}
