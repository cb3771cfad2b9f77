/** The shared abort listener (`client/abort-watch.ts`): the semantics of `addEventListener("abort")`, one listener per signal. */
import { describe, expect, test } from "@jest/globals";
import { unwatchAbort, watchAbort } from "../src/client/abort-watch.js";

describe("watchAbort", () => {
  test("callbacks run once, in the order added; removed ones do not run", () => {
    const ac = new AbortController();
    const calls: string[] = [];
    const a = (): number => calls.push("a");
    const b = (): number => calls.push("b");
    const c = (): number => calls.push("c");
    watchAbort(ac.signal, a);
    watchAbort(ac.signal, b);
    watchAbort(ac.signal, c);
    unwatchAbort(ac.signal, b);
    ac.abort();
    ac.abort();
    expect(calls).toEqual(["a", "c"]);
  });

  test("a callback that removes a later one skips it, as removeEventListener during dispatch does", () => {
    const ac = new AbortController();
    const calls: string[] = [];
    const later = (): number => calls.push("later");
    watchAbort(ac.signal, () => {
      calls.push("first");
      unwatchAbort(ac.signal, later);
    });
    watchAbort(ac.signal, later);
    ac.abort();
    expect(calls).toEqual(["first"]);
  });

  test("one EventTarget listener per signal, however many callbacks come and go", () => {
    const ac = new AbortController();
    let added = 0;
    const add = ac.signal.addEventListener.bind(ac.signal);
    ac.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      added++;
      add(...args);
    });
    for (let i = 0; i < 1000; i++) {
      const cb = (): void => {};
      watchAbort(ac.signal, cb);
      unwatchAbort(ac.signal, cb);
    }
    expect(added).toBe(1);
  });

  test("after the abort, the signal is forgotten: a callback added to an aborted signal is not called (as a listener would not be)", () => {
    const ac = new AbortController();
    watchAbort(ac.signal, () => {});
    ac.abort();
    let called = false;
    watchAbort(ac.signal, () => (called = true));
    expect(called).toBe(false);
  });
});
