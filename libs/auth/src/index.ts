export {
  TOKEN_PREFIX,
  generateApiToken,
  hashApiToken,
  parseAuthorizationHeader,
  MalformedAuthorizationError,
} from './api-token';
export {
  ApiTokenGuard,
  CSRF_HEADER,
  type Credential,
  CurrentCredential,
  CurrentUser,
  Public,
  isPublicRoute,
} from './api-token.guard';
export {
  AccountsService,
  type LinkResult,
  type MailedLink,
  type SignInResult,
  type SignUpResult,
} from './accounts.service';
export { csrfTokenFor, csrfTokenMatches } from './csrf-token';
export {
  type EmailTokenCheck,
  type EmailTokenProblem,
  EmailTokensService,
} from './email-tokens.service';
export {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  type PasswordProblem,
  passwordProblem,
} from './password-rules';
export { ApiTokensService } from './api-tokens.service';
export { AuthenticatedUser, TokenCache } from './token-cache';
export { TOKEN_REVOKED_CHANNEL, TokenRevocationListener } from './token-revocation.listener';
export { type RevocationHandler, TokenRevocations } from './token-revocations';
export { AuthModule } from './auth.module';
export { UserExistsError, UsersService, normaliseEmail } from './users.service';
