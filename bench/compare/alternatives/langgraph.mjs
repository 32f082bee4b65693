// Loaded by bench/compare/compare-langgraph.ts with import(): resolving here keeps LangGraph in bench/compare/node_modules.
export { InMemoryStore } from '@langchain/langgraph';
export { PostgresStore } from '@langchain/langgraph-checkpoint-postgres/store';
