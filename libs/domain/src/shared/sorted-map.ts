/** Orders keys: negative when a comes first, 0 when they are the same key. */
export type Compare<K> = (a: K, b: K) => number;

interface Node<K, V> {
  readonly key: K;
  readonly value: V;
  readonly left: Node<K, V> | null;
  readonly right: Node<K, V> | null;
  readonly height: number;
}

export const compareStrings: Compare<string> = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
export const compareNumbers: Compare<number> = (a, b) => a - b;

/**
 * An immutable sorted map: a balanced (AVL) tree whose updates copy only the path from the root to
 * the change, O(log n) nodes, and share the rest with the map they came from. A state that holds its
 * collections this way is never copied whole when one event changes it, and every earlier state stays
 * as it was.
 */
export class SortedMap<K, V> {
  private constructor(
    private readonly root: Node<K, V> | null,
    readonly size: number,
    private readonly compare: Compare<K>,
  ) {}

  static empty<K, V>(compare: Compare<K>): SortedMap<K, V> {
    return new SortedMap<K, V>(null, 0, compare);
  }

  get(key: K): V | undefined {
    let node = this.root;
    while (node) {
      const c = this.compare(key, node.key);
      if (c === 0) return node.value;
      node = c < 0 ? node.left : node.right;
    }
    return undefined;
  }

  has(key: K): boolean {
    let node = this.root;
    while (node) {
      const c = this.compare(key, node.key);
      if (c === 0) return true;
      node = c < 0 ? node.left : node.right;
    }
    return false;
  }

  set(key: K, value: V): SortedMap<K, V> {
    const count = { change: 0 };
    const root = insert(this.root, key, value, this.compare, count);
    return root === this.root ? this : new SortedMap(root, this.size + count.change, this.compare);
  }

  delete(key: K): SortedMap<K, V> {
    const count = { change: 0 };
    const root = remove(this.root, key, this.compare, count);
    return root === this.root ? this : new SortedMap(root, this.size + count.change, this.compare);
  }

  /** The entry with the smallest key. */
  first(): [K, V] | undefined {
    let node = this.root;
    if (!node) return undefined;
    while (node.left) node = node.left;
    return [node.key, node.value];
  }

  /** Entries in key order, from the first key at or after `from` (from the start without it). */
  *entries(from?: K): Generator<[K, V]> {
    const stack: Node<K, V>[] = [];
    let node = this.root;
    while (node) {
      if (from !== undefined && this.compare(node.key, from) < 0) {
        node = node.right;
      } else {
        stack.push(node);
        node = node.left;
      }
    }
    while (stack.length > 0) {
      const next = stack.pop()!;
      yield [next.key, next.value];
      node = next.right;
      while (node) {
        stack.push(node);
        node = node.left;
      }
    }
  }

  *values(from?: K): Generator<V> {
    for (const [, value] of this.entries(from)) yield value;
  }

  *keys(from?: K): Generator<K> {
    for (const [key] of this.entries(from)) yield key;
  }
}

/** Set by insert and remove: +1 for a new key, -1 for a removed one. */
interface SizeCount {
  change: number;
}

const heightOf = (node: Node<unknown, unknown> | null): number => (node ? node.height : 0);

function make<K, V>(key: K, value: V, left: Node<K, V> | null, right: Node<K, V> | null): Node<K, V> {
  return { key, value, left, right, height: 1 + Math.max(heightOf(left), heightOf(right)) };
}

/** A node over two subtrees whose heights differ by at most 2, rotated back into balance. */
function balanced<K, V>(key: K, value: V, left: Node<K, V> | null, right: Node<K, V> | null): Node<K, V> {
  const hl = heightOf(left);
  const hr = heightOf(right);
  if (hl > hr + 1) {
    const l = left!;
    if (heightOf(l.left) >= heightOf(l.right)) return make(l.key, l.value, l.left, make(key, value, l.right, right));
    const lr = l.right!;
    return make(lr.key, lr.value, make(l.key, l.value, l.left, lr.left), make(key, value, lr.right, right));
  }
  if (hr > hl + 1) {
    const r = right!;
    if (heightOf(r.right) >= heightOf(r.left)) return make(r.key, r.value, make(key, value, left, r.left), r.right);
    const rl = r.left!;
    return make(rl.key, rl.value, make(key, value, left, rl.left), make(r.key, r.value, rl.right, r.right));
  }
  return make(key, value, left, right);
}

function insert<K, V>(node: Node<K, V> | null, key: K, value: V, compare: Compare<K>, count: SizeCount): Node<K, V> {
  if (!node) {
    count.change = 1;
    return make(key, value, null, null);
  }
  const c = compare(key, node.key);
  if (c < 0) {
    const left = insert(node.left, key, value, compare, count);
    return left === node.left ? node : balanced(node.key, node.value, left, node.right);
  }
  if (c > 0) {
    const right = insert(node.right, key, value, compare, count);
    return right === node.right ? node : balanced(node.key, node.value, node.left, right);
  }
  return Object.is(node.value, value) ? node : make(node.key, value, node.left, node.right);
}

function remove<K, V>(node: Node<K, V> | null, key: K, compare: Compare<K>, count: SizeCount): Node<K, V> | null {
  if (!node) return null;
  const c = compare(key, node.key);
  if (c < 0) {
    const left = remove(node.left, key, compare, count);
    return left === node.left ? node : balanced(node.key, node.value, left, node.right);
  }
  if (c > 0) {
    const right = remove(node.right, key, compare, count);
    return right === node.right ? node : balanced(node.key, node.value, node.left, right);
  }
  count.change = -1;
  if (!node.left) return node.right;
  if (!node.right) return node.left;
  let successor = node.right;
  while (successor.left) successor = successor.left;
  return balanced(successor.key, successor.value, node.left, withoutFirst(node.right));
}

function withoutFirst<K, V>(node: Node<K, V>): Node<K, V> | null {
  if (!node.left) return node.right;
  return balanced(node.key, node.value, withoutFirst(node.left), node.right);
}
