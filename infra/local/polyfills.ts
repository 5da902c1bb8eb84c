/**
 * Side-effect module: installs `Promise.withResolvers` when the runtime lacks it.
 *
 * aws-local-stepfunctions 3.x calls `Promise.withResolvers()` inside every Task state. That API is
 * ES2024 and only exists from Node 22; on the Node 20 that local tooling and CI still run, every Task
 * would fail with a TypeError. Import this module before running any state machine locally.
 */

interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

// The project's `lib` is ES2023, which does not declare `withResolvers`; widen locally instead of
// augmenting the global type, so nothing changes for code that targets a newer lib later.
const promiseConstructor = Promise as PromiseConstructor & { withResolvers?: unknown };

if (typeof promiseConstructor.withResolvers !== "function") {
  Object.defineProperty(Promise, "withResolvers", {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function withResolvers<T>(): Resolvers<T> {
      let resolve: Resolvers<T>["resolve"] = () => {};
      let reject: Resolvers<T>["reject"] = () => {};
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

export {};
