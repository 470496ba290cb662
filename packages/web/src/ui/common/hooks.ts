import { useCallback, useSyncExternalStore } from 'react';
import type { ChatModel, ChatSnapshot } from '@conclave/client';
import type { SoundPlayer } from '../../app/sounds.js';

/** Re-renders on every model change; returns the client's snapshot. */
export function useChat(model: ChatModel): ChatSnapshot {
  useSyncExternalStore(
    useCallback((listener: () => void) => model.subscribe(listener), [model]),
    () => model.version,
  );
  return model.client.snapshot();
}

/** Whether `query` (a CSS media query) matches, live. */
export function useMediaQuery(query: string): boolean {
  return useSyncExternalStore(
    useCallback(
      (listener: () => void) => {
        const list = window.matchMedia(query);
        list.addEventListener('change', listener);
        return () => list.removeEventListener('change', listener);
      },
      [query],
    ),
    () => window.matchMedia(query).matches,
  );
}

/** The mute state of `sounds`, live. */
export function useMuted(sounds: SoundPlayer): boolean {
  return useSyncExternalStore(
    useCallback((listener: () => void) => sounds.subscribe(listener), [sounds]),
    () => sounds.muted,
  );
}
