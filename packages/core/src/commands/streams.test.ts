import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testEngine } from '../../test/util.ts';
import { ErrorReply } from '../errors.ts';
import { MapReply, NULL_ARRAY, SetReply, Status, type Reply } from '../reply.ts';
import type { Effect } from '../engine/shard.ts';

/** A reply as compact text: bulk strings quoted, :int, +status, !error, (nil), (nilarr), [..]. */
function show(r: Reply): string {
  if (r === null) return '(nil)';
  if (r === NULL_ARRAY) return '(nilarr)';
  if (typeof r === 'string') return JSON.stringify(r);
  if (typeof r === 'number' || typeof r === 'bigint') return `:${r}`;
  if (r instanceof ErrorReply) return `!${r.message}`;
  if (r instanceof Status) return `+${r.text}`;
  if (r instanceof MapReply) return '[' + r.entries.map(show).join(',') + ']';
  if (r instanceof SetReply) return '[' + r.items.map(show).join(',') + ']';
  if (Array.isArray(r)) return '[' + r.map(show).join(',') + ']';
  return String(r);
}

function argvOf(line: string): string[] {
  return (line.match(/'[^']*'|\S+/g) ?? []).map((a) => (a.startsWith("'") ? a.slice(1, -1) : a));
}

/**
 * Scripts whose replies were compared with redis-server 7.0.15; where 7.0 and 7.2 differ the
 * expectation is 7.2's (t_stream.c of 7.2.6): XADD <ms>-* on a full sequence says "equal or
 * smaller", XSETID checks max_deleted_entry_id first, "Unbalanced 'xread'", "Print this help.",
 * XINFO CONSUMERS "inactive" and FULL "active-time". The clock is fixed at 1700000000000.
 */
function script(cases: [string, string][]) {
  const now = 1_700_000_000_000;
  const { run } = testEngine({ clock: () => now });
  for (const [line, expected] of cases) expect(`${line} -> ${show(run(...argvOf(line)))}`).toBe(`${line} -> ${expected}`);
}

describe('streams: scripted against redis-server', () => {
  it('XADD IDs and options, XRANGE/XREVRANGE, XDEL, XLEN, XSETID, WRONGTYPE', () => {
    script([
    ["XADD s 1-1 a 1", "\"1-1\""],
    ["XADD s 1-1 a 1", "!ERR The ID specified in XADD is equal or smaller than the target stream top item"],
    ["XADD s 1 a 1", "!ERR The ID specified in XADD is equal or smaller than the target stream top item"],
    ["XADD s 1-* b 2", "\"1-2\""],
    ["XADD s 1-* b 2 c 3", "\"1-3\""],
    ["XADD s 0-0 a 1", "!ERR The ID specified in XADD must be greater than 0-0"],
    ["XADD s2 0-* a 1", "\"0-1\""],
    ["XADD s 5-18446744073709551615 a 1", "\"5-18446744073709551615\""],
    ["XADD s 5-* a 1", "!ERR The ID specified in XADD is equal or smaller than the target stream top item"],
    ["XADD s 18446744073709551615-18446744073709551614 a 1", "\"18446744073709551615-18446744073709551614\""],
    ["XADD s 18446744073709551615-* a 1", "\"18446744073709551615-18446744073709551615\""],
    ["XADD s 18446744073709551615-* a 1", "!ERR The stream has exhausted the last possible ID, unable to add more items"],
    ["XADD s * a 1", "!ERR The stream has exhausted the last possible ID, unable to add more items"],
    ["XADD s 18446744073709551616-0 a 1", "!ERR Invalid stream ID specified as stream command argument"],
    ["XADD s2 -1 a 1", "!ERR Invalid stream ID specified as stream command argument"],
    ["XADD s2 ' 5' a 1", "\"5-0\""],
    ["XADD s2 +6 a 1", "\"6-0\""],
    ["XADD s2 007-3 a 1", "\"7-3\""],
    ["XADD s2 8- a 1", "!ERR Invalid stream ID specified as stream command argument"],
    ["XADD s2 -5-1 a 1", "!ERR Invalid stream ID specified as stream command argument"],
    ["XADD s2 - a 1", "!ERR Invalid stream ID specified as stream command argument"],
    ["XADD s2 + a 1", "!ERR Invalid stream ID specified as stream command argument"],
    ["XADD s2 10 a", "!ERR wrong number of arguments for 'xadd' command"],
    ["XADD s2 10 a b c", "!ERR wrong number of arguments for 'xadd' command"],
    ["XADD s2 MAXLEN a", "!ERR wrong number of arguments for 'xadd' command"],
    ["XADD s2 MAXLEN -1 * a b", "!ERR The MAXLEN argument must be >= 0."],
    ["XADD s2 MAXLEN 1 MINID 1 * a b", "!ERR syntax error, MAXLEN and MINID options at the same time are not compatible"],
    ["XADD s2 LIMIT 10 * a b", "!ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"],
    ["XADD s2 LIMIT 0 * a b", "!ERR syntax error, LIMIT cannot be used without the special ~ option"],
    ["XADD s2 MAXLEN 5 LIMIT 10 * a b", "!ERR syntax error, LIMIT cannot be used without the special ~ option"],
    ["XADD s2 MAXLEN ~ 5 LIMIT -1 * a b", "!ERR The LIMIT argument must be >= 0."],
    ["XADD s2 MAXLEN ~ 5 LIMIT 10 100 a b", "\"100-0\""],
    ["XADD nos NOMKSTREAM * a b", "(nil)"],
    ["EXISTS nos", ":0"],
    ["XLEN s", ":6"],
    ["XLEN s2", ":5"],
    ["XLEN nokey", ":0"],
    ["XRANGE s - +", "[[\"1-1\",[\"a\",\"1\"]],[\"1-2\",[\"b\",\"2\"]],[\"1-3\",[\"b\",\"2\",\"c\",\"3\"]],[\"5-18446744073709551615\",[\"a\",\"1\"]],[\"18446744073709551615-18446744073709551614\",[\"a\",\"1\"]],[\"18446744073709551615-18446744073709551615\",[\"a\",\"1\"]]]"],
    ["XREVRANGE s + -", "[[\"18446744073709551615-18446744073709551615\",[\"a\",\"1\"]],[\"18446744073709551615-18446744073709551614\",[\"a\",\"1\"]],[\"5-18446744073709551615\",[\"a\",\"1\"]],[\"1-3\",[\"b\",\"2\",\"c\",\"3\"]],[\"1-2\",[\"b\",\"2\"]],[\"1-1\",[\"a\",\"1\"]]]"],
    ["XRANGE s - + COUNT 2", "[[\"1-1\",[\"a\",\"1\"]],[\"1-2\",[\"b\",\"2\"]]]"],
    ["XRANGE s - + COUNT 0", "(nilarr)"],
    ["XRANGE s - + COUNT -1", "(nilarr)"],
    ["XRANGE s (1-1 +", "[[\"1-2\",[\"b\",\"2\"]],[\"1-3\",[\"b\",\"2\",\"c\",\"3\"]],[\"5-18446744073709551615\",[\"a\",\"1\"]],[\"18446744073709551615-18446744073709551614\",[\"a\",\"1\"]],[\"18446744073709551615-18446744073709551615\",[\"a\",\"1\"]]]"],
    ["XRANGE s - (5-18446744073709551615", "[[\"1-1\",[\"a\",\"1\"]],[\"1-2\",[\"b\",\"2\"]],[\"1-3\",[\"b\",\"2\",\"c\",\"3\"]]]"],
    ["XRANGE s (18446744073709551615-18446744073709551615 +", "!ERR invalid start ID for the interval"],
    ["XRANGE s - (0-0", "!ERR invalid end ID for the interval"],
    ["XRANGE s 1 1", "[[\"1-1\",[\"a\",\"1\"]],[\"1-2\",[\"b\",\"2\"]],[\"1-3\",[\"b\",\"2\",\"c\",\"3\"]]]"],
    ["XREVRANGE s 5 1", "[[\"5-18446744073709551615\",[\"a\",\"1\"]],[\"1-3\",[\"b\",\"2\",\"c\",\"3\"]],[\"1-2\",[\"b\",\"2\"]],[\"1-1\",[\"a\",\"1\"]]]"],
    ["XRANGE s - + COUNT", "!ERR syntax error"],
    ["XRANGE s - + FOO 1", "!ERR syntax error"],
    ["XRANGE s (- +", "!ERR Invalid stream ID specified as stream command argument"],
    ["XRANGE s x +", "!ERR Invalid stream ID specified as stream command argument"],
    ["XRANGE nokey - +", "[]"],
    ["XRANGE nokey - + COUNT 0", "[]"],
    ["SET str v", "+OK"],
    ["XADD str * a b", "!WRONGTYPE Operation against a key holding the wrong kind of value"],
    ["XRANGE str - +", "!WRONGTYPE Operation against a key holding the wrong kind of value"],
    ["XLEN str", "!WRONGTYPE Operation against a key holding the wrong kind of value"],
    ["XDEL s 1-1 1-2 99-0", ":2"],
    ["XDEL s bad", "!ERR Invalid stream ID specified as stream command argument"],
    ["XDEL nokey 1", ":0"],
    ["XRANGE s - +", "[[\"1-3\",[\"b\",\"2\",\"c\",\"3\"]],[\"5-18446744073709551615\",[\"a\",\"1\"]],[\"18446744073709551615-18446744073709551614\",[\"a\",\"1\"]],[\"18446744073709551615-18446744073709551615\",[\"a\",\"1\"]]]"],
    ["XDEL s 18446744073709551615-18446744073709551615 18446744073709551615-0 5-18446744073709551615 5-0 1-0 1-3", ":3"],
    ["XLEN s", ":1"],
    ["EXISTS s", ":1"],
    ["XRANGE s - +", "[[\"18446744073709551615-18446744073709551614\",[\"a\",\"1\"]]]"],
    ["TYPE s", "+stream"],
    ["OBJECT ENCODING s", "\"stream\""],
    ["XADD s 1-1 a 1", "!ERR The stream has exhausted the last possible ID, unable to add more items"],
    ["XSETID s 1-0", "!ERR The ID specified in XSETID is smaller than current max_deleted_entry_id"],
    ["XSETID s 2-0", "!ERR The ID specified in XSETID is smaller than current max_deleted_entry_id"],
    ["XSETID nokey 2-0", "!ERR no such key"],
    ["XSETID s 18446744073709551615-18446744073709551615 ENTRIESADDED 3 MAXDELETEDID 1-0", "+OK"],
    ["XSETID s 18446744073709551615-18446744073709551615 ENTRIESADDED -1", "!ERR entries_added must be positive"],
    ["XSETID s 1-0 MAXDELETEDID 2-0", "!ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"],
    ["XSETID s 5 FOO", "!ERR syntax error"],
    ["XINFO STREAM s", "[\"length\",:1,\"radix-tree-keys\",:1,\"radix-tree-nodes\",:2,\"last-generated-id\",\"18446744073709551615-18446744073709551615\",\"max-deleted-entry-id\",\"1-0\",\"entries-added\",:3,\"recorded-first-entry-id\",\"18446744073709551615-18446744073709551614\",\"groups\",:0,\"first-entry\",[\"18446744073709551615-18446744073709551614\",[\"a\",\"1\"]],\"last-entry\",[\"18446744073709551615-18446744073709551614\",[\"a\",\"1\"]]]"],
    ]);
  });

  it('consumer groups: XGROUP, XREADGROUP, XPENDING, XACK, XCLAIM, XAUTOCLAIM, XINFO', () => {
    script([
    ["XADD s 1-1 a 1", "\"1-1\""],
    ["XADD s 2-1 b 2", "\"2-1\""],
    ["XADD s 3-1 c 3", "\"3-1\""],
    ["XADD s 4-1 d 4", "\"4-1\""],
    ["XGROUP CREATE s g 0", "+OK"],
    ["XGROUP CREATE s g 0", "!BUSYGROUP Consumer Group name already exists"],
    ["XGROUP CREATE s g2 $", "+OK"],
    ["XGROUP CREATE nokey g $", "!ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."],
    ["XGROUP CREATE nokey g $ MKSTREAM", "+OK"],
    ["XGROUP CREATE nokey2 g $ MKSTREAM ENTRIESREAD -3", "!ERR value for ENTRIESREAD must be positive or -1"],
    ["XGROUP CREATE nokey2 g $ MKSTREAM ENTRIESREAD 5 FOO", "!ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP."],
    ["XGROUP CREATE s g3 - ENTRIESREAD 2", "!ERR Invalid stream ID specified as stream command argument"],
    ["XGROUP CREATE s g3 + ENTRIESREAD 2", "!ERR Invalid stream ID specified as stream command argument"],
    ["XGROUP CREATE s g4 bad", "!ERR Invalid stream ID specified as stream command argument"],
    ["XGROUP FOO s g", "!ERR unknown subcommand 'FOO'. Try XGROUP HELP."],
    ["XGROUP CREATE s", "!ERR wrong number of arguments for 'xgroup|create' command"],
    ["XGROUP SETID s nog 0", "!NOGROUP No such consumer group 'nog' for key name 's'"],
    ["XGROUP SETID s g3 - ENTRIESREAD 1", "!NOGROUP No such consumer group 'g3' for key name 's'"],
    ["XGROUP SETID s g3 0 ENTRIESREAD 1 MKSTREAM", "!ERR unknown subcommand or wrong number of arguments for 'SETID'. Try XGROUP HELP."],
    ["XGROUP CREATECONSUMER s g alice", ":1"],
    ["XGROUP CREATECONSUMER s g alice", ":0"],
    ["XGROUP CREATECONSUMER s nog alice", "!NOGROUP No such consumer group 'nog' for key name 's'"],
    ["XINFO GROUPS s", "[[\"name\",\"g\",\"consumers\",:1,\"pending\",:0,\"last-delivered-id\",\"0-0\",\"entries-read\",(nil),\"lag\",:4],[\"name\",\"g2\",\"consumers\",:0,\"pending\",:0,\"last-delivered-id\",\"4-1\",\"entries-read\",(nil),\"lag\",:0]]"],
    ["XREADGROUP GROUP g alice COUNT 2 STREAMS s >", "[[\"s\",[[\"1-1\",[\"a\",\"1\"]],[\"2-1\",[\"b\",\"2\"]]]]]"],
    ["XREADGROUP GROUP g bob STREAMS s >", "[[\"s\",[[\"3-1\",[\"c\",\"3\"]],[\"4-1\",[\"d\",\"4\"]]]]]"],
    ["XREADGROUP GROUP g bob STREAMS s >", "(nilarr)"],
    ["XREADGROUP GROUP g alice STREAMS s 0", "[[\"s\",[[\"1-1\",[\"a\",\"1\"]],[\"2-1\",[\"b\",\"2\"]]]]]"],
    ["XREADGROUP GROUP g alice STREAMS s 1-1", "[[\"s\",[[\"2-1\",[\"b\",\"2\"]]]]]"],
    ["XREADGROUP GROUP g alice COUNT 1 STREAMS s 0", "[[\"s\",[[\"1-1\",[\"a\",\"1\"]]]]]"],
    ["XREADGROUP GROUP nog alice STREAMS s >", "!NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option"],
    ["XREADGROUP GROUP g alice STREAMS s $", "!ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."],
    ["XREAD STREAMS s >", "!ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."],
    ["XREAD STREAMS s $", "(nilarr)"],
    ["XREAD STREAMS s 0", "[[\"s\",[[\"1-1\",[\"a\",\"1\"]],[\"2-1\",[\"b\",\"2\"]],[\"3-1\",[\"c\",\"3\"]],[\"4-1\",[\"d\",\"4\"]]]]]"],
    ["XREAD COUNT 2 STREAMS s nokey 0 0", "[[\"s\",[[\"1-1\",[\"a\",\"1\"]],[\"2-1\",[\"b\",\"2\"]]]]]"],
    ["XREAD COUNT 2 STREAMS s", "!ERR Unbalanced 'xread' list of streams: for each stream key an ID or '$' must be specified."],
    ["XREAD GROUP g a STREAMS s 0", "!ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."],
    ["XREAD NOACK STREAMS s 0", "!ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."],
    ["XREADGROUP STREAMS s 0", "!ERR wrong number of arguments for 'xreadgroup' command"],
    ["XREADGROUP GROUP g a FOO STREAMS s 0", "!ERR syntax error"],
    ["XREAD BLOCK -1 STREAMS s 0", "!ERR timeout is negative"],
    ["XREAD BLOCK abc STREAMS s 0", "!ERR timeout is not an integer or out of range"],
    ["XREAD STREAMS str 0", "(nilarr)"],
    ["XPENDING s g", "[:4,\"1-1\",\"4-1\",[[\"alice\",\"2\"],[\"bob\",\"2\"]]]"],
    ["XPENDING s g - + 10", "[[\"1-1\",\"alice\",:0,:3],[\"2-1\",\"alice\",:0,:3],[\"3-1\",\"bob\",:0,:1],[\"4-1\",\"bob\",:0,:1]]"],
    ["XPENDING s g - + 10 alice", "[[\"1-1\",\"alice\",:0,:3],[\"2-1\",\"alice\",:0,:3]]"],
    ["XPENDING s g - + 10 nobody", "[]"],
    ["XPENDING s g IDLE 0 - + 10", "[[\"1-1\",\"alice\",:0,:3],[\"2-1\",\"alice\",:0,:3],[\"3-1\",\"bob\",:0,:1],[\"4-1\",\"bob\",:0,:1]]"],
    ["XPENDING s g IDLE 0 - + 10 bob", "[[\"3-1\",\"bob\",:0,:1],[\"4-1\",\"bob\",:0,:1]]"],
    ["XPENDING s g (1-1 + 10", "[[\"2-1\",\"alice\",:0,:3],[\"3-1\",\"bob\",:0,:1],[\"4-1\",\"bob\",:0,:1]]"],
    ["XPENDING s g - (4-1 1", "[[\"1-1\",\"alice\",:0,:3]]"],
    ["XPENDING s g - + -1", "[]"],
    ["XPENDING s g - +", "!ERR syntax error"],
    ["XPENDING s g IDLE 1 - +", "!ERR syntax error"],
    ["XPENDING s nog", "!NOGROUP No such key 's' or consumer group 'nog'"],
    ["XPENDING nokey g", "[:0,(nil),(nil),(nilarr)]"],
    ["XINFO GROUPS s", "[[\"name\",\"g\",\"consumers\",:2,\"pending\",:4,\"last-delivered-id\",\"4-1\",\"entries-read\",:4,\"lag\",:0],[\"name\",\"g2\",\"consumers\",:0,\"pending\",:0,\"last-delivered-id\",\"4-1\",\"entries-read\",(nil),\"lag\",:0]]"],
    ["XACK s g 1-1 9-9", ":1"],
    ["XACK s g bad", "!ERR Invalid stream ID specified as stream command argument"],
    ["XACK s nog 1-1", ":0"],
    ["XACK nokey g 1-1", ":0"],
    ["XPENDING s g", "[:3,\"2-1\",\"4-1\",[[\"alice\",\"1\"],[\"bob\",\"2\"]]]"],
    ["XDEL s 2-1", ":1"],
    ["XREADGROUP GROUP g alice STREAMS s 0", "[[\"s\",[[\"2-1\",(nilarr)]]]]"],
    ["XINFO GROUPS s", "[[\"name\",\"g\",\"consumers\",:2,\"pending\",:3,\"last-delivered-id\",\"4-1\",\"entries-read\",:4,\"lag\",:0],[\"name\",\"g2\",\"consumers\",:0,\"pending\",:0,\"last-delivered-id\",\"4-1\",\"entries-read\",(nil),\"lag\",:0]]"],
    ["XGROUP DELCONSUMER s g bob", ":2"],
    ["XGROUP DELCONSUMER s g bob", ":0"],
    ["XPENDING s g", "[:1,\"2-1\",\"2-1\",[[\"alice\",\"1\"]]]"],
    ["XINFO CONSUMERS s g", "[[\"name\",\"alice\",\"pending\",:1,\"idle\",:0,\"inactive\",:0]]"],
    ["XINFO CONSUMERS s nog", "!NOGROUP No such consumer group 'nog' for key name 's'"],
    ["XINFO CONSUMERS nokey g", "[]"],
    ["XGROUP DESTROY s g2", ":1"],
    ["XGROUP DESTROY s g2", ":0"],
    ["XINFO GROUPS s", "[[\"name\",\"g\",\"consumers\",:1,\"pending\",:1,\"last-delivered-id\",\"4-1\",\"entries-read\",:4,\"lag\",:0]]"],
    ["XINFO HELP", "[+XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:,+CONSUMERS <key> <groupname>,+    Show consumers of <groupname>.,+GROUPS <key>,+    Show the stream consumer groups.,+STREAM <key> [FULL [COUNT <count>],+    Show information about the stream.,+HELP,+    Print this help.]"],
    ["XGROUP HELP", "[+XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:,+CREATE <key> <groupname> <id|$> [option],+    Create a new consumer group. Options are:,+    * MKSTREAM,+      Create the empty stream if it does not exist.,+    * ENTRIESREAD entries_read,+      Set the group's entries_read counter (internal use).,+CREATECONSUMER <key> <groupname> <consumer>,+    Create a new consumer in the specified group.,+DELCONSUMER <key> <groupname> <consumer>,+    Remove the specified consumer.,+DESTROY <key> <groupname>,+    Remove the specified group.,+SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read],+    Set the current group ID and entries_read counter.,+HELP,+    Print this help.]"],
    ["XINFO FOO s", "!ERR unknown subcommand 'FOO'. Try XINFO HELP."],
    ["XINFO STREAM s FOO", "!ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP."],
    ["XINFO STREAM s FULL COUNT", "!ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP."],
    ["XINFO STREAM nokey", "[\"length\",:0,\"radix-tree-keys\",:0,\"radix-tree-nodes\",:1,\"last-generated-id\",\"0-0\",\"max-deleted-entry-id\",\"0-0\",\"entries-added\",:0,\"recorded-first-entry-id\",\"0-0\",\"groups\",:1,\"first-entry\",(nil),\"last-entry\",(nil)]"],
    ["XADD s 5-1 e 5", "\"5-1\""],
    ["XADD s 6-1 f 6", "\"6-1\""],
    ["XREADGROUP GROUP g carol NOACK STREAMS s >", "[[\"s\",[[\"5-1\",[\"e\",\"5\"]],[\"6-1\",[\"f\",\"6\"]]]]]"],
    ["XINFO GROUPS s", "[[\"name\",\"g\",\"consumers\",:2,\"pending\",:1,\"last-delivered-id\",\"6-1\",\"entries-read\",:6,\"lag\",:0]]"],
    ["XPENDING s g", "[:1,\"2-1\",\"2-1\",[[\"alice\",\"1\"]]]"],
    ["XCLAIM s g dave 0 2-1 3-1 4-1", "[]"],
    ["XCLAIM s g dave 0 1-1 JUSTID", "[]"],
    ["XCLAIM s g dave 0 1-1 FORCE JUSTID", "[\"1-1\"]"],
    ["XCLAIM s g dave 0 3-1 FORCE JUSTID", "[\"3-1\"]"],
    ["XCLAIM s g dave 0 3-1 RETRYCOUNT 7 JUSTID", "[\"3-1\"]"],
    ["XPENDING s g - + 10", "[[\"1-1\",\"dave\",:0,:1],[\"3-1\",\"dave\",:0,:7]]"],
    ["XCLAIM s g dave 0 3-1 FOO", "!ERR Unrecognized XCLAIM option 'FOO'"],
    ["XCLAIM s g dave abc 3-1", "!ERR Invalid min-idle-time argument for XCLAIM"],
    ["XCLAIM s g dave 0 3-1 IDLE abc", "!ERR Invalid IDLE option argument for XCLAIM"],
    ["XCLAIM s nog dave 0 3-1", "!NOGROUP No such key 's' or consumer group 'nog'"],
    ["XCLAIM s g dave 0 3-1 LASTID 10-0", "[[\"3-1\",[\"c\",\"3\"]]]"],
    ["XINFO GROUPS s", "[[\"name\",\"g\",\"consumers\",:3,\"pending\",:2,\"last-delivered-id\",\"10-0\",\"entries-read\",:6,\"lag\",:0]]"],
    ["XAUTOCLAIM s g erin 0 0", "[\"0-0\",[[\"1-1\",[\"a\",\"1\"]],[\"3-1\",[\"c\",\"3\"]]],[]]"],
    ["XAUTOCLAIM s g erin 0 0 COUNT 1", "[\"3-1\",[[\"1-1\",[\"a\",\"1\"]]],[]]"],
    ["XAUTOCLAIM s g erin 0 0 COUNT 0", "!ERR COUNT must be > 0"],
    ["XAUTOCLAIM s g erin 0 0 JUSTID", "[\"0-0\",[\"1-1\",\"3-1\"],[]]"],
    ["XAUTOCLAIM s g erin 0 0 FOO", "!ERR syntax error"],
    ["XAUTOCLAIM s nog erin 0 0", "!NOGROUP No such key 's' or consumer group 'nog'"],
    ["XAUTOCLAIM s g erin abc 0", "!ERR Invalid min-idle-time argument for XAUTOCLAIM"],
    ["XDEL s 3-1", ":1"],
    ["XAUTOCLAIM s g frank 0 - COUNT 5", "[\"0-0\",[[\"1-1\",[\"a\",\"1\"]]],[\"3-1\"]]"],
    ["XPENDING s g", "[:1,\"1-1\",\"1-1\",[[\"frank\",\"1\"]]]"],
    ["XINFO CONSUMERS s g", "[[\"name\",\"alice\",\"pending\",:0,\"idle\",:0,\"inactive\",:0],[\"name\",\"carol\",\"pending\",:0,\"idle\",:0,\"inactive\",:-1],[\"name\",\"dave\",\"pending\",:0,\"idle\",:0,\"inactive\",:0],[\"name\",\"erin\",\"pending\",:0,\"idle\",:0,\"inactive\",:0],[\"name\",\"frank\",\"pending\",:1,\"idle\",:0,\"inactive\",:0]]"],
    ["XGROUP CREATECONSUMER s g zed", ":1"],
    ["XINFO CONSUMERS s g", "[[\"name\",\"alice\",\"pending\",:0,\"idle\",:0,\"inactive\",:0],[\"name\",\"carol\",\"pending\",:0,\"idle\",:0,\"inactive\",:-1],[\"name\",\"dave\",\"pending\",:0,\"idle\",:0,\"inactive\",:0],[\"name\",\"erin\",\"pending\",:0,\"idle\",:0,\"inactive\",:0],[\"name\",\"frank\",\"pending\",:1,\"idle\",:0,\"inactive\",:0],[\"name\",\"zed\",\"pending\",:0,\"idle\",:0,\"inactive\",:-1]]"],
    ["XINFO STREAM s FULL", "[\"length\",:4,\"radix-tree-keys\",:1,\"radix-tree-nodes\",:2,\"last-generated-id\",\"6-1\",\"max-deleted-entry-id\",\"3-1\",\"entries-added\",:6,\"recorded-first-entry-id\",\"1-1\",\"entries\",[[\"1-1\",[\"a\",\"1\"]],[\"4-1\",[\"d\",\"4\"]],[\"5-1\",[\"e\",\"5\"]],[\"6-1\",[\"f\",\"6\"]]],\"groups\",[[\"name\",\"g\",\"last-delivered-id\",\"10-0\",\"entries-read\",:6,\"lag\",:0,\"pel-count\",:1,\"pending\",[[\"1-1\",\"frank\",:1700000000000,:4]],\"consumers\",[[\"name\",\"alice\",\"seen-time\",:1700000000000,\"active-time\",:1700000000000,\"pel-count\",:0,\"pending\",[]],[\"name\",\"carol\",\"seen-time\",:1700000000000,\"active-time\",:-1,\"pel-count\",:0,\"pending\",[]],[\"name\",\"dave\",\"seen-time\",:1700000000000,\"active-time\",:1700000000000,\"pel-count\",:0,\"pending\",[]],[\"name\",\"erin\",\"seen-time\",:1700000000000,\"active-time\",:1700000000000,\"pel-count\",:0,\"pending\",[]],[\"name\",\"frank\",\"seen-time\",:1700000000000,\"active-time\",:1700000000000,\"pel-count\",:1,\"pending\",[[\"1-1\",:1700000000000,:4]]],[\"name\",\"zed\",\"seen-time\",:1700000000000,\"active-time\",:-1,\"pel-count\",:0,\"pending\",[]]]]]]"],
    ["XINFO STREAM s FULL COUNT 1", "[\"length\",:4,\"radix-tree-keys\",:1,\"radix-tree-nodes\",:2,\"last-generated-id\",\"6-1\",\"max-deleted-entry-id\",\"3-1\",\"entries-added\",:6,\"recorded-first-entry-id\",\"1-1\",\"entries\",[[\"1-1\",[\"a\",\"1\"]]],\"groups\",[[\"name\",\"g\",\"last-delivered-id\",\"10-0\",\"entries-read\",:6,\"lag\",:0,\"pel-count\",:1,\"pending\",[[\"1-1\",\"frank\",:1700000000000,:4]],\"consumers\",[[\"name\",\"alice\",\"seen-time\",:1700000000000,\"active-time\",:1700000000000,\"pel-count\",:0,\"pending\",[]],[\"name\",\"carol\",\"seen-time\",:1700000000000,\"active-time\",:-1,\"pel-count\",:0,\"pending\",[]],[\"name\",\"dave\",\"seen-time\",:1700000000000,\"active-time\",:1700000000000,\"pel-count\",:0,\"pending\",[]],[\"name\",\"erin\",\"seen-time\",:1700000000000,\"active-time\",:1700000000000,\"pel-count\",:0,\"pending\",[]],[\"name\",\"frank\",\"seen-time\",:1700000000000,\"active-time\",:1700000000000,\"pel-count\",:1,\"pending\",[[\"1-1\",:1700000000000,:4]]],[\"name\",\"zed\",\"seen-time\",:1700000000000,\"active-time\",:-1,\"pel-count\",:0,\"pending\",[]]]]]]"],
    ["XINFO STREAM s", "[\"length\",:4,\"radix-tree-keys\",:1,\"radix-tree-nodes\",:2,\"last-generated-id\",\"6-1\",\"max-deleted-entry-id\",\"3-1\",\"entries-added\",:6,\"recorded-first-entry-id\",\"1-1\",\"groups\",:1,\"first-entry\",[\"1-1\",[\"a\",\"1\"]],\"last-entry\",[\"6-1\",[\"f\",\"6\"]]]"],
    ]);
  });
});

describe('streams: nodes and trimming', () => {
  it('approximate trimming removes whole nodes of stream-node-max-entries (100) entries', () => {
    const { run } = testEngine();
    for (let i = 1; i <= 350; i++) run('XADD', 's', `${i}-0`, 'f', `v${i}`);
    expect(run('XADD', 's', 'MAXLEN', '~', '250', '351-0', 'f', 'v')).toBe('351-0');
    expect(run('XLEN', 's')).toBe(251);
    expect(run('XTRIM', 's', 'MAXLEN', '~', '120')).toBe(100);
    expect(run('XTRIM', 's', 'MAXLEN', '~', '120', 'LIMIT', '50')).toBe(0);
    expect(run('XTRIM', 's', 'MAXLEN', '300')).toBe(0);
    expect(run('XTRIM', 's', 'MINID', '~', '230')).toBe(0);
    expect(run('XTRIM', 's', 'MINID', '260-0')).toBe(59);
    expect(run('XLEN', 's')).toBe(92);
    expect(show(run('XRANGE', 's', '-', '+', 'COUNT', '2'))).toBe('[["260-0",["f","v260"]],["261-0",["f","v261"]]]');
    expect(run('XTRIM', 's', 'MAXLEN', '=', '5')).toBe(87);
    const info = run('XINFO', 'STREAM', 's') as MapReply;
    expect(show(info)).toBe(
      '["length",:5,"radix-tree-keys",:1,"radix-tree-nodes",:2,"last-generated-id","351-0","max-deleted-entry-id","0-0","entries-added",:351,"recorded-first-entry-id","347-0","groups",:0,"first-entry",["347-0",["f","v347"]],"last-entry",["351-0",["f","v"]]]',
    );
  });

  it('a node also closes at stream-node-max-bytes (4096) of listpack', () => {
    const { run } = testEngine();
    for (let i = 1; i < 40; i++) run('XADD', 'b', `${i}-0`, 'field', 'x'.repeat(200) + i);
    // 18 entries of ~210 bytes fill a 4 KB listpack, as in redis-server.
    expect((run('XINFO', 'STREAM', 'b') as MapReply).entries[3]).toBe(3);
    expect(run('XTRIM', 'b', 'MAXLEN', '~', '10')).toBe(19);
    expect(run('XLEN', 'b')).toBe(20);
  });

  it('deleting the last live entry of a node frees the node', () => {
    const { run } = testEngine();
    for (let i = 1; i < 210; i++) run('XADD', 'd', `${i}-0`, 'f', 'v');
    const ids = [];
    for (let i = 101; i <= 200; i++) ids.push(`${i}-0`);
    expect(run('XDEL', 'd', ...ids)).toBe(100);
    const keys = (r: Reply) => (r as MapReply).entries[3];
    expect(keys(run('XINFO', 'STREAM', 'd'))).toBe(2);
    expect(run('XTRIM', 'd', 'MAXLEN', '0')).toBe(109);
    expect(show(run('XINFO', 'STREAM', 'd'))).toContain('"length",:0,"radix-tree-keys",:0');
    expect(run('EXISTS', 'd')).toBe(1);
  });
});

describe('streams: IDs beyond 2^53', () => {
  it('keeps 64-bit milliseconds and sequences exact', () => {
    const { run } = testEngine();
    expect(run('XADD', 's', '9007199254740993-18446744073709551614', 'a', '1')).toBe('9007199254740993-18446744073709551614');
    expect(run('XADD', 's', '9007199254740993-*', 'a', '2')).toBe('9007199254740993-18446744073709551615');
    expect(run('XADD', 's', '9007199254740993-*', 'a', '3')).toBeInstanceOf(ErrorReply);
    expect(run('XADD', 's', '*', 'a', '4')).toBe('9007199254740994-0');
    expect(show(run('XRANGE', 's', '(9007199254740993-18446744073709551614', '+'))).toBe(
      '[["9007199254740993-18446744073709551615",["a","2"]],["9007199254740994-0",["a","4"]]]',
    );
    expect(run('XADD', 's', '18446744073709551615-18446744073709551615', 'a', '5')).toBe('18446744073709551615-18446744073709551615');
    expect(show(run('XADD', 's', '*', 'a', '6'))).toBe('!ERR The stream has exhausted the last possible ID, unable to add more items');
    expect(show(run('XREVRANGE', 's', '+', '-', 'COUNT', '1'))).toBe('[["18446744073709551615-18446744073709551615",["a","5"]]]');
  });
});

describe('streams: keyspace', () => {
  it('TYPE, OBJECT ENCODING, COPY (a deep copy), RENAME, SCAN TYPE, DEL; an emptied stream stays', () => {
    const { run } = testEngine();
    run('XADD', 's', '1-0', 'a', '1');
    run('XGROUP', 'CREATE', 's', 'g', '0');
    run('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>');
    expect(show(run('TYPE', 's'))).toBe('+stream');
    expect(run('OBJECT', 'ENCODING', 's')).toBe('stream');
    expect(run('COPY', 's', 't')).toBe(1);
    run('XADD', 't', '2-0', 'b', '2');
    run('XACK', 't', 'g', '1-0');
    expect(run('XLEN', 's')).toBe(1);
    expect(show(run('XPENDING', 's', 'g'))).toBe('[:1,"1-0","1-0",[["c","1"]]]');
    expect(show(run('XPENDING', 't', 'g'))).toBe('[:0,(nil),(nil),(nilarr)]');
    expect(show(run('SCAN', '0', 'TYPE', 'stream'))).toMatch(/^\["0",\["[st]","[st]"\]\]$/);
    expect(show(run('RENAME', 't', 'u'))).toBe('+OK');
    expect(run('XLEN', 'u')).toBe(2);
    run('XDEL', 's', '1-0');
    expect(run('EXISTS', 's')).toBe(1);
    expect(run('DEL', 's', 'u')).toBe(2);
  });

  it('WRONGTYPE leaves the other value alone; a failing XADD creates nothing', () => {
    const { run } = testEngine();
    run('SET', 'k', 'v');
    const wt = 'WRONGTYPE Operation against a key holding the wrong kind of value';
    for (const argv of [
      ['XADD', 'k', '*', 'a', '1'],
      ['XRANGE', 'k', '-', '+'],
      ['XLEN', 'k'],
      ['XREAD', 'STREAMS', 'k', '0'],
      ['XGROUP', 'CREATE', 'k', 'g', '$'],
      ['XINFO', 'STREAM', 'k'],
      ['XACK', 'k', 'g', '1'],
      ['XTRIM', 'k', 'MAXLEN', '1'],
      ['XDEL', 'k', '1'],
    ]) {
      expect((run(...argv) as ErrorReply).message).toBe(wt);
    }
    expect(run('GET', 'k')).toBe('v');
    expect(run('XADD', 'n', 'MAXLEN', 'x', '*', 'a', '1')).toBeInstanceOf(ErrorReply);
    expect(run('XADD', 'n', '0-0', 'a', '1')).toBeInstanceOf(ErrorReply);
    expect(run('EXISTS', 'n')).toBe(0);
  });

  it('notifies class t where t_stream.c does', () => {
    const { run, shard } = testEngine();
    const events: string[] = [];
    shard.onNotify = (_db, cls, event, key) => events.push(`${cls}:${event}:${key}`);
    run('XADD', 's', 'MAXLEN', '1', '1-0', 'a', '1');
    run('XADD', 's', 'MAXLEN', '1', '2-0', 'a', '1');
    run('XDEL', 's', '9-9');
    run('XDEL', 's', '2-0');
    run('XGROUP', 'CREATE', 's', 'g', '$');
    run('XGROUP', 'CREATECONSUMER', 's', 'g', 'c');
    run('XGROUP', 'SETID', 's', 'g', '0');
    run('XREADGROUP', 'GROUP', 'g', 'd', 'STREAMS', 's', '>');
    run('XGROUP', 'DELCONSUMER', 's', 'g', 'c');
    run('XGROUP', 'DESTROY', 's', 'g');
    run('XSETID', 's', '5-0');
    run('XTRIM', 's', 'MAXLEN', '0');
    expect(events).toEqual([
      't:xadd:s',
      't:xadd:s',
      't:xtrim:s',
      't:xdel:s',
      't:xgroup-create:s',
      't:xgroup-createconsumer:s',
      't:xgroup-setid:s',
      't:xgroup-createconsumer:s',
      't:xgroup-delconsumer:s',
      't:xgroup-destroy:s',
      't:xsetid:s',
    ]);
  });
});

describe('streams: replies per protocol', () => {
  it('XREAD is an array of [key, entries] in RESP2 and a map in RESP3; nothing read is a null array', () => {
    const { run, session } = testEngine();
    run('XADD', 'a', '1-0', 'f', 'v');
    expect(show(run('XREAD', 'STREAMS', 'a', 'b', '0', '0'))).toBe('[["a",[["1-0",["f","v"]]]]]');
    session.resp = 3;
    const r = run('XREAD', 'STREAMS', 'a', '0');
    expect(r).toBeInstanceOf(MapReply);
    expect(show(r)).toBe('["a",[["1-0",["f","v"]]]]');
    expect(run('XREAD', 'STREAMS', 'a', '$')).toBe(NULL_ARRAY);
    // BLOCK without a server that can block answers as a timeout.
    expect(run('XREAD', 'BLOCK', '0', 'STREAMS', 'a', '$')).toBe(NULL_ARRAY);
    expect(run('XINFO', 'STREAM', 'a')).toBeInstanceOf(MapReply);
  });

  it('BLOCK is refused in a script session (CLIENT_SCRIPT)', () => {
    const { run, session } = testEngine();
    (session as unknown as { flags: Set<string> }).flags = new Set(['deny-blocking', 'script']);
    expect(show(run('xread', 'BLOCK', '0', 'STREAMS', 'a', '$'))).toBe('!ERR xread command is not allowed with BLOCK option from scripts');
    expect(show(run('XREAD', 'STREAMS', 'a', '$'))).toBe('(nilarr)');
  });
});

describe('streams: effects', () => {
  function withEffects() {
    let now = 1_700_000_000_000;
    const t = testEngine({ clock: () => now });
    const effects: string[] = [];
    t.engine.onEffects((g: Effect[]) => g.forEach((e) => effects.push(e.argv.join(' '))));
    return { ...t, effects, tick: (ms: number) => (now += ms) };
  }

  it('XADD propagates the concrete ID and an exact trim', () => {
    const { run, effects } = withEffects();
    run('XADD', 's', '*', 'a', '1');
    run('XADD', 's', '1700000000000-*', 'a', '2');
    for (let i = 0; i < 150; i++) run('XADD', 'big', `${i + 1}`, 'f', 'v');
    effects.length = 0;
    run('XADD', 'big', 'MAXLEN', '~', '10', 'LIMIT', '200', '*', 'f', 'v');
    run('XTRIM', 'big', 'MINID', '~', '140');
    run('XTRIM', 'big', 'MAXLEN', '~', '0');
    run('XTRIM', 'big', 'MAXLEN', '=', '3');
    run('XADD', 'big', 'MINID', '~', '5', '*', 'f', 'v');
    expect(effects).toEqual([
      'XADD big MAXLEN = 51 1700000000000-0 f v',
      'XTRIM big MAXLEN = 0',
      'XADD big MINID = 1700000000000-1 1700000000000-1 f v',
    ]);
  });

  it('XREADGROUP, XCLAIM and XAUTOCLAIM propagate as XCLAIM ... FORCE JUSTID LASTID', () => {
    const { run, effects, tick } = withEffects();
    run('XADD', 's', '1-0', 'a', '1');
    run('XADD', 's', '2-0', 'a', '2');
    run('XGROUP', 'CREATE', 's', 'g', '0');
    effects.length = 0;
    run('XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 's', '>');
    run('XREADGROUP', 'GROUP', 'g', 'n', 'NOACK', 'STREAMS', 's', '>');
    tick(100);
    run('XCLAIM', 's', 'g', 'd', '50', '1-0');
    run('XDEL', 's', '1-0');
    run('XAUTOCLAIM', 's', 'g', 'e', '0', '0');
    run('XACK', 's', 'g', '1-0');
    run('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '0');
    expect(effects).toEqual([
      'XCLAIM s g c 0 1-0 TIME 1700000000000 RETRYCOUNT 1 FORCE JUSTID LASTID 1-0',
      'XGROUP CREATECONSUMER s g n',
      'XGROUP SETID s g 2-0 ENTRIESREAD 2',
      'XCLAIM s g d 0 1-0 TIME 1700000000100 RETRYCOUNT 2 FORCE JUSTID LASTID 2-0',
      'XDEL s 1-0',
      'XCLAIM s g d 0 1-0 TIME 1700000000100 RETRYCOUNT 2 FORCE JUSTID LASTID 2-0',
    ]);
  });
});

describe('streams: effects replay', () => {
  /**
   * What a replica must agree on: entries, stream counters, groups' last IDs and PELs (owner,
   * delivery time and count). Not compared, as Redis does not replicate them either: consumers
   * owning nothing, seen/active times, and entries-read/lag (XCLAIM LASTID moves the last ID
   * without the read counter).
   */
  function dumpStreams(engine: ReturnType<typeof testEngine>['engine']): unknown {
    const s = engine.createSession();
    const run = (...argv: string[]) => show(engine.execute(s, argv));
    const out: Record<string, unknown> = {};
    for (const key of ['a', 'b']) {
      if (show(engine.execute(s, ['TYPE', key])) !== '+stream') continue;
      const info = engine.execute(s, ['XINFO', 'STREAM', key, 'FULL', 'COUNT', '0']) as MapReply;
      const e = info.entries;
      const groups = (e[e.length - 1] as MapReply[]).map((g) => {
        const ge = g.entries;
        return { name: ge[1], last: ge[3], pending: show(ge[11]!) };
      });
      out[key] = { range: run('XRANGE', key, '-', '+'), len: e[1], last: e[7], maxdel: e[9], added: e[11], first: e[13], groups };
    }
    return out;
  }

  it('replaying the effects of random stream commands rebuilds the same streams, groups and PELs', () => {
    const key = fc.constantFrom('a', 'b');
    const grp = fc.constantFrom('g', 'h');
    const consumer = fc.constantFrom('c1', 'c2', 'c3');
    const small = fc.integer({ min: 0, max: 12 });
    const idArg = fc.oneof(small.map((n) => `${n}`), fc.tuple(small, small).map(([m, s]) => `${m}-${s}`), fc.constant('*'), small.map((n) => `${n}-*`));
    const command: fc.Arbitrary<string[]> = fc.oneof(
      fc.tuple(key, fc.constantFrom('*', '*', '*')).map(([k, id]) => ['XADD', k, id, 'f', 'v']),
      fc.tuple(key, idArg).map(([k, id]) => ['XADD', k, id, 'f', 'v', 'g', 'w']),
      fc.tuple(key, small).map(([k, n]) => ['XADD', k, 'MAXLEN', '~', String(n), 'LIMIT', '3', '*', 'f', 'v']),
      fc.tuple(key, small).map(([k, n]) => ['XADD', k, 'NOMKSTREAM', 'MINID', '~', String(n), '*', 'f', 'v']),
      fc.tuple(key, small).map(([k, n]) => ['XTRIM', k, 'MAXLEN', '~', String(n)]),
      fc.tuple(key, small).map(([k, n]) => ['XTRIM', k, 'MINID', String(n)]),
      fc.tuple(key, idArg).map(([k, id]) => ['XDEL', k, id === '*' ? '1' : id.replace('-*', '')]),
      fc.tuple(key, grp).map(([k, g]) => ['XGROUP', 'CREATE', k, g, '0', 'MKSTREAM']),
      fc.tuple(key, grp).map(([k, g]) => ['XGROUP', 'CREATE', k, g, '$', 'MKSTREAM', 'ENTRIESREAD', '2']),
      fc.tuple(key, grp, small).map(([k, g, n]) => ['XGROUP', 'SETID', k, g, String(n)]),
      fc.tuple(key, grp).map(([k, g]) => ['XGROUP', 'DESTROY', k, g]),
      fc.tuple(key, grp, consumer).map(([k, g, c]) => ['XGROUP', 'CREATECONSUMER', k, g, c]),
      fc.tuple(key, grp, consumer).map(([k, g, c]) => ['XGROUP', 'DELCONSUMER', k, g, c]),
      fc.tuple(key, grp, consumer, small).map(([k, g, c, n]) => ['XREADGROUP', 'GROUP', g, c, 'COUNT', String(n), 'STREAMS', k, '>']),
      fc.tuple(key, grp, consumer).map(([k, g, c]) => ['XREADGROUP', 'GROUP', g, c, 'NOACK', 'STREAMS', k, '>']),
      fc.tuple(key, grp, consumer).map(([k, g, c]) => ['XREADGROUP', 'GROUP', g, c, 'STREAMS', 'a', 'b', '>', '>']),
      fc.tuple(key, grp, small).map(([k, g, n]) => ['XACK', k, g, `${n}-0`, `${n}-1`, '1700000000000-0']),
      fc.tuple(key, grp, consumer, small).map(([k, g, c, n]) => ['XCLAIM', k, g, c, '0', `${n}`, '1700000000000-0', '1700000000000-1']),
      fc.tuple(key, grp, consumer, small).map(([k, g, c, n]) => ['XCLAIM', k, g, c, '500', `${n}`, 'FORCE', 'IDLE', '300', 'LASTID', `${n + 3}`]),
      fc.tuple(key, grp, consumer).map(([k, g, c]) => ['XCLAIM', k, g, c, '0', '1700000000000-0', 'JUSTID', 'RETRYCOUNT', '9']),
      fc.tuple(key, grp, consumer, small).map(([k, g, c, n]) => ['XAUTOCLAIM', k, g, c, '100', '0', 'COUNT', String(n + 1)]),
      fc.tuple(key, small).map(([k, n]) => ['XSETID', k, `1700000009999-${n}`, 'ENTRIESADDED', '100', 'MAXDELETEDID', '0-1']),
      fc.tuple(key, key).map(([a, b]) => ['COPY', a, b, 'REPLACE']),
      key.map((k) => ['DEL', k]),
    );
    const step = fc.record({ advance: fc.constantFrom(0, 0, 50, 400), multi: fc.boolean(), commands: fc.array(command, { minLength: 1, maxLength: 3 }) });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 50 }), (steps) => {
        let now = 1_700_000_000_000;
        const live = testEngine({ clock: () => now });
        const groups: Effect[][] = [];
        live.engine.onEffects((g) => groups.push(g));
        for (const st of steps) {
          now += st.advance;
          if (st.multi) live.run('MULTI');
          for (const c of st.commands) live.run(...c);
          if (st.multi) live.run('EXEC');
        }
        // Replayed later than it happened (XCLAIM TIME in the future is clamped to now).
        const replica = testEngine({ clock: () => now + 1000 });
        for (const g of groups) replica.shard.replay(g);
        expect(dumpStreams(replica.engine)).toEqual(dumpStreams(live.engine));
      }),
      { numRuns: 150 },
    );
  });
});
