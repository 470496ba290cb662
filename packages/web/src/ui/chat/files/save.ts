/**
 * Saves a decrypted file under `name`: a click on an `<a download>` of its
 * `blob:` URL (the browser's own download, no navigation). The URL belongs
 * to the cache of `file-urls.ts`, which revokes it later, well after the
 * browser has read it.
 */
export function saveFile(url: string, name: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.rel = 'noopener';
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
}
