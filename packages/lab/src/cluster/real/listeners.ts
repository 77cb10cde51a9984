/**
 * Which processes of an engine still accept connections on its port, read from /proc (Linux).
 *
 * After a reload both engines run old and new workers side by side for a moment: nginx's
 * master starts the new workers and only then tells the old ones to stop (they close their
 * copy of the listening socket when they get to it); HAProxy's new worker takes the sockets
 * over and the old one lets go of them once told. Until the old workers have closed the
 * listening socket, a new connection may still land on the old configuration, so `reload()`
 * waits for exactly that: no old worker holds the socket any more.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Inodes of the sockets listening on `port` (IPv4 and IPv6), or null when /proc cannot tell. */
export function listeningInodes(port: number): Set<string> | null {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const found = new Set<string>();
  let read = false;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    read = true;
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; the inode is the tenth field.
      if (f.length > 9 && f[1]!.endsWith(`:${hex}`) && f[3] === '0A') found.add(f[9]!);
    }
  }
  return read ? found : null;
}

/** Pids of the processes in process group `pgid`, the leader excluded. */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === pgid) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces, in parentheses): state ppid pgrp …
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[2]) === pgid && rest[0] !== 'Z') out.push(Number(e));
    } catch {}
  }
  return out;
}

/** Whether process `pid` has one of `inodes` open; false once it is gone. */
export function holdsSocket(pid: number, inodes: Set<string>): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m && inodes.has(m[1]!)) return true;
    } catch {}
  }
  return false;
}
