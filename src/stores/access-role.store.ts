import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import type { Grant } from '../domain/permissions';

export interface AccessRoleRow {
  name: string;
  description: string | null;
  grants: Grant[];
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'name, description, grants, created_at, updated_at';

/** The access_role table: custom roles (the built-in ones live in code, domain/permissions). */
@Injectable()
export class AccessRoleStore {
  constructor(private readonly db: DatabaseService) {}

  list(): Promise<AccessRoleRow[]> {
    return this.db.query<AccessRoleRow>(`SELECT ${COLUMNS} FROM access_role ORDER BY name`);
  }

  async get(name: string): Promise<AccessRoleRow | undefined> {
    const [row] = await this.db.query<AccessRoleRow>(
      `SELECT ${COLUMNS} FROM access_role WHERE name = $1`,
      [name],
    );
    return row;
  }

  /** Undefined when a role of that name exists. */
  async insert(role: {
    name: string;
    description: string | null;
    grants: Grant[];
  }): Promise<AccessRoleRow | undefined> {
    const [row] = await this.db.query<AccessRoleRow>(
      `INSERT INTO access_role (name, description, grants) VALUES ($1, $2, $3)
        ON CONFLICT (name) DO NOTHING RETURNING ${COLUMNS}`,
      [role.name, role.description, JSON.stringify(role.grants)],
    );
    return row;
  }

  async replace(role: {
    name: string;
    description: string | null;
    grants: Grant[];
  }): Promise<AccessRoleRow | undefined> {
    const [row] = await this.db.query<AccessRoleRow>(
      `UPDATE access_role SET description = $2, grants = $3, updated_at = now() WHERE name = $1
        RETURNING ${COLUMNS}`,
      [role.name, role.description, JSON.stringify(role.grants)],
    );
    return row;
  }

  /** Deletes it unless an active key has it; answers the names of those keys instead. */
  async removeUnlessUsed(name: string): Promise<{ removed: boolean; usedBy: string[] }> {
    const [row] = await this.db.query<{ removed: boolean; used_by: string[] }>(
      `WITH users AS (
         SELECT coalesce(array_agg(name ORDER BY name), '{}') AS names FROM api_key
          WHERE role = $1 AND revoked_at IS NULL
       ), gone AS (
         DELETE FROM access_role WHERE name = $1 AND (SELECT cardinality(names) = 0 FROM users)
         RETURNING name
       )
       SELECT EXISTS (SELECT 1 FROM gone) AS removed, (SELECT names FROM users) AS used_by`,
      [name],
    );
    return { removed: row.removed, usedBy: row.used_by };
  }
}
