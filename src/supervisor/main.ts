// The podrun supervisor: one per state root, started on demand by the CLI. Parent and
// child subreaper of container processes; records exits, writes logs, serves the API.
// Killing it never kills containers; the next one re-adopts every pod from disk.
import { chmodSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { PR_SET_CHILD_SUBREAPER, prctl, tryLockExclusive } from '../../native-bindings/libc.js';
import { PodManager } from '../pod/manager.js';
import { StatePaths, resolveRoot } from '../state/paths.js';
import { createApiServer } from './server.js';

const IDLE_MS = Number(process.env.PODRUN_SUPERVISOR_IDLE_MS ?? 10_000);

function main(): void {
  const i = process.argv.indexOf('--root');
  const state = new StatePaths(resolveRoot(i > 0 ? process.argv[i + 1] : undefined));
  mkdirSync(state.root, { recursive: true, mode: 0o700 });
  const lockFd = openSync(state.supervisorLock, 'a');
  // Another supervisor already serves this root: let it.
  if (!tryLockExclusive(lockFd, state.supervisorLock)) process.exit(0);
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  // Keeps the root in the command line, so tools (and tests) can tell supervisors apart.
  process.title = `podrun-supervisor --root ${state.root}`;
  writeFileSync(state.supervisorPid, `${process.pid}\n`);

  const pods = new PodManager(state);
  pods.adoptAll();

  let inFlight = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  const armIdle = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = undefined;
    if (inFlight === 0 && pods.size === 0 && IDLE_MS > 0) idleTimer = setTimeout(shutdown, IDLE_MS);
  };
  const server = createApiServer(pods, () => shutdown(), (d) => {
    inFlight += d;
    armIdle();
  });
  function shutdown(): void {
    if (pods.size > 0 || inFlight > 1) return armIdle();
    server.close();
    rmSync(state.socket, { force: true });
    process.exit(0);
  }
  rmSync(state.socket, { force: true });
  server.listen(state.socket, () => {
    chmodSync(state.socket, 0o600);
    armIdle();
  });
  process.on('SIGTERM', () => {
    rmSync(state.socket, { force: true });
    process.exit(0);
  });
  process.on('uncaughtException', (err) => {
    process.stderr.write(`podrun supervisor: ${err.stack ?? err.message}\n`);
  });
}

main();
