import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { listenBare, type BareTls } from './bare-listener.js';

/**
 * The reference of `npm run bench`: a bare node:https server (or node:http, for the plain
 * operations listener) in a process of its own, with the gateway's own certificate and the same
 * two-sided TLS (client certificate required and checked against the same CA), answering each
 * path with the very bytes the gateway answered it. What the gateway costs beyond this is ours.
 * Input: one JSON argument; prints `{"port":N}` when listening; stops on SIGTERM.
 */
interface BareInput {
  readonly tls?: BareTls;
  /** path (without query) → the answer's bytes (file) and content type. */
  readonly routes: Readonly<Record<string, { readonly bodyFile: string; readonly contentType: string }>>;
}

const input = JSON.parse(process.argv[2] ?? '{}') as BareInput;
const routes = new Map(Object.entries(input.routes).map(([p, r]) => [p, { body: readFileSync(r.bodyFile), contentType: r.contentType }]));

const handler: http.RequestListener = (req, res) => {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const route = routes.get(q === -1 ? url : url.slice(0, q));
  if (!route) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('Not found\n');
    return;
  }
  res.writeHead(200, { 'content-type': route.contentType, 'content-length': route.body.length });
  res.end(route.body);
};

listenBare(handler, input.tls);
