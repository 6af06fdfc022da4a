// A list a test can wait on: `received(n)` resolves with the first n items once they have arrived.
export class Arrivals<T> {
  readonly items: T[] = [];
  private waiters: { count: number; resolve: (items: T[]) => void }[] = [];

  push(item: T): void {
    this.items.push(item);
    this.waiters = this.waiters.filter((w) => {
      if (this.items.length < w.count) return true;
      w.resolve(this.items.slice(0, w.count));
      return false;
    });
  }

  received(count = 1): Promise<T[]> {
    if (this.items.length >= count) return Promise.resolve(this.items.slice(0, count));
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }
}
