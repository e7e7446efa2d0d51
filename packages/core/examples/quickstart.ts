/**
 * `npm start`: a small, real run of the in-process API. Every line it prints is the value the
 * engine returned.
 */
import { open, openSync, RedisError } from '../src/index.ts';

const show = (what: string, value: unknown) => console.log(`${what.padEnd(58)} -> ${JSON.stringify(value)}`);

const db = openSync();

show("set('greeting', 'hello, 世界')", db.set('greeting', 'hello, 世界'));
show("get('greeting')", db.get('greeting'));
show("incrby('visits', 41); incr('visits')", (db.incrby('visits', 41), db.incr('visits')));
show("set('session', 'abc', { EX: 60 }); ttl('session')", (db.set('session', 'abc', { EX: 60 }), db.ttl('session')));
show("hset('user:1', { name: 'Ada', lang: 'en' })", db.hset('user:1', { name: 'Ada', lang: 'en' }));
show("hgetall('user:1')", db.hgetall('user:1'));
show("rpush('queue', 'a', 'b', 'c'); lpop('queue')", (db.rpush('queue', 'a', 'b', 'c'), db.lpop('queue')));
show("sadd('tags', 'x', 'y', 'x'); scard('tags')", (db.sadd('tags', 'x', 'y', 'x'), db.scard('tags')));
show(
  "zadd('board', { ada: 3, bob: 1, cy: 2 }); zrange 0 -1 WITHSCORES",
  (db.zadd('board', { ada: 3, bob: 1, cy: 2 }), db.zrange('board', 0, -1, 'WITHSCORES')),
);
show("geoadd Palermo, Catania; geodist km", (
  db.geoadd('sicily', [
    { longitude: 13.361389, latitude: 38.115556, member: 'Palermo' },
    { longitude: 15.087269, latitude: 37.502669, member: 'Catania' },
  ]),
  db.geodist('sicily', 'Palermo', 'Catania', 'km')
));
show("pfadd('visitors', 'a', 'b', 'c', 'a'); pfcount('visitors')", (db.pfadd('visitors', 'a', 'b', 'c', 'a'), db.pfcount('visitors')));
show("multi().incr('visits').get('visits').exec()", db.multi().incr('visits').get('visits').exec());
try {
  db.incr('greeting');
} catch (e) {
  show("incr('greeting')  (not a number)", `${(e as RedisError).name}: ${(e as RedisError).message}`);
}
show("call('OBJECT', 'ENCODING', 'board')", db.call('OBJECT', 'ENCODING', 'board'));
show('dbsize()', db.dbsize());
db.close();

// The asynchronous flavour: the same methods, returning promises.
const adb = await open();
await adb.set('async', 'works');
show("await open(); await get('async')", await adb.get('async'));
adb.close();
