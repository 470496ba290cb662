/** Removes the listener it was returned for. */
export type Unsubscribe = () => void;

/**
 * A minimal typed event emitter (no Node `events`, no DOM `EventTarget`).
 * A listener that throws is a bug in the UI: the error is rethrown on a
 * fresh task so it surfaces without breaking the core's frame processing.
 */
export class Emitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  /** Calls `listener` on every `event` until the returned function is called. */
  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): Unsubscribe {
    let set = this.listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** Delivers `payload` to the current listeners of `event`, synchronously, in subscription order. */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as (payload: Events[K]) => void)(payload);
      } catch (err) {
        globalThis.setTimeout(() => {
          throw err;
        }, 0);
      }
    }
  }
}
