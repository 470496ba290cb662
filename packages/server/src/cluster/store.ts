/**
 * Values every node of a cluster must share (e.g. a key the nodes derive
 * tokens from), by name. The values are sealed by the caller; the store sees
 * opaque strings. Implemented per SQL dialect (`server_secrets`).
 */
export interface SecretStore {
  /** The stored value of `name`, or undefined when there is none. */
  get(name: string): Promise<string | undefined>;
  /**
   * Stores `sealed` under `name` unless a value is already stored (`now` in
   * ms). Nodes racing to store different values all get the first writer's.
   * @returns the value stored under `name` afterwards (`sealed`, or the one already there)
   */
  putIfAbsent(name: string, sealed: string, now: number): Promise<string>;
  /** Forgets `name` (no-op when absent). */
  delete(name: string): Promise<void>;
}
