/**
 * The HTTP/1.1 message layer: status codes, header container, strict head parser, body framing,
 * chunked codec, dates and writer-side validation. Shared by the client, the server and the proxies.
 * @module
 */
export { HTTPStatus, statusInfo, responses, type StatusInfo } from "./status.js";
export { HTTPMessage } from "./http-message.js";
export { DEFAULT_HEAD_LIMITS, type HeadLimits } from "./limits.js";
export { findHeadEnd, skipEmptyLines, parseHeaderFields } from "./fields.js";
export { parseRequestHead, parseRequestLine, type RequestHead, type RequestLine } from "./request-head.js";
export { parseResponseHead, parseStatusLine, type ResponseHead, type StatusLine } from "./response-head.js";
export { parseHeaders, type LineReader } from "./parse-headers.js";
export { requestBodyFraming, responseBodyFraming, parseContentLength, transferCodings, type BodyFraming, type MessageVersion } from "./framing.js";
export { ChunkedDecoder, type ChunkedLimits, type ChunkedPushResult } from "./chunked-decoder.js";
export { ChunkedBody, type ChunkedBodyLimits } from "./chunked-body.js";
export { encodeChunk, encodeLastChunk } from "./chunked-encode.js";
export { formatHttpDate, parseHttpDate } from "./date.js";
export { isFieldValue, validateHeaderName, validateHeaderValue } from "./validate.js";
export { isToken } from "./chars.js";
export { hasToken, parseTokenList, type ListValues } from "./token-list.js";
