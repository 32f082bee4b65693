/** JSON values as stored in metadata and settings. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
