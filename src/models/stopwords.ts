/**
 * English function words that carry little meaning on their own. The hash embedder has no
 * corpus statistics (it must embed one text with no index at hand), so this list stands in
 * for inverse document frequency: without it, "the", "and" and "I" dominate every vector.
 * Contractions appear without their apostrophe because tokenisation removes it.
 */
export const englishStopwords: ReadonlySet<string> = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below ' +
    'between both but by can could did do does doing down during each few for from further had has have ' +
    'having he her here hers herself him himself his how i if in into is it its itself just me more most ' +
    'my myself no nor not now of off on once only or other our ours ourselves out over own same she ' +
    'should so some such than that the their theirs them themselves then there these they this those ' +
    'through to too under until up very was we were what when where which while who whom why will with ' +
    'would you your yours yourself yourselves ' +
    // Contractions, as tokenisation leaves them.
    'im ive id ill youre youve youd youll hes shes its were weve wed well theyre theyve theyd theyll ' +
    'isnt arent wasnt werent dont doesnt didnt cant couldnt wont wouldnt shouldnt hasnt havent hadnt ' +
    'lets thats theres whats whos hows wheres ' +
    // Leftovers of contractions written with a typographic apostrophe that did not split cleanly.
    's t d ll m re ve'
  ).split(' '),
);
