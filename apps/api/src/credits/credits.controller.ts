import { AuthenticatedUser, CurrentUser, Public } from '@app/auth';
import { AppConfig } from '@app/config';
import { CreditsService } from '@app/credits';
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { CreditPricesResponse } from './dto/credit-prices.response';
import { CreditsResponse } from './dto/credits.response';

@ApiTags('credits')
@Controller('api/credits')
export class CreditsController {
  constructor(
    private readonly credits: CreditsService,
    private readonly config: AppConfig,
  ) {}

  /** Balance and the most recent ledger entries, newest first. */
  @ApiOperation({ summary: 'Balance and the 20 latest ledger entries, newest first' })
  @ApiOkResponse({ type: CreditsResponse })
  @Get()
  async show(@CurrentUser() user: AuthenticatedUser): Promise<CreditsResponse> {
    const [balance, entries] = await Promise.all([
      this.credits.balanceOf(user.id),
      this.credits.recentEntries(user.id, 20),
    ]);
    return CreditsResponse.from(balance, entries);
  }

  /**
   * The prices, public: the web page shows them before anyone signs up, and estimates a create's
   * cost from them (the charge itself is computed by the server, from the same settings).
   */
  @ApiOperation({ summary: 'Credits per image, and the starter credits (no credentials)' })
  @ApiOkResponse({ type: CreditPricesResponse })
  @Public()
  @Get('prices')
  prices(): CreditPricesResponse {
    return {
      price_per_image: this.config.credits.pricePerImage,
      price_4k: this.config.credits.price4k,
      starter_credits: this.config.accounts.starterCredits,
    };
  }
}
