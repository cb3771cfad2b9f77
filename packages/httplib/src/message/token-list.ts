/**
 * Comma-separated token lists (RFC 9110 5.6.1), as in `Connection`, `Transfer-Encoding`,
 * `Upgrade`, `Expect`: `#token` = `[ token ] *( OWS "," OWS [ token ] )`. Empty elements are
 * ignored, OWS (SP, HTAB) around elements is dropped, tokens compare case-insensitively
 * (RFC 9110 7.6.1, 6.1). One field may appear several times: its values form one list.
 * @module
 */

const SP = 0x20;
const HTAB = 0x09;

/** Field values as {@link HTTPMessage.getAll} returns them, one string, or nothing. */
export type ListValues = string | readonly string[] | undefined;

/** Whether `value` holds an element equal to `token` (ASCII case-insensitive), without allocating. */
function valueHas(value: string, token: string): boolean {
  const len = value.length;
  const n = token.length;
  let i = 0;
  while (i <= len) {
    let comma = value.indexOf(",", i);
    if (comma === -1) comma = len;
    let a = i;
    let z = comma;
    while (a < z && isOWS(value.charCodeAt(a))) a++;
    while (z > a && isOWS(value.charCodeAt(z - 1))) z--;
    if (z - a === n && sameToken(value, a, token)) return true;
    i = comma + 1;
  }
  return false;
}

function isOWS(c: number): boolean {
  return c === SP || c === HTAB;
}

/** ASCII case-insensitive comparison of `value[at, at + token.length)` with `token`. */
function sameToken(value: string, at: number, token: string): boolean {
  for (let k = 0; k < token.length; k++) {
    let a = value.charCodeAt(at + k);
    let b = token.charCodeAt(k);
    if (a === b) continue;
    if (a >= 0x41 && a <= 0x5a) a |= 0x20;
    if (b >= 0x41 && b <= 0x5a) b |= 0x20;
    if (a !== b) return false;
  }
  return true;
}

/**
 * Whether the list in `values` names `token` (RFC 9110 5.6.1: empty elements and OWS ignored,
 * ASCII case-insensitive). Allocation-free; `undefined` or `[]` gives false. An element with
 * parameters (`chunked;q=1`) is not the bare token: compare such lists with {@link parseTokenList}.
 * @example
 * ```ts
 * hasToken(headers.getAll("connection"), "close"); // "Keep-Alive, Close" -> true
 * hasToken([" , upgrade ,", "x"], "UPGRADE");       // true
 * ```
 */
export function hasToken(values: ListValues, token: string): boolean {
  if (values === undefined) return false;
  if (typeof values === "string") return valueHas(values, token);
  for (const v of values) if (valueHas(v, token)) return true;
  return false;
}

/**
 * The elements of the list in `values`, in order, lower-cased, OWS trimmed, empty elements
 * dropped (RFC 9110 5.6.1). `undefined` or no values give `[]`.
 * @example
 * ```ts
 * parseTokenList(["gzip, , Chunked", " "]); // ["gzip", "chunked"]
 * ```
 */
export function parseTokenList(values: ListValues): string[] {
  const out: string[] = [];
  if (values === undefined) return out;
  if (typeof values === "string") addElements(values, out);
  else for (const v of values) addElements(v, out);
  return out;
}

function addElements(value: string, out: string[]): void {
  const len = value.length;
  let i = 0;
  while (i <= len) {
    let comma = value.indexOf(",", i);
    if (comma === -1) comma = len;
    let a = i;
    let z = comma;
    while (a < z && isOWS(value.charCodeAt(a))) a++;
    while (z > a && isOWS(value.charCodeAt(z - 1))) z--;
    if (z > a) out.push(value.slice(a, z).toLowerCase());
    i = comma + 1;
  }
}
