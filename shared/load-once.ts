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

/**
 * A port whose adapter (and the SDK client behind it) is imported by the first call of any of its
 * methods, for ports whose methods all return promises. The common path of a function that seldom
 * needs a client (the matcher starting a run, for one) then never loads it.
 */
export function lazyPort<T extends object>(load: () => Promise<T>): T {
  const loaded = loadOnce(load);
  return new Proxy({} as T, {
    get: (_, name) =>
      // Not a thenable: awaiting the port itself must not call load.
      name === "then"
        ? undefined
        : async (...args: unknown[]) => {
            const port = (await loaded()) as Record<PropertyKey, (...a: unknown[]) => unknown>;
            const method = port[name];
            if (typeof method !== "function")
              throw new TypeError(`The loaded port has no method ${String(name)}`);
            return method.apply(port, args);
          },
  });
}
