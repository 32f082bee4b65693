/**
 * LoCoMo (Maharana et al., 2024) retrieval evaluation pieces, shared by the embedder bench and
 * store-level benches: loading the dataset, turning dialogue turns into documents, and
 * recall@k of a ranking against each question's evidence turns.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** One dialogue turn; `id` is LoCoMo's `dia_id` such as "D1:3" (session 1, turn 3). */
export interface LocomoTurn {
  id: string;
  speaker: string;
  text: string;
  /** BLIP caption of the image shared with the turn, when there is one. */
  caption?: string;
  /** The session's date and time as written in the dataset ("1:56 pm on 8 May, 2023"). */
  sessionDateTime?: string;
}

/** A question with the ids of the turns that answer it. */
export interface LocomoQuestion {
  question: string;
  /** 1 multi-hop, 2 temporal, 3 open-domain, 4 single-hop, 5 adversarial. */
  category: number;
  evidence: string[];
}

/** One conversation: the corpus its questions are asked against. */
export interface LocomoConversation {
  sampleId: string;
  turns: LocomoTurn[];
  questions: LocomoQuestion[];
}

/** The loaded dataset and what was left out of it, so reports can say so. */
export interface LocomoDataset {
  conversations: LocomoConversation[];
  /** Questions in the selected categories dropped because none of their evidence ids exists. */
  skippedQuestions: number;
  /** Evidence ids that name no turn (typos in the dataset), dropped from their questions. */
  unknownEvidenceIds: string[];
}

/** Options for {@link loadLocomo}. */
export interface LoadLocomoOptions {
  /** Path of `locomo10.json`. Default: `$LOCOMO_PATH`, else `../shared/data/locomo10.json` from the repo. */
  path?: string;
  /** Question categories to keep. Default 1–4 (category 5 is adversarial: its evidence is a trap). */
  categories?: readonly number[];
}

/** Loads LoCoMo, repairing evidence ids written as "D8:6; D9:17", "D:11:26" or "D30:05". */
export async function loadLocomo(options: LoadLocomoOptions = {}): Promise<LocomoDataset> {
  const {
    path = process.env.LOCOMO_PATH ?? fileURLToPath(new URL('../../../shared/data/locomo10.json', import.meta.url)),
    categories = [1, 2, 3, 4],
  } = options;
  const raw = JSON.parse(await readFile(path, 'utf8')) as RawSample[];
  const dataset: LocomoDataset = { conversations: [], skippedQuestions: 0, unknownEvidenceIds: [] };
  for (const sample of raw) {
    const turns = readTurns(sample.conversation);
    const known = new Set(turns.map((turn) => turn.id));
    const questions: LocomoQuestion[] = [];
    for (const qa of sample.qa) {
      if (!categories.includes(qa.category)) continue;
      const ids = [...new Set((qa.evidence ?? []).flatMap(splitEvidence))];
      const evidence = ids.filter((id) => known.has(id));
      dataset.unknownEvidenceIds.push(...ids.filter((id) => !known.has(id)));
      if (evidence.length === 0) dataset.skippedQuestions++;
      else questions.push({ question: qa.question, category: qa.category, evidence });
    }
    dataset.conversations.push({ sampleId: sample.sample_id, turns, questions });
  }
  return dataset;
}

/** Options for {@link turnDocument}. */
export interface TurnDocumentOptions {
  /** Prefix the speaker's name ("Caroline: ..."). */
  speaker?: boolean;
  /** Append the image caption, when the turn shared an image. */
  caption?: boolean;
}

/** The text stored for one turn. */
export function turnDocument(turn: LocomoTurn, options: TurnDocumentOptions = {}): string {
  const { speaker = false, caption = false } = options;
  let text = speaker ? `${turn.speaker}: ${turn.text}` : turn.text;
  if (caption && turn.caption !== undefined) text += ` [shared ${turn.caption}]`;
  return text;
}

/** |evidence ∩ top k of ranked| / |evidence|. */
export function recallAtK(ranked: readonly string[], evidence: readonly string[], k: number): number {
  const top = new Set(ranked.slice(0, k));
  return evidence.filter((id) => top.has(id)).length / evidence.length;
}

/** Ranks a conversation's turn ids for each of its questions, best first (at least the top 20). */
export type LocomoRanker = (conversation: LocomoConversation) => Promise<string[][]>;

/** Mean recall@k over all questions, overall and per category. */
export interface RecallReport {
  questions: number;
  recall: Record<number, number>;
  byCategory: Record<number, { questions: number; recall: Record<number, number> }>;
}

/** Runs `rank` on every conversation and averages recall@k over questions. */
export async function evaluateRecall(
  dataset: LocomoDataset,
  rank: LocomoRanker,
  ks: readonly number[] = [5, 10, 20],
): Promise<RecallReport> {
  const sums = new Map<number, number[]>();
  for (const conversation of dataset.conversations) {
    const rankings = await rank(conversation);
    conversation.questions.forEach((question, index) => {
      const ranked = rankings[index] ?? [];
      const recalls = ks.map((k) => recallAtK(ranked, question.evidence, k));
      for (const category of [0, question.category]) {
        const sum = sums.get(category) ?? [0, ...ks.map(() => 0)];
        sum[0] = (sum[0] as number) + 1;
        recalls.forEach((recall, position) => {
          sum[position + 1] = (sum[position + 1] as number) + recall;
        });
        sums.set(category, sum);
      }
    });
  }
  const average = (sum: number[]) => Object.fromEntries(ks.map((k, position) => [k, (sum[position + 1] as number) / (sum[0] as number)]));
  const total = sums.get(0) ?? [0];
  const byCategory: RecallReport['byCategory'] = {};
  for (const [category, sum] of [...sums].sort(([left], [right]) => left - right)) {
    if (category !== 0) byCategory[category] = { questions: sum[0] as number, recall: average(sum) };
  }
  return { questions: total[0] as number, recall: total[0] ? average(total) : {}, byCategory };
}

/** The ids of the `k` best-scoring turns, best first; ties keep conversation order. */
export function topTurnIds(conversation: LocomoConversation, scores: readonly number[], k = 20): string[] {
  return scores
    .map((score, position) => ({ score, position }))
    .sort((left, right) => right.score - left.score || left.position - right.position)
    .slice(0, k)
    .map(({ position }) => (conversation.turns[position] as LocomoTurn).id);
}

function splitEvidence(entry: string): string[] {
  return entry
    .split(/[;,\s]+/)
    .filter((part) => part.length > 0)
    .map((part) => {
      const match = /^D:?(\d+):0*(\d+)$/.exec(part);
      return match ? `D${match[1]}:${match[2]}` : part;
    });
}

interface RawTurn {
  speaker: string;
  dia_id: string;
  text: string;
  blip_caption?: string;
}

interface RawSample {
  sample_id: string;
  conversation: Record<string, unknown>;
  qa: { question: string; category: number; evidence?: string[] }[];
}

function readTurns(conversation: Record<string, unknown>): LocomoTurn[] {
  const sessions = Object.keys(conversation)
    .map((key) => /^session_(\d+)$/.exec(key))
    .filter((match) => match !== null)
    .map((match) => Number(match[1]))
    .sort((left, right) => left - right);
  return sessions.flatMap((session) => {
    const sessionDateTime = conversation[`session_${session}_date_time`] as string | undefined;
    return (conversation[`session_${session}`] as RawTurn[]).map((turn) => ({
      id: turn.dia_id,
      speaker: turn.speaker,
      text: turn.text,
      ...(turn.blip_caption === undefined ? {} : { caption: turn.blip_caption }),
      ...(sessionDateTime === undefined ? {} : { sessionDateTime }),
    }));
  });
}
