import { readdir, readFile } from 'node:fs/promises';

interface ProcStat {
  readonly pid: number;
  readonly command: string;
  readonly parent: number;
  /** utime + stime, in seconds. */
  readonly cpuSeconds: number;
}

/** Every process's CPU time so far (Linux /proc); null where /proc cannot be read. */
async function processes(): Promise<ProcStat[] | null> {
  try {
    const stats: ProcStat[] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => null);
      if (!stat) continue;
      const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      stats.push({ pid: Number(entry), command, parent: Number(fields[1]), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100 });
    }
    return stats;
  } catch {
    return null;
  }
}

/** CPU seconds used so far by a process and its direct children. */
export async function cpuSecondsOfTree(pid: number): Promise<number | null> {
  const all = await processes();
  return all ? all.filter((p) => p.pid === pid || p.parent === pid).reduce((sum, p) => sum + p.cpuSeconds, 0) : null;
}

/**
 * CPU seconds used so far by the PostgreSQL server's processes that are alive now. Sampled before and
 * after a timed part, with the connections under test open throughout, the difference is what the
 * server spent on it (and on anything else it served meanwhile: run on a quiet machine).
 */
export async function postgresCpuSeconds(): Promise<number | null> {
  const all = await processes();
  return all ? all.filter((p) => p.command === 'postgres').reduce((sum, p) => sum + p.cpuSeconds, 0) : null;
}
