// An image's USER (`uid`, `uid:gid`, `name`, `name:group`, ...) to numeric IDs, through
// the image's /etc/passwd and /etc/group, as containerd's WithUser does for the kubelet:
// a name must be found; a bare uid takes the primary group of its passwd entry (0 when
// it has none); and the user gets its primary group and the groups /etc/group lists it
// in as supplementary groups.
import { BadImageError } from './image-error.js';

export interface ImageUser {
  uid: number;
  gid: number;
  /** Supplementary groups from /etc/group. */
  groups: number[];
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const numeric = (s: string) => /^\d+$/.test(s);

export function parsePasswd(text: string | undefined): PasswdEntry[] {
  return (text ?? '')
    .split('\n')
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 4 && numeric(f[2]!) && numeric(f[3]!))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]) }));
}

export function parseGroup(text: string | undefined): GroupEntry[] {
  return (text ?? '')
    .split('\n')
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 3 && numeric(f[2]!))
    .map((f) => ({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));
}

/** Resolves `user` (the image's USER; '' is root); throws naming what is missing. */
export function resolveImageUser(user: string, passwdText: string | undefined, groupText: string | undefined): ImageUser {
  const [u = '', g] = user.split(':', 2);
  const passwd = parsePasswd(passwdText);
  const groups = parseGroup(groupText);
  let uid = 0;
  let gid = 0;
  let name: string | undefined;
  if (u === '') {
    name = passwd.find((p) => p.uid === 0)?.name;
  } else if (numeric(u)) {
    uid = Number(u);
    const entry = passwd.find((p) => p.uid === uid);
    gid = entry?.gid ?? 0;
    name = entry?.name;
  } else {
    const entry = passwd.find((p) => p.name === u);
    if (!entry) throw new BadImageError(`the image's user ${JSON.stringify(u)} is not in its /etc/passwd`);
    ({ uid, gid, name } = entry);
  }
  if (g !== undefined && g !== '') {
    if (numeric(g)) gid = Number(g);
    else {
      const entry = groups.find((e) => e.name === g);
      if (!entry) throw new BadImageError(`the image's group ${JSON.stringify(g)} is not in its /etc/group`);
      gid = entry.gid;
    }
  }
  // containerd's additional GIDs: the primary group, then the groups that list the user.
  const extra = name === undefined ? [] : groups.filter((e) => e.members.includes(name!)).map((e) => e.gid);
  return { uid, gid, groups: [...new Set([gid, ...extra])] };
}
