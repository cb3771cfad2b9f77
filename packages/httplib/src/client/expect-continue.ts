/**
 * `Expect: 100-continue` on the client side (RFC 9110 10.1.1): after the head, wait for the
 * interim 100 before sending the body; stop waiting after a timeout; send no body at all when a
 * final response comes first.
 * @module
 */
import type { ResponseHead } from "../message/index.js";
import { tryHead, type ResolvedLimits } from "./read-head.js";
import type { Wire } from "./wire.js";

/**
 * Waits for `100 Continue` on `wire`. Resolves true to send the body (the 100 came, or `ms`
 * milliseconds passed), false when a final response, EOF or a malformed head came first (left in the buffer
 * for `getResponse()` to report). Other interim answers go to `inform`.
 */
export async function awaitContinue(wire: Wire, lim: ResolvedLimits, ms: number, inform: (head: ResponseHead) => void): Promise<boolean> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    wire.wakeUp();
  }, ms);
  try {
    for (;;) {
      const saved = wire.buf;
      let head: ResponseHead | null;
      try {
        head = tryHead(wire, lim);
      } catch {
        wire.buf = saved; // let getResponse() report the bad head
        return false;
      }
      if (head !== null) {
        if (head.status >= 200 || head.status === 101) {
          wire.buf = saved; // the final response is getResponse()'s
          return false;
        }
        inform(head);
        if (head.status === 100) return true;
        continue;
      }
      if (timedOut) return true;
      if (wire.ended || wire.error !== null) return false;
      await wire.wait();
    }
  } finally {
    clearTimeout(timer);
  }
}
