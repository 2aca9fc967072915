// Servers for test/integration/probe-handlers.test.ts, run inside the test's own network
// namespace: HTTP, HTTPS (self-signed) and an h2c gRPC health server.
// Usage: node probe-test-servers.mjs HTTP_PORT HTTPS_PORT GRPC_PORT TLS_DIR|- ADDR
// Prints "ready" once every server listens.
import { createServer as createHttp } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { createServer as createH2c } from 'node:http2';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [httpPort, httpsPort, grpcPort] = process.argv.slice(2, 5).map(Number);
const tlsDir = process.argv[5];
const addr = process.argv[6]; // '::' (dual stack) or '0.0.0.0' when IPv6 is off

function routes(req, res) {
  const url = new URL(req.url, 'http://x');
  const redirect = (location, body = '') => {
    res.writeHead(302, { location, 'content-type': 'text/plain' });
    res.end(body);
  };
  const chain = /^\/chain\/(\d+)$/.exec(url.pathname);
  if (chain) return Number(chain[1]) > 0 ? redirect(`/chain/${Number(chain[1]) - 1}`) : res.end('end of chain');
  switch (url.pathname) {
    case '/ok':
      return res.end('ok');
    case '/fail':
      res.writeHead(500);
      return res.end('secret failure body');
    case '/redirect':
      return redirect('/ok');
    case '/other-host':
      return redirect(`http://elsewhere.invalid:${httpPort}/ok`, 'moved away');
    case '/loop':
      return redirect('/loop');
    case '/to-https':
      return redirect(`https://127.0.0.1:${httpsPort}/ok`);
    case '/to-headers':
      return redirect('/headers');
    case '/headers':
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ headers: req.headers, raw: req.rawHeaders }));
    case '/big':
      res.writeHead(200);
      return res.end(Buffer.alloc(1024 * 1024, 'a'));
    case '/slow':
      return; // never answers
    case '/stall-body':
      res.writeHead(200);
      return res.write('partial'); // headers, then nothing more
    case '/hangup':
      return req.socket.destroy();
    default:
      res.writeHead(404);
      return res.end();
  }
}

// grpc.health.v1: '' and 'up' SERVING, 'down' NOT_SERVING, 'slow' never answers, others NotFound.
const SERVING = { '': 1, up: 1, down: 2 };

function grpc(stream, headers) {
  if (headers[':path'] !== '/grpc.health.v1.Health/Check') {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'unknown method' }, { endStream: true });
    return;
  }
  const chunks = [];
  stream.on('data', (c) => chunks.push(c));
  stream.on('end', () => {
    const msg = Buffer.concat(chunks).subarray(5);
    // Field 1 (tag 0x0a), short string: enough for the test's names.
    const service = msg.length && msg[0] === 0x0a ? msg.subarray(2, 2 + msg[1]).toString() : '';
    if (service === 'slow') return;
    if (!(service in SERVING)) {
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'unknown%20service' },
        { endStream: true },
      );
      return;
    }
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    const body = Buffer.from([0x08, SERVING[service]]);
    const head = Buffer.alloc(5);
    head.writeUInt32BE(body.length, 1);
    stream.end(Buffer.concat([head, body]));
  });
}

const listening = [];
const listen = (server, port) => listening.push(new Promise((r) => server.listen({ port, host: addr, ipv6Only: false }, r)));
listen(createHttp(routes), httpPort);
if (tlsDir !== '-') {
  listen(createHttps({ key: readFileSync(join(tlsDir, 'key.pem')), cert: readFileSync(join(tlsDir, 'cert.pem')) }, routes), httpsPort);
}
const h2 = createH2c();
h2.on('stream', grpc);
listen(h2, grpcPort);
await Promise.all(listening);
process.stdout.write('ready\n');
