import { User } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

export class UserExistsError extends Error {
  constructor(email: string) {
    super(`A user with e-mail ${email} already exists.`);
  }
}

@Injectable()
export class UsersService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Creates a user with a zero balance (credits are granted through the ledger), for an
   * operator: the operator vouches for the address, so it counts as verified (no starter
   * credits), and there is no password until the user sets one by password reset.
   */
  async create(
    email: string,
    options: { isAdmin?: boolean; manager?: EntityManager } = {},
  ): Promise<User> {
    const manager = options.manager ?? this.dataSource.manager;
    const normalised = normaliseEmail(email);
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(User)
      .values({
        email: normalised,
        isAdmin: options.isAdmin ?? false,
        emailVerifiedAt: () => 'now()',
      })
      .orIgnore()
      .returning('*')
      .execute();
    if (result.identifiers.length === 0 || result.identifiers[0] === undefined) {
      throw new UserExistsError(normalised);
    }
    return manager.findOneByOrFail(User, { email: normalised });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.dataSource.manager.findOneBy(User, { email: normaliseEmail(email) });
  }

  findById(id: string): Promise<User | null> {
    return this.dataSource.manager.findOneBy(User, { id });
  }

  list(): Promise<User[]> {
    return this.dataSource.manager.find(User, { order: { createdAt: 'ASC' } });
  }
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
