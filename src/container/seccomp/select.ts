// Which seccomp profile a container gets, decided at `create`: the container's
// seccompProfile, else the pod's, else RuntimeDefault (podrun's default, like the
// kubelet's --seccomp-default). A Localhost profile is read from the state root's
// seccomp directory, validated and compiled once here, so that a missing, malformed or
// uncompilable one (an architecture libseccomp does not know) fails `create`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Container, Pod } from '../../model/pod.js';
import { InvalidInputError, NotFoundError } from '../../util/errors.js';
import { RUNTIME_DEFAULT_PROFILE } from './default-profile.js';
import { seccompProgram } from './program.js';
import { validateProfile, type SeccompProfileFile } from './profile.js';

/** `containerField` is spec.containers[i] (or initContainers); null means Unconfined. */
export function selectSeccompProfile(pod: Pod, c: Container, containerField: string, seccompDir: string): SeccompProfileFile | null {
  const own = c.securityContext?.seccompProfile;
  const chosen = own ?? pod.spec.securityContext?.seccompProfile;
  if (!chosen || chosen.type === 'RuntimeDefault') return RUNTIME_DEFAULT_PROFILE;
  if (chosen.type === 'Unconfined') return null;
  const field = `${own ? containerField : 'spec'}.securityContext.seccompProfile.localhostProfile`;
  const file = join(seccompDir, chosen.localhostProfile!);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new NotFoundError(`${field}: seccomp profile ${file} not found`);
    throw new InvalidInputError(field, `seccomp profile ${file}: cannot be read (${err.code ?? err.message})`);
  }
  try {
    const profile = validateProfile(JSON.parse(text));
    seccompProgram(profile, []); // it compiles: refused here rather than at start
    return profile;
  } catch (e) {
    throw new InvalidInputError(field, `seccomp profile ${file}: ${(e as Error).message}`);
  }
}
