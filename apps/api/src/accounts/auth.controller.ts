import {
  AccountsService,
  ApiTokensService,
  AuthenticatedUser,
  type Credential,
  CurrentCredential,
  CurrentUser,
  CSRF_HEADER,
  type EmailTokenProblem,
  type PasswordProblem,
  Public,
  csrfTokenFor,
  csrfTokenMatches,
} from '@app/auth';
import { AppConfig } from '@app/config';
import { CreditsService } from '@app/credits';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpException,
  Logger,
  Post,
  Req,
  Res,
  ServiceUnavailableException,
  UseGuards,
} from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { apiError } from '../http/api-error';
import { sendRetryAfter } from '../http/rate-limit-headers';
import { JsonOnlyGuard } from '../http/json-only.guard';
import { MeResponse } from '../me/dto/me.response';
import { AccountMails } from './account-mails';
import { AccountThrottle } from './account-throttle';
import { EmailDto, LinkTokenDto, LoginDto, ResetPasswordDto, SignUpDto } from './dto/auth.dto';
import { MessageResponse, SessionResponse } from './dto/auth.response';
import { SessionCookie } from './session-cookie';

const CHECK_EMAIL =
  'Check your e-mail: if the address can be used, we sent it a link to confirm it (or, if it already has an account, a link to sign in or reset the password).';
const RESET_SENT =
  'Check your e-mail: if an account uses this address, we sent it a link to choose a new password.';
const RESENT =
  'Check your e-mail: if this address is waiting for confirmation, we sent it a new link.';

const LINK_MESSAGES: Record<EmailTokenProblem, string> = {
  link_invalid: 'This link is not valid: use the latest link we e-mailed you, whole.',
  link_expired: 'This link has expired: ask for a new one.',
  link_used: 'This link was already used: each link works once. Ask for a new one if needed.',
};

/**
 * Sign-up, e-mail verification, sign-in and sign-out with a session cookie, password reset.
 * Every answer about an e-mail address is the same whether or not it has an account, and the
 * work that would differ (mail) happens after answering. Errors carry a stable `code`.
 */
@ApiTags('accounts')
@Controller('api/auth')
@UseGuards(JsonOnlyGuard)
export class AuthController {
  private readonly logger = new Logger('Accounts');

  constructor(
    private readonly accounts: AccountsService,
    private readonly tokens: ApiTokensService,
    private readonly credits: CreditsService,
    private readonly throttle: AccountThrottle,
    private readonly mails: AccountMails,
    private readonly cookie: SessionCookie,
    private readonly config: AppConfig,
  ) {}

  @ApiOperation({ summary: 'Sign up: mails a link that confirms the address (202 in every case)' })
  @ApiResponse({ status: 202, type: MessageResponse })
  @ApiResponse({
    status: 400,
    description: 'Invalid e-mail, or a password the rules refuse (code)',
  })
  @ApiResponse({
    status: 429,
    description: 'Too many requests from this address or for this e-mail',
  })
  @Public()
  @Post('signup')
  @HttpCode(202)
  async signUp(
    @Body() body: SignUpDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MessageResponse> {
    await this.limitMail(reply, request.ip, body.email);
    const result = await this.accounts.signUp(body.email, body.password);
    if ('problem' in result) {
      throw passwordRefused(result.problem);
    }
    if (result.outcome === 'created') {
      this.mails.later('verification e-mail', () => this.mails.verification(result));
    } else if (result.outcome === 'exists') {
      this.mails.later('account-exists e-mail', () => this.mails.accountExists(result));
    }
    return { message: CHECK_EMAIL };
  }

  @ApiOperation({ summary: 'Confirm an e-mail address with the token of the mailed link' })
  @ApiResponse({ status: 200, type: MessageResponse })
  @ApiResponse({ status: 400, description: 'link_invalid, link_expired or link_used' })
  @Public()
  @Post('verify')
  @HttpCode(200)
  async verify(@Body() body: LinkTokenDto): Promise<MessageResponse> {
    const result = await this.accounts.verifyEmail(body.token);
    if ('problem' in result) {
      throw linkRefused(result.problem);
    }
    return { message: `${result.email} is confirmed: you can sign in.` };
  }

  @ApiOperation({ summary: 'Send a new verification link (202 in every case)' })
  @ApiResponse({ status: 202, type: MessageResponse })
  @ApiResponse({ status: 429, description: 'too_many_attempts, with Retry-After' })
  @Public()
  @Post('verify/resend')
  @HttpCode(202)
  async resend(
    @Body() body: EmailDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MessageResponse> {
    await this.limitMail(reply, request.ip, body.email);
    this.mails.later('verification e-mail', async () => {
      const link = await this.accounts.resendVerification(body.email);
      if (link) {
        await this.mails.verification(link);
      }
    });
    return { message: RESENT };
  }

  @ApiOperation({ summary: 'Sign in: sets the session cookie, answers the user and CSRF token' })
  @ApiResponse({ status: 200, type: SessionResponse })
  @ApiResponse({ status: 401, description: 'invalid_credentials: wrong e-mail or password' })
  @ApiResponse({ status: 403, description: 'email_not_verified (the password was right)' })
  @ApiResponse({ status: 429, description: 'too_many_attempts, with Retry-After' })
  @Public()
  @Post('login')
  @HttpCode(200)
  async login(
    @Body() body: LoginDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SessionResponse> {
    await this.failIfLocked(reply, () => this.throttle.loginWait(request.ip, body.email));
    const result = await this.accounts.signIn(body.email, body.password);
    if (result.outcome === 'invalid') {
      await this.failIfLocked(reply, () => this.throttle.loginFailed(request.ip, body.email));
      throw apiError(401, 'invalid_credentials', 'Wrong e-mail address or password.');
    }
    if (result.outcome === 'unverified') {
      throw apiError(
        403,
        'email_not_verified',
        'Confirm your e-mail address first, with the link we sent (POST /api/auth/verify/resend/ sends a new one).',
      );
    }
    await this.throttle.loginSucceeded(request.ip, body.email).catch(() => undefined);
    // A fresh session every sign-in; the one this browser held before (if any) ends with it.
    const previous = this.cookie.read(request);
    if (previous) {
      await this.tokens.revokeSession(previous);
    }
    const { token } = await this.tokens.startSession(
      result.user.id,
      this.config.accounts.sessionTtlMs,
    );
    this.cookie.set(reply, token);
    return {
      user: MeResponse.from(result.user, result.user.balance),
      csrf_token: csrfTokenFor(token),
    };
  }

  @ApiOperation({ summary: 'Sign out: ends the session on the server and clears the cookie' })
  @ApiResponse({ status: 204, description: 'Signed out (also when there was no live session)' })
  @ApiResponse({ status: 403, description: 'csrf_token_missing or csrf_token_invalid' })
  @Public()
  @Post('logout')
  @HttpCode(204)
  async logout(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const session = this.cookie.read(request);
    if (session && (await this.tokens.authenticate(session))?.tokenKind === 'session') {
      // A live session is ended only by its own page: another site cannot sign the user out.
      const given = request.headers[CSRF_HEADER];
      if (!csrfTokenMatches(session, Array.isArray(given) ? given[0] : given)) {
        throw apiError(
          403,
          given ? 'csrf_token_invalid' : 'csrf_token_missing',
          `Send the session's csrf_token (GET /api/auth/session/) in ${CSRF_HEADER} to sign out.`,
        );
      }
      await this.tokens.revokeSession(session);
    }
    this.cookie.clear(reply);
  }

  @ApiOperation({ summary: 'Who is signed in, and the CSRF token of the session' })
  @ApiResponse({ status: 200, type: SessionResponse })
  @ApiResponse({ status: 401, description: 'Not signed in (not_authenticated, session_ended)' })
  @Get('session')
  async session(
    @CurrentUser() user: AuthenticatedUser,
    @CurrentCredential() credential: Credential | undefined,
  ): Promise<SessionResponse> {
    return {
      user: MeResponse.from(user, await this.credits.balanceOf(user.id)),
      csrf_token: credential?.via === 'cookie' ? csrfTokenFor(credential.token) : null,
    };
  }

  @ApiOperation({ summary: 'Mail a password-reset link (202 in every case)' })
  @ApiResponse({ status: 202, type: MessageResponse })
  @ApiResponse({ status: 429, description: 'too_many_attempts, with Retry-After' })
  @Public()
  @Post('password-reset')
  @HttpCode(202)
  async requestReset(
    @Body() body: EmailDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MessageResponse> {
    await this.limitMail(reply, request.ip, body.email);
    this.mails.later('password-reset e-mail', async () => {
      const link = await this.accounts.requestPasswordReset(body.email);
      if (link) {
        await this.mails.passwordReset(link);
      }
    });
    return { message: RESET_SENT };
  }

  @ApiOperation({
    summary: 'Set a new password with the mailed token: signs every browser out, keeps API keys',
  })
  @ApiResponse({ status: 200, type: MessageResponse })
  @ApiResponse({ status: 400, description: 'A password the rules refuse, or a bad link (code)' })
  @Public()
  @Post('password-reset/confirm')
  @HttpCode(200)
  async confirmReset(
    @Body() body: ResetPasswordDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MessageResponse> {
    const result = await this.accounts.resetPassword(body.token, body.password);
    if ('problem' in result) {
      throw typeof result.problem === 'string'
        ? linkRefused(result.problem)
        : passwordRefused(result.problem);
    }
    await this.throttle.passwordReset(result.email).catch(() => undefined);
    this.mails.later('password-changed e-mail', () => this.mails.passwordChanged(result.email));
    this.cookie.clear(reply);
    return {
      message: 'Your password is changed, and every browser was signed out: sign in again.',
    };
  }

  /** Counts a request that mails someone; 429 past a limit, 503 when Redis cannot count. */
  private limitMail(reply: FastifyReply, ip: string, email: string): Promise<void> {
    return this.refuseIfWaiting(
      reply,
      () => this.throttle.mailRequest(ip, email),
      (wait) => `Too many requests for e-mails: retry after ${wait} seconds.`,
    );
  }

  /** 429 with Retry-After when a throttle says to wait, or when `ask` now passes a limit. */
  private failIfLocked(reply: FastifyReply, ask: () => Promise<number>): Promise<void> {
    return this.refuseIfWaiting(
      reply,
      ask,
      (wait) => `Too many failed sign-ins: retry after ${wait} seconds.`,
    );
  }

  private async refuseIfWaiting(
    reply: FastifyReply,
    ask: () => Promise<number>,
    message: (wait: number) => string,
  ): Promise<void> {
    let wait: number;
    try {
      wait = await ask();
    } catch (error) {
      throw this.unavailable(error);
    }
    if (wait > 0) {
      sendRetryAfter(reply, 'accounts', wait);
      throw apiError(429, 'too_many_attempts', message(wait));
    }
  }

  private unavailable(error: unknown): HttpException {
    // Without its counters the throttle cannot protect anyone: refuse rather than guess.
    this.logger.warn(`account throttle not checked: ${(error as Error).message}`);
    return new ServiceUnavailableException({
      message: 'Signing in and up is unavailable right now; retry shortly.',
      code: 'temporarily_unavailable',
    });
  }
}

function passwordRefused(problem: PasswordProblem): HttpException {
  return apiError(400, problem.code, problem.message);
}

function linkRefused(problem: EmailTokenProblem): HttpException {
  return apiError(400, problem, LINK_MESSAGES[problem]);
}
