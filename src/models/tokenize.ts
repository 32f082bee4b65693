// A word is letters and digits, optionally joined by apostrophes ("don't", "Caroline's"); an
// emoji is a word of its own, so "🎉" and "🎂" are told apart instead of both vanishing.
const wordPattern = /[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*|\p{Extended_Pictographic}/gu;
const possessivePattern = /['’]s$/;
const apostrophePattern = /['’]/g;
// Skipping NFKC for plain ASCII text keeps the common case fast.
const nonAsciiPattern = /[\u0080-\uffff]/;

/**
 * Splits text into lowercase word tokens for keyword features.
 *
 * Text is NFKC-normalised (so full-width letters and ligatures match their plain forms),
 * possessive `'s` is dropped ("Caroline's" → "caroline") and other apostrophes are removed
 * ("don't" → "dont"). Scripts written without spaces (Chinese, Japanese, Thai) come out as
 * long runs; the character n-gram features are what make those comparable.
 *
 * @example tokenize("Caroline's dog didn't bark 🐶") // ['caroline', 'dog', 'didnt', 'bark', '🐶']
 */
export function tokenize(text: string): string[] {
  const normalised = nonAsciiPattern.test(text) ? text.normalize('NFKC') : text;
  const matches = normalised.toLowerCase().match(wordPattern);
  if (matches === null) return [];
  return matches.map((token) =>
    token.includes("'") || token.includes('’') ? token.replace(possessivePattern, '').replace(apostrophePattern, '') : token,
  );
}
