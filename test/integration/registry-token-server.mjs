// A token server for docker-registry's `auth: token` (the distribution token spec), for the
// Bearer tests: GET /token?service=S&scope=repository:NAME:pull with Basic credentials
// USER:PASSWORD answers {"token": JWT}, a JWT signed RS256 with KEY whose x5c header
// carries CERT (which the registry's rootcertbundle trusts). Wrong or no credentials: 401.
// Usage: node registry-token-server.mjs PORT KEY.pem CERT.pem ISSUER USER:PASSWORD
import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [port, keyFile, certFile, issuer, creds] = process.argv.slice(2);
const key = createPrivateKey(readFileSync(keyFile));
const der = new X509Certificate(readFileSync(certFile)).raw.toString('base64');
const b64url = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname !== '/token') return void res.writeHead(404).end();
  process.stdout.write(`token ${url.search} ${req.headers.authorization ? 'with' : 'without'} credentials\n`);
  if (req.headers.authorization !== `Basic ${Buffer.from(creds).toString('base64')}`) return void res.writeHead(401).end('{}');
  const access = url.searchParams.getAll('scope').map((s) => {
    const [type, name, actions] = s.split(':');
    return { type, name, actions: actions.split(',') };
  });
  const now = Math.floor(Date.now() / 1000);
  const header = b64url({ typ: 'JWT', alg: 'RS256', x5c: [der] });
  const claims = b64url({ iss: issuer, sub: creds.split(':')[0], aud: url.searchParams.get('service'), exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access });
  const signature = sign('sha256', Buffer.from(`${header}.${claims}`), key).toString('base64url');
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${header}.${claims}.${signature}`, expires_in: 300 }));
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
