// tcpSocket probe (kubelet pkg/probe/tcp): a TCP connect within the time-out is a success;
// the connection is closed at once. Even a server that closes immediately is healthy.
import { DialError, connectInNetns } from './dial.js';
import { internalError, type NetTarget, type ProbeOutcome } from './types.js';

export async function tcpProbe(t: NetTarget): Promise<ProbeOutcome> {
  try {
    const sock = await connectInNetns(t.netns, t.host, t.port, t.timeoutMs);
    // Graceful close (FIN). The kubelet also sets SO_LINGER 1 s against TIME_WAIT buildup;
    // here TIME_WAIT sockets stay in the pod's namespace, a few per probe period: harmless.
    sock.destroy();
    return { result: 'Success', output: '' };
  } catch (e) {
    if (e instanceof DialError) return { result: 'Failure', output: e.message };
    return internalError('tcp probe', e);
  }
}
