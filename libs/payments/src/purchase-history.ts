import { CreditLedgerEntry, CreditPurchase } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';

export interface PurchaseWithEntries {
  purchase: CreditPurchase;
  /** Its grant and clawbacks, oldest first. */
  entries: CreditLedgerEntry[];
}

/** A user's purchases, newest first, each with the ledger entries it made. */
@Injectable()
export class PurchaseHistory {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async recent(userId: string, limit: number): Promise<PurchaseWithEntries[]> {
    const purchases = await this.dataSource.getRepository(CreditPurchase).find({
      where: { userId },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
    });
    if (purchases.length === 0) {
      return [];
    }
    const entries = await this.dataSource.getRepository(CreditLedgerEntry).find({
      where: { userId, purchaseId: In(purchases.map((p) => p.id)) },
      order: { createdAt: 'ASC' },
    });
    return purchases.map((purchase) => ({
      purchase,
      entries: entries.filter((e) => e.purchaseId === purchase.id),
    }));
  }
}
