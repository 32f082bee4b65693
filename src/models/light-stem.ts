/**
 * A light English suffix stripper: plurals, `-ing`, `-ed`, `-ly`, and a final `-e`, so that
 * "hiking", "hikes", "hiked" and "hike" share the stem "hik". It is deliberately cruder than
 * Porter: stems only need to be equal for related words, never readable, and every rule here
 * must be cheap enough to run on every word of every ingested memory.
 *
 * Words of three letters or fewer, and words with a digit, are returned unchanged.
 */
export function lightStem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  let stem = stripPlural(word);
  stem = stripVerbSuffix(stem);
  if (stem.length > 4 && stem.endsWith('ly')) stem = stem.slice(0, -2);
  // "make"/"making" and "love"/"loved" meet at "mak" and "lov" once the silent e goes.
  if (stem.length > 3 && stem.endsWith('e')) stem = stem.slice(0, -1);
  return stem;
}

function stripPlural(word: string): string {
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith('sses')) return word.slice(0, -2);
  if (/(?:x|z|ch|sh)es$/.test(word)) return word.slice(0, -2);
  // "class", "bus" and "this" end in s but are not plurals.
  if (word.endsWith('s') && !/(?:ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

function stripVerbSuffix(word: string): string {
  for (const suffix of ['ing', 'ed']) {
    if (!word.endsWith(suffix)) continue;
    const stem = word.slice(0, -suffix.length);
    // "sing", "bring" and "need" are not inflections: the rest must be a plausible word.
    if (stem.length < 3 || !/[aeiouy]/.test(stem)) return word;
    return undouble(stem);
  }
  return word;
}

/** "running" → "runn" → "run", but "falling" keeps "fall" and "passed" keeps "pass". */
function undouble(stem: string): string {
  const last = stem.charCodeAt(stem.length - 1);
  if (last === stem.charCodeAt(stem.length - 2) && !/[aeioulsz]$/.test(stem)) return stem.slice(0, -1);
  return stem;
}
