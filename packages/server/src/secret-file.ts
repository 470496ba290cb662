import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The contents of a secret file (a key), made by `make` and written with
 * mode 0600 (its directory created, 0700) when it does not exist yet. When
 * another process (a shell command, a second node on the same data
 * directory) creates it at the same moment, theirs is used.
 * @throws Error when the file cannot be read or written.
 */
export async function readOrCreateSecretFile(file: string, make: () => string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
  }
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  let text = make();
  await writeFile(file, text, { mode: 0o600, flag: 'wx' }).catch(async (e: unknown) => {
    if ((e as { code?: string }).code !== 'EEXIST') throw e;
    text = await readFile(file, 'utf8');
  });
  await chmod(file, 0o600);
  return text;
}
