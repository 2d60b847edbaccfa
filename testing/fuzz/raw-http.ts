/** Raw HTTP/1.1 over a socket: bytes that are not (quite) HTTP, and the answers they get. */
import { connect } from "node:net";
import { REQUEST_TIMEOUT_MS } from "./settings.js";

/** Writes the bytes, half-closes, and reads until the server closes (or the timeout). */
export function rawExchange(
  url: string,
  bytes: Uint8Array,
): Promise<{ received: string; timedOut: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolveExchange) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.end(bytes));
    let received = "";
    socket.setEncoding("latin1").on("data", (chunk: string) => (received += chunk));
    socket.on("close", () => resolveExchange({ received, timedOut: false }));
    socket.on("error", () => undefined); // a reset: "close" follows
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => {
      socket.destroy();
      resolveExchange({ received, timedOut: true });
    });
  });
}

/** Splits raw HTTP/1.1 responses (Content-Length framing; chunked bodies are not checked). */
export function parseResponses(
  raw: string,
  headRequest: boolean,
): Array<{ status: number; contentType: string; text?: string }> {
  const answers: Array<{ status: number; contentType: string; text?: string }> = [];
  let rest = raw;
  while (rest.length > 0) {
    const end = rest.indexOf("\r\n\r\n");
    const head = end === -1 ? rest : rest.slice(0, end);
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    if (!status) {
      answers.push({ status: 0, contentType: "", text: head });
      break;
    }
    if (/^1\d\d$/.test(status[1]!) && status[1] !== "101") {
      rest = rest.slice(end + 4); // an interim answer (100 Continue): the real one follows
      continue;
    }
    const header = (name: string) =>
      new RegExp(`\\r\\n${name}:[ \\t]*([^\\r\\n]*)`, "i").exec(head)?.[1]?.trim();
    const length = Number(header("content-length") ?? "NaN");
    const chunked = /chunked/i.test(header("transfer-encoding") ?? "");
    const bodyStart = end === -1 ? rest.length : end + 4;
    const isHeadLike =
      Number(status[1]) === 204 || Number(status[1]) === 304 || Number(status[1]) < 200;
    const bodyBytes = Number.isFinite(length) ? length : 0;
    const body = Buffer.from(rest.slice(bodyStart), "latin1").subarray(0, bodyBytes);
    const unframed = chunked || !Number.isFinite(length) || headRequest;
    answers.push({
      status: Number(status[1]),
      contentType: header("content-type") ?? "",
      text: unframed || isHeadLike || body.length < bodyBytes ? undefined : body.toString("utf8"),
    });
    if (unframed) break;
    rest = rest.slice(bodyStart + Buffer.from(body).toString("latin1").length);
  }
  return answers;
}
