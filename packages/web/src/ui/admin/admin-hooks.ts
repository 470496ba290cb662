import { useCallback, useEffect, useRef, useState } from 'react';
import { isConclaveError } from '@conclave/client';

/**
 * What an admin request's failure says to the user: the `ConclaveError`'s
 * message (the server's plain words, e.g. "Only an admin can do that."),
 * never a stack or an internal detail.
 */
export function errorText(err: unknown): string {
  if (isConclaveError(err)) return err.message;
  return 'Something went wrong; try again.';
}

/** A loaded value, the last error (plain words), and a way to load again. */
export interface Resource<T> {
  /** The last value loaded, kept while a reload runs or fails. */
  data: T | null;
  /** Why the last load failed, or null. */
  error: string | null;
  /** True until the first load settles. */
  loading: boolean;
  /** Loads again now (a running load's answer is dropped). */
  reload: () => void;
}

/**
 * Loads `load()` on mount, whenever `key` changes, on `reload()`, and every
 * `everyMs` while the page is visible (no polling in a background tab).
 * Answers that arrive after a newer load started, or after unmount, are dropped.
 */
export function useResource<T>(load: () => Promise<T>, key: unknown, everyMs?: number): Resource<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(() => {
    const ticket = ++latest.current;
    loadRef.current().then(
      (value) => {
        if (ticket !== latest.current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (ticket !== latest.current) return;
        setError(errorText(err));
        setLoading(false);
      },
    );
  }, []);

  useEffect(() => {
    reload();
    return () => {
      latest.current++; // drop answers to loads of the previous key
    };
  }, [key, reload]);

  useEffect(() => {
    if (everyMs === undefined) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') reload();
    }, everyMs);
    return () => clearInterval(timer);
  }, [everyMs, reload]);

  return { data, error, loading, reload };
}

/** An action in flight: which one (a key), and the last error of each. */
export interface Pending {
  /** Key of the action running now, or null. */
  busy: string | null;
  /** Runs `action` under `key` unless another runs; resolves true on success, false on failure (error kept under `key`). */
  run: (key: string, action: () => Promise<unknown>) => Promise<boolean>;
  /** The last failure under `key` (plain words), or undefined. */
  errorOf: (key: string) => string | undefined;
}

/** One action at a time with its error shown where it was asked for (a row, a form). */
export function usePending(): Pending {
  const [busy, setBusy] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const running = useRef(false);
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );

  const run = useCallback(async (key: string, action: () => Promise<unknown>): Promise<boolean> => {
    if (running.current) return false;
    running.current = true;
    setBusy(key);
    setErrors((e) => {
      const { [key]: _, ...rest } = e;
      return rest;
    });
    try {
      await action();
      return true;
    } catch (err) {
      if (mounted.current) setErrors((e) => ({ ...e, [key]: errorText(err) }));
      return false;
    } finally {
      running.current = false;
      if (mounted.current) setBusy(null);
    }
  }, []);

  const errorOf = useCallback((key: string) => errors[key], [errors]);
  return { busy, run, errorOf };
}

/** `Date.now()`, refreshed every `everyMs` (for "seen 3 min ago"). */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
