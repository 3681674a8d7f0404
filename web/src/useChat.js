import { useSyncExternalStore } from 'react';

/** Subscribes a component to the ChatStore and returns its current state. */
export function useChat(store) {
  return useSyncExternalStore(store.subscribe, store.getState);
}
