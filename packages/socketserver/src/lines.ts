/**
 * Line iteration shared by every `rfile` (`SocketReader`, `BytesReader`): `readlines()` and
 * `for await (const line of rfile)`, written once on top of the reader's `readline()`.
 * @module
 */

/** What line iteration needs of a reader: Python's `readline()`, an empty Buffer at the end. */
export interface LineSource {
  readline(limit?: number): Promise<Buffer>;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

function toResult(line: Buffer): IteratorResult<Buffer, undefined> {
  return line.length > 0 ? { value: line, done: false } : DONE;
}

/**
 * An async iterator over the lines of `source` until its end (an empty line). Each step is one
 * `readline()` and one `then`: no async generator frame, whose every `yield` costs promise hops.
 */
export function iterateLines(source: LineSource): AsyncIterableIterator<Buffer> {
  const iterator: AsyncIterableIterator<Buffer> = {
    next: () => source.readline().then(toResult),
    return: () => Promise.resolve(DONE),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/** Every remaining line of `source` (Python's `readlines()`). */
export async function readAllLines(source: LineSource): Promise<Buffer[]> {
  const lines: Buffer[] = [];
  for (let line = await source.readline(); line.length > 0; line = await source.readline()) lines.push(line);
  return lines;
}
