import { Public } from '@app/auth';
import { escapeHtml } from '@app/notifications';
import { NotificationPreferences, type UnsubscribeChannel, UnsubscribeLinks } from '@app/notify';
import { Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { apiError } from '../http/api-error';
import { UnsubscribeQueryDto } from './dto/unsubscribe.dto';

const WHAT: Record<UnsubscribeChannel, string> = {
  email: 'e-mails about finished infographics',
  push: 'push notifications about finished infographics',
};

/**
 * The link in every infograph e-mail, which works without signing in (the token is signed and
 * names the user and channel). GET only shows a page with a button: mail scanners and link
 * previews fetch GETs, and must not unsubscribe anyone. The button, and mail clients' one-click
 * unsubscribe (RFC 8058, `List-Unsubscribe-Post`), POST to the same URL, which does it.
 */
@ApiTags('notifications')
@Controller('api/notifications')
export class UnsubscribeController {
  constructor(
    private readonly links: UnsubscribeLinks,
    private readonly preferences: NotificationPreferences,
  ) {}

  @ApiOperation({ summary: 'Unsubscribe page: a button that confirms (nothing changes yet)' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'An HTML page', schema: { type: 'string' } })
  @Public()
  @Get('unsubscribe')
  confirmPage(
    @Query() query: UnsubscribeQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): string {
    const { channel } = this.verify(query.token);
    html(reply);
    return page('Unsubscribe', [
      `<p>Stop ${escapeHtml(WHAT[channel])}?</p>`,
      `<form method="post" action="?token=${escapeHtml(encodeURIComponent(query.token))}">`,
      '<input type="hidden" name="List-Unsubscribe" value="One-Click">',
      '<button type="submit">Unsubscribe</button>',
      '</form>',
      '<p>You can turn them on again on the page, under notifications.</p>',
    ]);
  }

  @ApiOperation({
    summary:
      'Unsubscribe (the page’s button, or a mail client’s RFC 8058 one-click POST); no sign-in needed',
  })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'Done (also if it was done before)', schema: { type: 'string' } })
  @Public()
  @Post('unsubscribe')
  @HttpCode(200)
  async unsubscribe(
    @Query() query: UnsubscribeQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const { userId, channel } = this.verify(query.token);
    // An account deleted since has nothing to turn off: answered as done all the same.
    await this.preferences.update(userId, { [channel]: false });
    html(reply);
    return page('Unsubscribed', [
      `<p>Done: no more ${escapeHtml(WHAT[channel])}.</p>`,
      '<p>You can turn them on again on the page, under notifications.</p>',
    ]);
  }

  private verify(token: string): { userId: string; channel: UnsubscribeChannel } {
    const named = this.links.verify(token);
    if (!named) {
      throw apiError(
        400,
        'invalid_unsubscribe_token',
        'This unsubscribe link is not valid (perhaps cut short): copy the whole link from the e-mail, or change your preferences on the page.',
      );
    }
    return named;
  }
}

/** Set only once the token is good: an error is answered as JSON, like every error. */
function html(reply: FastifyReply): void {
  void reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
}

function page(title: string, body: string[]): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)} · ainfographic</title></head><body>`,
    `<h1>${escapeHtml(title)}</h1>`,
    ...body,
    '</body></html>',
  ].join('\n');
}
