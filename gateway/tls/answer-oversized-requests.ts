import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** How long a refused connection may keep sending before it is cut, and how much we read meanwhile. */
const LINGER_MS = 2000;
const LINGER_BYTES = 1024 * 1024;

/**
 * 414 / 431 instead of a bare connection reset (issue 9, finding 10). Node's parser stops at
 * `maxHeaderSize` (16 KiB) with HPE_HEADER_OVERFLOW and its default handler writes a 431 and
 * destroys the socket at once; the client is typically still sending its 100 KB, so our close with
 * unread data becomes a TCP RST that wipes the answer from the client's buffer. Here the answer is
 * written, our side half-closes, and what the client still sends is read and dropped for a bounded
 * time and size ("lingering close", RFC 9112 §9.6) so the answer arrives.
 *
 * The request line counts toward the same limit. Whether the overflow came in the request line
 * (414 URI Too Long, RFC 9110 §15.5.15) or in the header fields (431, RFC 6585 §5) is told by
 * whether this request's bytes so far held a line end.
 */
export function answerOversizedRequests(server: HttpsServer): void {
  const lineEnded = new WeakMap<Socket, boolean>();
  server.on('secureConnection', (socket: TLSSocket) => {
    lineEnded.set(socket, false);
    const watch = (chunk: Buffer) => {
      if (lineEnded.get(socket) === false && chunk.includes('\r\n')) lineEnded.set(socket, true);
    };
    socket.on('data', watch);
  });
  // The next request on a keep-alive connection starts over with a new request line.
  server.on('request', (req: { socket: Socket }, res: { once(e: 'finish', f: () => void): void }) => {
    res.once('finish', () => lineEnded.set(req.socket, false));
  });

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'HPE_HEADER_OVERFLOW' && socket.writable) {
      const uriTooLong = lineEnded.get(socket) === false;
      const status = uriTooLong ? '414 URI Too Long' : '431 Request Header Fields Too Large';
      const body = uriTooLong ? 'The request URI is too long.\n' : 'The request header fields are too large.\n';
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n${body}`);
      linger(socket);
      return;
    }
    // Everything else as Node does by default: 400 when we still can, then close.
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    socket.destroy();
  });
}

function linger(socket: Socket): void {
  let read = 0;
  const stop = () => socket.destroy();
  const timer = setTimeout(stop, LINGER_MS);
  timer.unref();
  socket.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > LINGER_BYTES) stop();
  });
  socket.once('close', () => clearTimeout(timer));
  socket.resume();
}
