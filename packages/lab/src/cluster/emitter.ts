/**
 * A typed, synchronous event fan-out. Listeners run in the order they were added, inside
 * `emit()`: the cluster relies on that to take a draining instance out of the balancer before
 * the instance receives SIGTERM. A listener that throws does not stop the others.
 */

export interface Emitter<E> {
  emit(e: E): void;
  onEvent(listener: (e: E) => void): () => void;
}

export function emitter<E>(): Emitter<E> {
  const listeners = new Set<(e: E) => void>();
  return {
    emit(e) {
      for (const l of [...listeners]) {
        try {
          l(e);
        } catch (err) {
          process.emitWarning(err instanceof Error ? err : String(err), 'StatecraftClusterWarning');
        }
      }
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
