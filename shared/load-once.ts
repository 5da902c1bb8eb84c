/**
 * A dependency loaded on first use rather than at cold start (a dynamic import and what it builds):
 * loaded once and shared by every later call, or, if loading fails, tried again by the next call
 * rather than failing every request of the execution environment.
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    if (!loading) {
      const attempt = load();
      loading = attempt;
      attempt.catch(() => {
        if (loading === attempt) loading = undefined;
      });
    }
    return loading;
  };
}
