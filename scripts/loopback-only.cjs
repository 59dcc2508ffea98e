/**
 * Preloaded (node --require) into the Microsoft 365 Agents Playground by `npm start`. The
 * Playground listens with `server.listen(port)` — on every interface — and has no host
 * option, so anyone on the network could chat as its user and watch its WebSocket. This
 * makes every TCP listen in that process bind to 127.0.0.1: a port without a host, an
 * options object without a host, or a wildcard host (0.0.0.0, ::) all become loopback.
 * Unix sockets, file descriptors and handles are left as they are.
 */
/* global require */
'use strict';
// A CommonJS preload, so require is the way in.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const net = require('node:net');

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const isLoopback = (host) => typeof host === 'string' && (LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host));
const isPort = (value) => typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value));
const originalListen = net.Server.prototype.listen;

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const first = args[0];
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    const usesHandle = '_handle' in first || first.handle !== undefined || first.fd !== undefined || first.path !== undefined;
    if (!usesHandle && !isLoopback(first.host)) args[0] = { ...first, host: '127.0.0.1' };
  } else if (args.length === 0 || typeof first === 'function' || isPort(first)) {
    // listen([port][, host][, backlog][, callback])
    if (args.length === 0 || typeof first === 'function') args.unshift(0);
    if (args.length === 1 || args[1] === undefined || args[1] === null || typeof args[1] === 'string') {
      if (!isLoopback(args[1])) args[1] = '127.0.0.1';
    } else {
      args.splice(1, 0, '127.0.0.1');
    }
  }
  return originalListen.apply(this, args);
};
