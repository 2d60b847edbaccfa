/** A Map that keeps at most `limit` entries: adding one more drops the oldest added. */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(
    private readonly limit: number,
    private readonly onDrop: (value: V) => void = () => {},
  ) {
    super();
  }

  override set(key: K, value: V): this {
    super.set(key, value);
    if (this.size > this.limit) {
      const [oldest, dropped] = this.entries().next().value!;
      this.delete(oldest);
      this.onDrop(dropped);
    }
    return this;
  }
}
