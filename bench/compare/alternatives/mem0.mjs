// Loaded by bench/compare/compare-mem0.ts with import(): resolving here keeps mem0 in bench/compare/node_modules.
export { Memory } from 'mem0ai/oss';
