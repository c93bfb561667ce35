/**
 * The line of half-open handshakes: oldest first, any member removed in one step, a removed
 * member never corrupts the line (removing it twice is a no-op).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LinkedQueue, type QueueLink } from '../../../src/http/server/handshakeQueue.js';

function drain<T>(q: LinkedQueue<T>, links: Map<T, QueueLink<T>>): T[] {
  const out: T[] = [];
  for (let v = q.oldest(); v !== undefined; v = q.oldest()) {
    out.push(v);
    const link = links.get(v);
    assert.ok(link);
    q.remove(link);
  }
  return out;
}

describe('LinkedQueue', () => {
  it('keeps insertion order; removing the head, the tail or a middle member leaves the rest in order', () => {
    const q = new LinkedQueue<string>();
    const links = new Map(['a', 'b', 'c', 'd', 'e'].map((v) => [v, q.push(v)] as const));
    assert.equal(q.size, 5);
    q.remove(links.get('c') as QueueLink<string>);
    q.remove(links.get('a') as QueueLink<string>);
    q.remove(links.get('e') as QueueLink<string>);
    assert.equal(q.size, 2);
    links.set('f', q.push('f'));
    assert.deepEqual(drain(q, links), ['b', 'd', 'f']);
    assert.equal(q.size, 0);
    assert.equal(q.oldest(), undefined);
  });

  it('removing a member twice changes nothing', () => {
    const q = new LinkedQueue<number>();
    const one = q.push(1);
    const links = new Map([[1, one], [2, q.push(2)], [3, q.push(3)]]);
    q.remove(one);
    q.remove(one);
    assert.equal(q.size, 2);
    assert.deepEqual(drain(q, links), [2, 3]);
  });

  it('stays consistent through many random pushes and removals (against an array model)', () => {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const q = new LinkedQueue<number>();
    const model: { v: number; link: QueueLink<number> }[] = [];
    for (let i = 0; i < 20_000; i++) {
      if (model.length === 0 || rand(3) > 0) model.push({ v: i, link: q.push(i) });
      else {
        const [m] = model.splice(rand(model.length), 1);
        if (m) q.remove(m.link);
      }
      assert.equal(q.size, model.length);
      assert.equal(q.oldest(), model[0]?.v);
    }
  });
});
