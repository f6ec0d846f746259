import { AppConfig, type CreditPack } from '@app/config';
import { CreditPurchase } from '@app/database';
import { Metrics } from '@app/observability';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';

import { PaymentProviderError, PurchasesDisabledError, UnknownPackError } from './payments.errors';
import { STRIPE } from './stripe-client';

export interface StartedCheckout {
  purchase: CreditPurchase;
  /** Stripe's hosted checkout page: where the client sends the buyer. */
  url: string;
}

/**
 * Starts a purchase: records what is being sold, then asks Stripe for a Checkout Session for it.
 * The row comes first so that whatever Stripe later says about the session (which names the row
 * in its metadata) is credited from what was sold then, never from the configuration of the day.
 */
@Injectable()
export class CheckoutService {
  private readonly logger = new Logger('Checkout');

  constructor(
    private readonly config: AppConfig,
    @Inject(STRIPE) private readonly stripe: Stripe | null,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly metrics: Metrics,
  ) {}

  get enabled(): boolean {
    return this.stripe !== null;
  }

  get packs(): CreditPack[] {
    return this.config.payments.packs;
  }

  async start(userId: string, packId: unknown): Promise<StartedCheckout> {
    if (this.stripe === null) {
      throw new PurchasesDisabledError();
    }
    const pack = this.packs.find((p) => p.id === packId);
    if (!pack) {
      throw new UnknownPackError(
        packId,
        this.packs.map((p) => p.id),
      );
    }
    const purchase = await this.dataSource.getRepository(CreditPurchase).save({
      userId,
      packId: pack.id,
      packName: pack.name,
      credits: pack.credits,
      price: pack.price,
      currency: pack.currency,
      status: 'pending',
    });
    let session: Stripe.Checkout.Session;
    try {
      session = await this.createSession(this.stripe, purchase, pack);
      if (!session.url) {
        throw new Error(`session ${session.id} has no url (is it a hosted checkout?)`);
      }
    } catch (error) {
      this.metrics.checkoutSessions.inc({ outcome: 'failed' });
      await this.markFailed(purchase.id);
      throw providerError(error);
    }
    // If this update is lost, the session's own events still name the purchase (metadata).
    await this.dataSource
      .getRepository(CreditPurchase)
      .update({ id: purchase.id }, { stripeSessionId: session.id });
    this.metrics.checkoutSessions.inc({ outcome: 'created' });
    this.logger.log(
      `checkout ${session.id} for purchase ${purchase.id}: ${pack.id} (${pack.credits} credits, ${pack.price} ${pack.currency})`,
    );
    return { purchase: { ...purchase, stripeSessionId: session.id }, url: session.url };
  }

  private createSession(
    stripe: Stripe,
    purchase: CreditPurchase,
    pack: CreditPack,
  ): Promise<Stripe.Checkout.Session> {
    const metadata = {
      purchase_id: purchase.id,
      user_id: purchase.userId,
      pack_id: pack.id,
      credits: String(pack.credits),
    };
    const back = (outcome: 'success' | 'cancel') =>
      `${this.config.payments.returnUrl}/?checkout=${outcome}&purchase=${purchase.id}`;
    return stripe.checkout.sessions.create(
      {
        mode: 'payment',
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: pack.currency,
              unit_amount: pack.price,
              product_data: {
                name: pack.name,
                description: `${pack.credits} ainfographic credits`,
              },
            },
          },
        ],
        client_reference_id: purchase.userId,
        metadata,
        // Charges, refunds and disputes name the PaymentIntent: the metadata says whose it is.
        payment_intent_data: { metadata },
        success_url: back('success'),
        cancel_url: back('cancel'),
      },
      // One session per purchase, however often the SDK retries the call.
      { idempotencyKey: `checkout-${purchase.id}` },
    );
  }

  private async markFailed(purchaseId: string): Promise<void> {
    try {
      await this.dataSource
        .getRepository(CreditPurchase)
        .update({ id: purchaseId, status: 'pending' }, { status: 'failed' });
    } catch (error) {
      // The purchase stays pending; with no session it can never be paid.
      this.logger.warn(`could not mark purchase ${purchaseId} failed: ${(error as Error).message}`);
    }
  }
}

function providerError(error: unknown): PaymentProviderError {
  if (error instanceof Stripe.errors.StripeError) {
    const transient =
      error instanceof Stripe.errors.StripeConnectionError ||
      error instanceof Stripe.errors.StripeRateLimitError ||
      error instanceof Stripe.errors.StripeAPIError ||
      (error.statusCode ?? 0) >= 500;
    return new PaymentProviderError(`Stripe: ${error.message}`, transient);
  }
  return new PaymentProviderError(`Stripe: ${(error as Error).message}`, true);
}
