import { describe, expect, it } from 'vitest';
import { lightStem } from './light-stem.ts';
import { tokenize } from './tokenize.ts';

describe('tokenize', () => {
  it('lowercases, drops possessives and apostrophes, keeps digits', () => {
    expect(tokenize("Caroline's dog DIDN'T bark at 3pm—twice!")).toEqual(['caroline', 'dog', 'didnt', 'bark', 'at', '3pm', 'twice']);
    expect(tokenize('Melanie’s kids don’t')).toEqual(['melanie', 'kids', 'dont']);
  });

  it('keeps emoji as words and normalises full-width letters', () => {
    expect(tokenize('party 🎉🎂')).toEqual(['party', '🎉', '🎂']);
    expect(tokenize('ＡＢＣ')).toEqual(['abc']);
  });

  it('returns nothing for text without words', () => {
    expect(tokenize('')).toEqual([]);
    expect(tokenize(' ... ?! ')).toEqual([]);
  });
});

describe('lightStem', () => {
  it('brings inflections of a word to one stem', () => {
    const groups = [
      ['hike', 'hikes', 'hiking', 'hiked'],
      ['paint', 'paints', 'painting', 'painted'],
      ['run', 'running', 'runs'],
      ['story', 'stories'],
      ['box', 'boxes'],
      ['love', 'loved', 'loves', 'loving'],
      ['group', 'groups'],
    ];
    for (const group of groups) expect(new Set(group.map(lightStem)).size, group.join(',')).toBe(1);
  });

  it('leaves short words, numbers and non-inflections alone', () => {
    expect(lightStem('bus')).toBe('bus');
    expect(lightStem('class')).toBe('class');
    expect(lightStem('sing')).toBe('sing');
    expect(lightStem('need')).toBe('need');
    expect(lightStem('falling')).toBe('fall');
    expect(lightStem('2023s')).toBe('2023s');
  });
});
