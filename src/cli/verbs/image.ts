// `podrun image ...` and `podrun images`: parse, call src/image, print. The store is
// opened directly (no supervisor). IMAGE_SUBCOMMANDS is the list of `image` verbs; a
// verb is one entry (`image pull` joins it from the registry client).
import { Command, Option } from 'commander';
import { StatePaths, resolveRoot } from '../../state/paths.js';
import { InvalidInputError, NotFoundError, PodrunError } from '../../util/errors.js';
import { age, printJson, printTable } from '../output.js';
import { report } from '../report.js';
import { pullVerb } from './image-pull.js';

export type ImageSubcommand = (image: Command, state: (cmd: Command) => StatePaths) => void;

const collect = (v: string, prev: string[]) => [...prev, v];

function checkOutput(output: string | undefined): void {
  if (output !== undefined && output !== 'json') throw new InvalidInputError('--output', `"${output}": must be json`);
}

async function openStore(state: StatePaths) {
  const { ImageStore } = await import('../../image/store/store.js');
  return ImageStore.open(state.imageStore);
}

async function list(state: StatePaths, output: string | undefined): Promise<void> {
  checkOutput(output);
  const store = await openStore(state);
  const { familiarNames, humanSize, listItem } = await import('../../image/image-views.js');
  const images = store.list();
  if (output === 'json') return printJson({ images: images.map(listItem) });
  const rows = images.flatMap((r) =>
    familiarNames(r).map(([repo, tag]) => [repo, tag, r.id.slice(7, 19), age(r.created), humanSize(r.size)]),
  );
  printTable(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rows);
}

const importVerb: ImageSubcommand = (image, state) => {
  image
    .command('import')
    .description('import an OCI image layout (dir or tar), a docker-archive or a rootfs tarball; print the image ID')
    .option('--name <ref>', 'name the image (repeatable)', collect, [] as string[])
    .argument('<file>')
    .action(async (file: string, o: { name: string[] }, cmd: Command) => {
      const store = await openStore(state(cmd));
      const { importFile } = await import('../../image/import/import-file.js');
      const { terminalProgress } = await import('../progress.js');
      const progress = terminalProgress();
      const ids = await importFile(store, file, { names: o.name, ...(progress ? { progress } : {}) });
      process.stdout.write(ids.map((id) => `${id}\n`).join(''));
    });
};

const listVerb: ImageSubcommand = (image, state) => {
  image
    .command('list')
    .alias('ls')
    .description('the images in the store')
    .addOption(new Option('-o, --output <format>', 'json'))
    .action((o: { output?: string }, cmd: Command) => list(state(cmd), o.output));
};

const inspectVerb: ImageSubcommand = (image, state) => {
  image
    .command('inspect')
    .description('the image config (Entrypoint, Cmd, Env, WorkingDir, User, ...) and layers')
    .addOption(new Option('-o, --output <format>', 'json').default('json'))
    .argument('<ref>')
    .action(async (ref: string, o: { output: string }, cmd: Command) => {
      checkOutput(o.output);
      const store = await openStore(state(cmd));
      const { inspectView } = await import('../../image/image-views.js');
      const rec = store.find(ref);
      if (!rec) throw new NotFoundError(`image ${JSON.stringify(ref)} not found`);
      printJson(inspectView(rec, store.config(rec).config));
    });
};

const rmVerb: ImageSubcommand = (image, state) => {
  image
    .command('rm')
    .description('remove names or images (refused while a pod uses the image, unless -f)')
    .option('-f, --force', 'remove even while pods use it (their layers stay until they go)', false)
    .argument('<refs...>')
    .action(async (refs: string[], o: { force: boolean }, cmd: Command) => {
      const store = await openStore(state(cmd));
      let failure: unknown;
      for (const ref of refs) {
        try {
          const r = store.remove(ref, o.force);
          for (const n of r.untagged) process.stdout.write(`Untagged: ${n}\n`);
          for (const id of r.deleted) process.stdout.write(`Deleted: ${id}\n`);
        } catch (e) {
          failure = e;
          report(e);
        }
      }
      if (failure) process.exitCode = failure instanceof PodrunError ? failure.exitCode : 1;
    });
};

/** The `image` verbs, in help order. */
export const IMAGE_SUBCOMMANDS: ImageSubcommand[] = [importVerb, pullVerb, listVerb, inspectVerb, rmVerb];

export function registerImageCommands(program: Command): void {
  const state = (cmd: Command) => new StatePaths(resolveRoot(cmd.optsWithGlobals().root as string | undefined));
  const image = program.command('image').description('the image store: import, pull, list, inspect, rm');
  for (const add of IMAGE_SUBCOMMANDS) add(image, state);
  program
    .command('images')
    .description('alias of `image list`')
    .addOption(new Option('-o, --output <format>', 'json'))
    .action((o: { output?: string }, cmd: Command) => list(state(cmd), o.output));
}
