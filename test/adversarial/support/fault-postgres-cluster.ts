import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const binDirectory = '/usr/lib/postgresql/15/bin';

/** A throwaway PostgreSQL cluster of our own, so restarting it never disturbs the shared test server. */
export interface TemporaryCluster {
  /** Superuser URL of its `postgres` database. */
  url: string;
  /** `pg_ctl stop -m immediate`: every backend dies at once, like a crash. */
  crash(): Promise<void>;
  /** `pg_ctl start -w`: returns when the server accepts connections. */
  start(): Promise<void>;
  /** Creates an empty database and returns its superuser URL. */
  database(name: string): Promise<string>;
  /** Stops the cluster (if running) and deletes its directory. */
  destroy(): Promise<void>;
}

/** Why a temporary cluster cannot be made here, or `undefined` when it can. */
export function clusterUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root (initdb must run as the postgres user via runuser)';
  for (const tool of ['/usr/sbin/runuser', `${binDirectory}/initdb`, `${binDirectory}/pg_ctl`]) {
    if (!existsSync(tool)) return `${tool} is not installed`;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const address = server.address();
  await new Promise((resolveClose) => server.close(resolveClose));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const asPostgres = (command: string, args: string[]) =>
  run('/usr/sbin/runuser', ['-u', 'postgres', '--', `${binDirectory}/${command}`, ...args]);

/** Creates and starts a cluster in a new directory, listening on 127.0.0.1 at a free port. */
export async function startTemporaryCluster(): Promise<TemporaryCluster> {
  const directory = mkdtempSync(join(tmpdir(), 'strata-fault-pg-'));
  const dataDirectory = join(directory, 'data');
  const { uid, gid } = await postgresIds();
  chownSync(directory, uid, gid);
  await asPostgres('initdb', ['-D', dataDirectory, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  const serverOptions = `-p ${port} -k ${directory} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const pgCtl = (args: string[]) => asPostgres('pg_ctl', ['-D', dataDirectory, '-l', join(directory, 'log'), ...args]);
  let running = false;
  const cluster: TemporaryCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async crash() {
      await pgCtl(['-m', 'immediate', '-w', 'stop']);
      running = false;
    },
    async start() {
      await pgCtl(['-o', serverOptions, '-w', 'start']);
      running = true;
    },
    async database(name) {
      if (!/^\w+$/.test(name)) throw new Error(`bad database name ${name}`);
      const admin = new pg.Client({ connectionString: cluster.url });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return cluster.url.replace(/\/postgres$/, `/${name}`);
    },
    async destroy() {
      if (running) await pgCtl(['-m', 'immediate', '-w', 'stop']).catch(() => killPostmaster(dataDirectory));
      running = false;
      rmSync(directory, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}

/** Last resort when pg_ctl cannot stop it: the postmaster's pid is the first line of postmaster.pid. */
function killPostmaster(dataDirectory: string): void {
  try {
    process.kill(Number.parseInt(readFileSync(join(dataDirectory, 'postmaster.pid'), 'utf8'), 10), 'SIGKILL');
  } catch {
    // already gone
  }
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}
