import type { StrataClient } from '../../src/client/index.ts';
import type { ListMemoriesQuery, Memory, Page } from '../../src/index.ts';

/** Every memory a listing returns, following cursors to the end. */
export async function listAllMemories(
  client: Pick<StrataClient, 'memories'>,
  query: Omit<ListMemoriesQuery, 'cursor' | 'limit'> = {},
): Promise<Memory[]> {
  const memories: Memory[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<Memory> = await client.memories.list({ ...query, limit: 200, ...(cursor === null ? {} : { cursor }) });
    memories.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return memories;
}
