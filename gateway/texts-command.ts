/** `medmij-gateway texts <nl|en>`: a complete texts file on stdout (README "Screen texts"). */
export async function printTextsTemplate(lang: string | undefined): Promise<number> {
  if (lang !== 'nl' && lang !== 'en') {
    process.stderr.write('Usage: medmij-gateway texts <nl|en>\n');
    return 2;
  }
  const { formatTextsTemplate } = await import('./oauth/index.js');
  process.stdout.write(formatTextsTemplate(lang));
  return 0;
}
