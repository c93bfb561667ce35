/**
 * A first-in-first-out line of half-open handshakes with O(1) push, removal of any member and
 * access to the oldest: a doubly linked list whose links the members keep. A full cap evicts
 * the oldest handshake in one step, whatever the flood, and nothing is ever scanned.
 */
export interface QueueLink<T> {
  readonly value: T;
  prev: QueueLink<T> | undefined;
  next: QueueLink<T> | undefined;
  /** False once removed: removing twice is a no-op, not a corrupted list. */
  queued: boolean;
}

export class LinkedQueue<T> {
  private head: QueueLink<T> | undefined;
  private tail: QueueLink<T> | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Appends `value` as the newest member; keep the link to remove it later. */
  push(value: T): QueueLink<T> {
    const link: QueueLink<T> = { value, prev: this.tail, next: undefined, queued: true };
    if (this.tail) this.tail.next = link;
    else this.head = link;
    this.tail = link;
    this.count++;
    return link;
  }

  remove(link: QueueLink<T>): void {
    if (!link.queued) return;
    link.queued = false;
    if (link.prev) link.prev.next = link.next;
    else this.head = link.next;
    if (link.next) link.next.prev = link.prev;
    else this.tail = link.prev;
    link.prev = undefined;
    link.next = undefined;
    this.count--;
  }

  oldest(): T | undefined {
    return this.head?.value;
  }
}
