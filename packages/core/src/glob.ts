/**
 * Redis's glob-style pattern matching (util.c stringmatchlen): `*`, `?`, `[abc]`, `[^a-z]`,
 * and `\` escapes, over binary strings, optionally case-insensitive. Used by KEYS, SCAN MATCH,
 * HSCAN/SSCAN/ZSCAN, PUBSUB and ACL key patterns. It follows Redis's loop step by step, edge
 * cases included (e.g. "*" does not match the empty string), and like Redis gives up early on
 * a failed '*' so patterns like "a*a*a*a*b" cannot take exponential time.
 */

export function globMatch(pattern: string, s: string, nocase = false): boolean {
  const skip = { longer: false };
  return match(pattern, 0, s, 0, nocase, skip, 0);
}

function fold(c: number, nocase: boolean): number {
  return nocase && c >= 65 && c <= 90 ? c + 32 : c;
}

function match(
  p: string,
  pi: number,
  s: string,
  si: number,
  nocase: boolean,
  skip: { longer: boolean },
  nesting: number,
): boolean {
  if (nesting > 1000) return false;
  const pend = p.length;
  const send = s.length;
  while (pi < pend && si < send) {
    switch (p.charCodeAt(pi)) {
      case 42 /* * */: {
        while (pi + 1 < pend && p.charCodeAt(pi + 1) === 42) pi++;
        if (pi + 1 === pend) return true;
        while (si < send) {
          if (match(p, pi + 1, s, si, nocase, skip, nesting + 1)) return true;
          if (skip.longer) return false;
          si++;
        }
        skip.longer = true;
        return false;
      }
      case 63 /* ? */:
        si++;
        break;
      case 91 /* [ */: {
        pi++;
        const not = p.charCodeAt(pi) === 94; /* ^ */
        if (not) pi++;
        let matched = false;
        const sc = s.charCodeAt(si);
        for (;;) {
          const pc = p.charCodeAt(pi);
          if (pc === 92 /* \ */ && pend - pi >= 2) {
            pi++;
            if (p.charCodeAt(pi) === sc) matched = true;
          } else if (pc === 93 /* ] */) {
            break;
          } else if (pi >= pend) {
            pi--;
            break;
          } else if (pend - pi >= 3 && p.charCodeAt(pi + 1) === 45 /* - */) {
            let start = p.charCodeAt(pi);
            let end = p.charCodeAt(pi + 2);
            if (start > end) [start, end] = [end, start];
            const c = fold(sc, nocase);
            if (c >= fold(start, nocase) && c <= fold(end, nocase)) matched = true;
            pi += 2;
          } else if (fold(pc, nocase) === fold(sc, nocase)) {
            matched = true;
          }
          pi++;
        }
        if (not) matched = !matched;
        if (!matched) return false;
        si++;
        break;
      }
      // An escaped char is matched literally (the '\' is skipped first).
      default:
        if (p.charCodeAt(pi) === 92 /* \ */ && pend - pi >= 2) pi++;
        if (fold(p.charCodeAt(pi), nocase) !== fold(s.charCodeAt(si), nocase)) return false;
        si++;
        break;
    }
    pi++;
    if (si === send) {
      while (pi < pend && p.charCodeAt(pi) === 42) pi++;
      break;
    }
  }
  return pi === pend && si === send;
}
