/**
 * Group commit: writes submitted while the previous batch is being committed
 * (or in the same event-loop turn) are committed together, in one transaction
 * and so one fsync, in the order they were submitted. Each submitter's promise
 * settles after that commit — an acknowledgement still means "on disk".
 *
 * The durable append was one transaction and one fsync per message on the
 * main thread: it capped the server near 1 000 msg/s whatever the room size
 * (issue 12's profile: commit alone 27 % of the thread). A batch pays the
 * fsync once.
 *
 * `commitBatch` runs the items in one transaction and returns one outcome per
 * item, in order: a value, or an `Error` that belongs to that item alone (a
 * refusal decided before the item wrote anything). When `commitBatch` itself
 * throws (the transaction failed), every item of the batch is rejected with
 * that error and nothing of the batch is stored.
 */
export class GroupCommit<Item, Result> {
  private pending: Array<{ item: Item; resolve: (r: Result) => void; reject: (e: unknown) => void }> = [];
  private running = false;
  private scheduled = false;

  /**
   * @param commitBatch commits `items` in one transaction; returns one result or Error per item, in order
   * @param maxBatch the most items in one transaction (bounds a transaction's time and memory)
   */
  constructor(
    private readonly commitBatch: (items: Item[]) => Promise<Array<Result | Error>>,
    private readonly maxBatch = 256,
  ) {}

  /** Queues `item` for the next batch; resolves with its result once the batch is committed. */
  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    // After the current turn's I/O callbacks: every frame read in this turn joins the batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    this.running = true;
    try {
      const outcomes = await this.commitBatch(batch.map((p) => p.item));
      batch.forEach((p, i) => {
        const outcome = outcomes[i];
        if (outcome instanceof Error) p.reject(outcome);
        else p.resolve(outcome as Result);
      });
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.running = false;
      // What arrived during this commit is the next batch.
      if (this.pending.length > 0) this.schedule();
    }
  }
}
