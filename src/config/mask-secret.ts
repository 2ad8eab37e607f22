/** What a masked secret shows instead of its characters. */
export const MASK = '••••';

/** Secrets shorter than this show no characters at all: four of eight would be half the secret. */
const MIN_LENGTH_TO_HINT = 16;

/** `••••` plus at most the last 4 characters, enough to tell two secrets apart and never to use one. */
export function maskSecret(secret: string | undefined): string | null {
  if (secret === undefined || secret === '') return null;
  return secret.length >= MIN_LENGTH_TO_HINT ? `${MASK}${secret.slice(-4)}` : MASK;
}

/** A URL with its password (and any `password=`-like query value) masked; unparseable text is masked whole. */
export function maskUrlCredentials(url: string | undefined): string | null {
  if (url === undefined || url === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return MASK;
  }
  if (parsed.password !== '') parsed.password = MASK;
  for (const name of [...parsed.searchParams.keys()]) {
    if (/pass|secret|token|key/i.test(name)) parsed.searchParams.set(name, MASK);
  }
  // URL percent-encodes the mask; decoding the whole text would also decode the rest, so replace only it.
  return parsed.toString().replaceAll(encodeURIComponent(MASK), MASK);
}
