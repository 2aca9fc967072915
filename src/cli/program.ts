// The commander definition of every verb: parses, calls the lifecycle layer, prints.
import { Command, Option } from 'commander';
import { podrunVersion } from '../api/version.js';
import { StatePaths, resolveRoot } from '../state/paths.js';
import { PodrunError, UsageError } from '../util/errors.js';
import { report } from './report.js';
import { SupervisorClient } from './client.js';
import { registerImageCommands } from './verbs/image.js';

function ctx(cmd: Command): { state: StatePaths; client: SupervisorClient } {
  const state = new StatePaths(resolveRoot(cmd.optsWithGlobals().root as string | undefined));
  return { state, client: new SupervisorClient(state) };
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function build(): Command {
  const program = new Command('podrun')
    .description('Kubernetes v1 Pods as real Linux sandboxes, from a root shell')
    .version(podrunVersion(), '-V, --version', 'print the podrun version')
    .option('--root <dir>', 'state root (also PODRUN_ROOT; default /run/podrun)')
    .enablePositionalOptions()
    .exitOverride()
    .showSuggestionAfterError(false);
  program.configureOutput({ outputError: (s, write) => write(s.startsWith('error:') ? `podrun: ${s.slice(7)}` : s) });

  program
    .command('create')
    .description('create the pod sandbox and its containers (not started); print the pod name')
    .requiredOption('-f, --file <file>', 'Pod manifest (YAML or JSON), - for stdin')
    .option('--ignore-missing-controllers', 'create even if a limit needs a cgroup controller this host lacks (a warning then; also PODRUN_IGNORE_MISSING_CONTROLLERS=1)')
    .action(async (o: { file: string; ignoreMissingControllers?: boolean }, cmd: Command) => {
      const { create, ignoreMissingControllers } = await import('./verbs/lifecycle.js');
      const ignore = ignoreMissingControllers(o.ignoreMissingControllers, process.env);
      process.stdout.write((await create(ctx(cmd).client, o.file, ignore)) + '\n');
    });

  program
    .command('start')
    .description('start the containers (init containers first, each to success)')
    .argument('<pod>')
    .action(async (pod: string, _o: unknown, cmd: Command) => {
      const { start } = await import('./verbs/lifecycle.js');
      await start(ctx(cmd).client, pod);
    });

  program
    .command('run')
    .description('create + start; print the pod name')
    .requiredOption('-f, --file <file>', 'Pod manifest (YAML or JSON), - for stdin')
    .option('--ignore-missing-controllers', 'as for create')
    .action(async (o: { file: string; ignoreMissingControllers?: boolean }, cmd: Command) => {
      const { create, ignoreMissingControllers, start } = await import('./verbs/lifecycle.js');
      const ignore = ignoreMissingControllers(o.ignoreMissingControllers, process.env);
      const { client } = ctx(cmd);
      const name = await create(client, o.file, ignore);
      process.stdout.write(name + '\n');
      await start(client, name);
    });

  program
    .command('exec')
    .description('run a command in a running container')
    .option('-i, --stdin', 'forward stdin', false)
    .option('-t, --tty', "allocate a terminal from the container's devpts", false)
    .option('-c, --container <name>', 'container (default: the first app container)')
    .option('-e, --env <K=V>', 'environment variable (repeatable)', collect, [] as string[])
    .option('-w, --workdir <dir>', 'working directory')
    .option('-u, --user <uid[:gid]>', 'user to run as')
    .argument('<pod>')
    .argument('<command...>')
    .passThroughOptions()
    .action(async (pod: string, argv: string[], o: { stdin: boolean; tty: boolean; container?: string; env: string[]; workdir?: string; user?: string }, cmd: Command) => {
      const command = argv[0] === '--' ? argv.slice(1) : argv;
      if (command.length === 0) throw new UsageError('exec: a command is required after the pod name');
      try {
        if (o.tty) {
          const { execTerminal } = await import('./verbs/exec-terminal.js');
          process.exitCode = await execTerminal(ctx(cmd).state, pod, command, o);
          return;
        }
        const { execInContainer } = await import('../pod/exec.js');
        process.exitCode = await execInContainer(ctx(cmd).state, pod, command, { ...o, stdin: o.stdin });
      } catch (e) {
        // A failure of podrun itself (not of the command) is 125, as Docker and Podman say.
        throw e instanceof PodrunError ? e : new PodrunError((e as Error).message, 'exec', 125);
      }
    });

  program
    .command('attach')
    .description("connect to a running container's terminal or stdin/stdout; ctrl-p ctrl-q detaches")
    .option('-c, --container <name>', 'container (default: the first app container)')
    .option('--detach-keys <keys>', 'the detach sequence, in Docker\'s syntax (default ctrl-p,ctrl-q)')
    .option('--no-stdin', 'do not send input')
    .argument('<pod>')
    .action(async (pod: string, o: { container?: string; detachKeys?: string; stdin: boolean }, cmd: Command) => {
      const { attach } = await import('./verbs/attach.js');
      const { state, client } = ctx(cmd);
      await client.ensure();
      process.exitCode = await attach(client, state, pod, o);
    });

  program
    .command('kill')
    .description('signal one container or every container (default SIGKILL)')
    .option('-c, --container <name>', 'container')
    .option('-s, --signal <signal>', 'signal name or number', 'KILL')
    .argument('<pod>')
    .action(async (pod: string, o: { container?: string; signal: string }, cmd: Command) => {
      const { kill } = await import('./verbs/lifecycle.js');
      await kill(ctx(cmd).client, pod, o.container, o.signal);
    });

  program
    .command('stop')
    .description('SIGTERM, grace period, then SIGKILL; no restart until start')
    .option('-c, --container <name>', 'container')
    .option('-t, --time <seconds>', 'grace period (default: the pod terminationGracePeriodSeconds)')
    .argument('<pod>')
    .action(async (pod: string, o: { container?: string; time?: string }, cmd: Command) => {
      const { stop } = await import('./verbs/lifecycle.js');
      await stop(ctx(cmd).client, pod, o.container, o.time);
    });

  program
    .command('pause')
    .description('freeze every process of the pod (cgroup.freeze); status shows Paused')
    .argument('<pod>')
    .action(async (pod: string, _o: unknown, cmd: Command) => {
      const { pause } = await import('./verbs/lifecycle.js');
      await pause(ctx(cmd).client, pod);
    });

  program
    .command('unpause')
    .description('thaw a paused pod')
    .argument('<pod>')
    .action(async (pod: string, _o: unknown, cmd: Command) => {
      const { unpause } = await import('./verbs/lifecycle.js');
      await unpause(ctx(cmd).client, pod);
    });

  program
    .command('rm')
    .description('remove pods (-f: stop first); leaves nothing behind')
    .option('-f, --force', 'stop running containers first; a missing pod is not an error', false)
    .argument('<pods...>')
    .action(async (pods: string[], o: { force: boolean }, cmd: Command) => {
      const { rm } = await import('./verbs/lifecycle.js');
      const { client } = ctx(cmd);
      let failure: unknown;
      for (const p of pods) {
        try {
          if (await rm(client, p, o.force)) process.stdout.write(p + '\n');
        } catch (e) {
          failure = e;
          report(e);
        }
      }
      if (failure) process.exitCode = failure instanceof PodrunError ? failure.exitCode : 1;
    });

  program
    .command('list')
    .alias('ps')
    .description('the pods, one line each')
    .addOption(new Option('-o, --output <format>', 'json'))
    .action(async (o: { output?: string }, cmd: Command) => {
      const { list } = await import('./verbs/query.js');
      await list(ctx(cmd).client, o.output);
    });

  program
    .command('inspect')
    .description('the Pod object with its live status')
    .addOption(new Option('-o, --output <format>', 'json or yaml').default('json'))
    .argument('<pod>')
    .action(async (pod: string, o: { output: string }, cmd: Command) => {
      const { inspect } = await import('./verbs/query.js');
      await inspect(ctx(cmd).client, pod, o.output);
    });

  program
    .command('logs')
    .description("a container's logs (both streams)")
    .option('-c, --container <name>', 'container (default: the first app container)')
    .option('-f, --follow', 'follow, across rotations and restarts, until the container has ended for good', false)
    .option('--tail <n>', 'last N lines')
    .option('--timestamps', 'prefix RFC 3339 times with nanoseconds', false)
    .option('-p, --previous', 'the previous instance of the container', false)
    .argument('<pod>')
    .action(async (pod: string, o: { container?: string; follow: boolean; tail?: string; timestamps: boolean; previous: boolean }, cmd: Command) => {
      const { logs } = await import('./verbs/logs.js');
      const { state, client } = ctx(cmd);
      await client.ensure();
      await logs(state, pod, o);
    });

  program
    .command('events')
    .description("pod events, like kubectl's (all pods without POD); -f follows them")
    .option('-f, --follow', 'follow: until the pod is removed, or until interrupted without POD', false)
    .addOption(new Option('-o, --output <format>', 'json (JSON lines)'))
    .argument('[pod]')
    .action(async (pod: string | undefined, o: { follow: boolean; output?: string }, cmd: Command) => {
      const { events } = await import('./verbs/events.js');
      await events(ctx(cmd).state, pod, o);
    });

  program
    .command('stats')
    .description('per container CPU, memory and PIDs from the cgroup files (every pod without POD)')
    .addOption(new Option('-o, --output <format>', 'json'))
    .option('-w, --watch', 'refresh every interval (in place on a terminal)', false)
    .option('--interval <seconds>', 'between the samples the CPU rate is taken over (default 1)')
    .argument('[pod]')
    .action(async (pod: string | undefined, o: { output?: string; watch: boolean; interval?: string }, cmd: Command) => {
      const { stats } = await import('./verbs/stats.js');
      const { state, client } = ctx(cmd);
      await stats(state, client, pod, o);
    });

  program
    .command('wait')
    .description('wait until the pod is ready or completed; exit 1 on time-out')
    .option('--for <condition>', 'ready or completed', 'ready')
    .option('--timeout <seconds>', 'give up after this long')
    .argument('<pod>')
    .action(async (pod: string, o: { for: string; timeout?: string }, cmd: Command) => {
      const { wait } = await import('./verbs/query.js');
      process.exitCode = await wait(ctx(cmd).client, pod, o.for, o.timeout);
    });

  program
    .command('info')
    .description('the version, the kernel, cgroups and the features this build and host support')
    .addOption(new Option('-o, --output <format>', 'json'))
    .action(async (o: { output?: string }, cmd: Command) => {
      const { info } = await import('./verbs/info.js');
      info(resolveRoot(cmd.optsWithGlobals().root as string | undefined), o.output);
    });

  registerImageCommands(program);

  return program;
}

