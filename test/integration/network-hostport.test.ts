// hostPort end to end, in a network namespace of this file's own standing in for the host:
// TCP and UDP published on the host's addresses (127.0.0.1 included), a taken hostPort
// refused at create naming it, and the rules gone with the pod.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canRun, manifest, networkLeftovers, newRoot, onStandInHost, podrun, removeRoot, runPod, until } from './helpers.js';

const root = canRun ? newRoot('nethp') : '/nonexistent';

// busybox's nc has no UDP: node (from the host root, image '/') echoes, and sends from the host.
const UDP_ECHO = `const s = require('dgram').createSocket('udp4'); s.on('message', (m, r) => s.send('udp-' + m, r.port, r.address)); s.bind(5353);`;
const UDP_SEND = `const s = require('dgram').createSocket('udp4'); s.on('message', (m) => { console.log(String(m)); process.exit(0); });
setTimeout(() => process.exit(1), 1000); s.send('ping', Number(process.argv[2]), process.argv[1]);`;

async function tcpFromHost(host: string, port: number): Promise<string> {
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/name`;
  const js = `require('http').get(${JSON.stringify(url)}, (r) => r.pipe(process.stdout)).on('error', (e) => { console.error(e.message); process.exit(1); })`;
  return (await onStandInHost(process.execPath, ['-e', js])).stdout.trim();
}
const udpFromHost = async (host: string, port: number) => (await onStandInHost(process.execPath, ['-e', UDP_SEND, host, String(port)])).stdout.trim();

const published = (name: string, tcpHostPort: number, udpHostPort?: number) =>
  manifest(name, [
    {
      name: 'web',
      command: ['sh', '-c', `mkdir -p /www && echo ${name} > /www/name && exec httpd -f -p 8080 -h /www`],
      extra: { ports: [{ containerPort: 8080, hostPort: tcpHostPort }] },
    },
    ...(udpHostPort
      ? [{ name: 'udp', image: '/', command: [process.execPath, '-e', UDP_ECHO], extra: { ports: [{ containerPort: 5353, hostPort: udpHostPort, protocol: 'UDP' }] } }]
      : []),
  ]);

describe.skipIf(!canRun)('hostPort', () => {
  afterAll(async () => {
    await podrun(root, ['rm', '-f', 'hp-a', 'hp-b', 'hp-client']);
    await removeRoot(root);
  });

  it('publishes TCP and UDP on the host addresses, 127.0.0.1 included', async () => {
    await runPod(root, published('hp-a', 18080, 15353));
    for (const host of ['127.0.0.1', '10.89.0.1', 'fd89::1']) {
      expect(await until(`TCP ${host}:18080`, () => tcpFromHost(host, 18080)), host).toBe('hp-a');
    }
    for (const host of ['127.0.0.1', '10.89.0.1']) {
      expect(await until(`UDP ${host}:15353`, () => udpFromHost(host, 15353)), host).toBe('udp-ping');
    }
  });

  it('lets pods reach a hostPort on the host address, the publishing pod itself too', async () => {
    await runPod(root, manifest('hp-client', [{ name: 'c', command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'] }]));
    for (const pod of ['hp-client', 'hp-a']) {
      const r = await podrun(root, ['exec', pod, '--', 'timeout', '5', 'wget', '-qO-', 'http://10.89.0.1:18080/name']);
      expect(r.stdout.trim(), `from ${pod}: ${r.stderr}`).toBe('hp-a');
    }
    expect((await podrun(root, ['rm', '-f', 'hp-client'])).exitCode).toBe(0);
  });

  it('refuses a second pod asking for a taken hostPort at create, naming it, leaving nothing of it', async () => {
    const r = await podrun(root, ['create', '-f', '-'], { input: published('hp-b', 18080) });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/spec\.containers\[0\]\.ports\[0\]\.hostPort: 18080\/TCP is already published/);
    expect(existsSync(join(root, 'pods', 'hp-b'))).toBe(false);
    expect((await networkLeftovers(root)).leases).toHaveLength(1);
  });

  it('rm takes the rules along, with the bridge and the table', async () => {
    expect((await networkLeftovers(root)).nftTables).toEqual(['table inet podrun0']);
    expect((await podrun(root, ['rm', '-f', 'hp-a'])).exitCode).toBe(0);
    expect(await networkLeftovers(root)).toEqual({ links: [], leases: [], nftTables: [] });
    expect(await tcpFromHost('127.0.0.1', 18080)).toBe('');
  });
});
