// The users feature's public face: what other features, the composition root and the surfaces may import.
export { createUsersApi, type UserErasureReport, type UsersApi } from './users-api.ts';
