/**
 * Recounts each tenant's users. Before this migration, users created implicitly (a key made for
 * a user, a user-scoped write naming a new user) were not counted while deleting them was, so
 * `user_count` drifted below the true number (even below zero) and the `users` limit stopped
 * holding. Every creation now goes through one counted path (`insertUser`).
 */
export const userCountMigration = `
UPDATE tenant_usage u SET user_count = (SELECT count(*) FROM users x WHERE x.tenant_id = u.tenant_id);
`;
