/**
 * Limits and leniency switches of the head parser, with CPython's defaults.
 * @module
 */

/** Limits and leniency switches for {@link parseRequestHead}, {@link parseResponseHead}, {@link parseHeaderFields} and {@link parseHeaders}. */
export interface HeadLimits {
  /** Longest start line or field line, in bytes without the line end. Default 65536 (CPython `_MAXLINE`). Exceeding it throws `LineTooLong`. */
  maxLineLength?: number;
  /** Most field lines in one head (or trailer section). Default 100 (CPython `_MAXHEADERS`). Exceeding it throws `TooManyHeaders`. */
  maxHeaders?: number;
  /** Largest whole head, start line and blank line included, in bytes. Default 81920. Exceeding it throws `HeadTooLarge`. */
  maxHeadSize?: number;
  /** Default false: obs-fold (a field line starting with SP/HTAB) throws `InvalidHeader` (RFC 9112 5.2); true: each fold is replaced by one SP. */
  allowObsFold?: boolean;
  /**
   * Accept a bare LF as a line end (RFC 9112 2.2 permits it). Default false in
   * `DEFAULT_HEAD_LIMITS` and for requests; `parseResponseHead` defaults it to true (as CPython and browsers).
   */
  allowBareLF?: boolean;
}

/** The defaults of every {@link HeadLimits} field. */
export const DEFAULT_HEAD_LIMITS: Readonly<Required<HeadLimits>> = Object.freeze({
  maxLineLength: 65536,
  maxHeaders: 100,
  maxHeadSize: 81920,
  allowObsFold: false,
  allowBareLF: false,
});

/** Fills in defaults; `bareLF` is the default of `allowBareLF` for this kind of message. */
export function resolveLimits(limits: HeadLimits | undefined, bareLF = false): Required<HeadLimits> {
  if (limits === undefined) return bareLF ? RESPONSE_DEFAULTS : DEFAULT_HEAD_LIMITS;
  // Already complete (the client resolves its limits once): use it as is, no copy per message.
  if (
    typeof limits.maxLineLength === "number" &&
    typeof limits.maxHeaders === "number" &&
    typeof limits.maxHeadSize === "number" &&
    typeof limits.allowObsFold === "boolean" &&
    typeof limits.allowBareLF === "boolean"
  ) {
    return limits as Required<HeadLimits>;
  }
  return {
    maxLineLength: limits.maxLineLength ?? DEFAULT_HEAD_LIMITS.maxLineLength,
    maxHeaders: limits.maxHeaders ?? DEFAULT_HEAD_LIMITS.maxHeaders,
    maxHeadSize: limits.maxHeadSize ?? DEFAULT_HEAD_LIMITS.maxHeadSize,
    allowObsFold: limits.allowObsFold ?? false,
    allowBareLF: limits.allowBareLF ?? bareLF,
  };
}

const RESPONSE_DEFAULTS: Readonly<Required<HeadLimits>> = Object.freeze({ ...DEFAULT_HEAD_LIMITS, allowBareLF: true });
