import { AuthenticatedUser, CurrentUser, Public } from '@app/auth';
import { CheckoutService, PurchaseHistory } from '@app/payments';
import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';

import { CheckoutRequest } from './dto/checkout.request';
import { CheckoutResponse } from './dto/checkout.response';
import { CreditPackResponse, CreditPacksResponse } from './dto/credit-packs.response';
import { PurchaseResponse, PurchasesResponse } from './dto/purchases.response';
import { PurchasesQuery } from './dto/purchases.query';
import { paymentsHttpError } from './payment-errors';

/** Buying credits: the packs, a Stripe Checkout for one, and the user's purchases. */
@ApiTags('credits')
@Controller('api/credits')
export class PurchasesController {
  constructor(
    private readonly checkout: CheckoutService,
    private readonly history: PurchaseHistory,
  ) {}

  /** What can be bought. Public: prices are no secret, and a page may show them signed out. */
  @ApiOperation({ summary: 'The credit packs for sale, and whether buying is on' })
  @ApiOkResponse({ type: CreditPacksResponse })
  @Public()
  @Get('packs')
  packs(): CreditPacksResponse {
    return {
      purchases_enabled: this.checkout.enabled,
      packs: this.checkout.packs.map((p) => CreditPackResponse.from(p)),
    };
  }

  /** Starts a Stripe Checkout for one pack; the credits come when Stripe says it is paid. */
  @ApiOperation({ summary: 'Start a Stripe Checkout for one pack' })
  @ApiCreatedResponse({ type: CheckoutResponse })
  @ApiResponse({ status: 400, description: 'unknown_pack, or validation_failed' })
  @ApiResponse({ status: 502, description: 'payment_provider_error: Stripe refused (our side)' })
  @ApiResponse({
    status: 503,
    description: 'purchases_disabled, payment_provider_unavailable, or a store down: retry later',
  })
  @Post('checkout')
  @HttpCode(201)
  async start(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: CheckoutRequest,
  ): Promise<CheckoutResponse> {
    try {
      return CheckoutResponse.from(await this.checkout.start(user.id, body.pack));
    } catch (error) {
      throw paymentsHttpError(error);
    }
  }

  /** The user's purchases, newest first, with the ledger entries each made. */
  @ApiOperation({ summary: 'Your purchases, newest first, with the ledger entries each made' })
  @ApiOkResponse({ type: PurchasesResponse })
  @Get('purchases')
  async purchases(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: PurchasesQuery,
  ): Promise<PurchasesResponse> {
    const rows = await this.history.recent(user.id, query.limit ?? 20);
    return { items: rows.map((r) => PurchaseResponse.from(r)) };
  }
}
